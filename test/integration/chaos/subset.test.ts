// The reliability suite's short subset inside `make test` (the whole suite: `make chaos`,
// docs/reliability.md): a reconciler killed -9 mid-burst, an ECI throttling storm and a
// kube-apiserver restart, each on a workload of CHAOS_PODS pods (default 30) against its
// own control plane, each asserting every invariant from the outside. The AdmissionReview
// fuzz (1,000 bodies) is test/unit/webhook/fuzz-admission.test.ts. With one replica the kill -9
// and the restart are the regression tests of the lease bug fixed in d5ff477 (a replica never
// re-took a node Lease held under its own identity: every pod stayed Pending).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ChaosSystem } from '../../chaos/system.ts';
import { runScenario } from '../../chaos/run.ts';
import { planWorkload } from '../../chaos/workload.ts';
import { apiserverRestart, killReconcilerMidBurst, throttlingStorm } from '../../chaos/scenarios.ts';
import { secretLeaks } from '../../chaos/logs.ts';
import type { ScenarioRow } from '../../chaos/table.ts';

const PODS = Number(process.env.CHAOS_PODS ?? 30);
const REPLICAS = Number(process.env.CHAOS_REPLICAS ?? 1);

let sys: ChaosSystem;
before(async () => {
  sys = await ChaosSystem.start({ replicas: REPLICAS });
});
after(async () => {
  await sys?.stop();
});

function assertInvariants(row: ScenarioRow): void {
  const counts = {
    duplicates: row.duplicates,
    orphans: row.orphans,
    lost: row.lost,
    statusMismatches: row.statusMismatches,
    crashes: row.crashes,
  };
  const zero = { duplicates: 0, orphans: 0, lost: 0, statusMismatches: 0, crashes: 0 };
  assert.deepEqual(counts, zero, row.note);
  assert.ok(row.recoverySeconds !== undefined, `the invariants never held: ${row.note}`);
}

describe(`chaos subset (${PODS} pods per scenario, ${REPLICAS} reconciler replica(s))`, () => {
  for (const scenario of [killReconcilerMidBurst, throttlingStorm, apiserverRestart]) {
    test(`${scenario.name}: no duplicate, no orphan, nothing lost, status = group, no crash`, async (t) => {
      const row = await runScenario(sys, scenario, {
        plan: planWorkload(PODS),
        recoveryTimeoutMs: 120_000,
        log: (line) => t.diagnostic(line),
      });
      t.diagnostic(`recovered in ${row.recoverySeconds?.toFixed(1) ?? '–'} s`);
      if (row.result !== 'ok') await sys.resetReconcilers();
      assertInvariants(row);
    });
  }

  test('no captured log line holds the AccessKey secret or a ServiceAccount token', () => {
    const { files, hits } = secretLeaks(sys);
    assert.ok(files > 5, `${files} log files scanned`);
    assert.deepEqual(hits, []);
  });
});
