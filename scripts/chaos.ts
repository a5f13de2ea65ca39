// `make chaos`: the reliability suite. Starts the whole system (private control plane,
// emulator, 2 webhook replicas, the reconciler), runs every scenario against it, then
// the fuzzers and the secret scan, and prints one table row each (docs/reliability.md).
//   CHAOS_PODS=200 (pods per scenario)  CHAOS_REPLICAS=3 (reconciler replicas = virtual nodes)
//   CHAOS_ONLY=<comma-separated substrings of scenario names>
//   FUZZ_RUNS=10000 (AdmissionReview bodies)
import { spawnSync } from 'node:child_process';
import { ChaosSystem } from '../test/chaos/system.ts';
import { ALL_SCENARIOS } from '../test/chaos/scenarios.ts';
import { runScenario } from '../test/chaos/run.ts';
import { planWorkload } from '../test/chaos/workload.ts';
import { renderTable, rowHolds, type ScenarioRow } from '../test/chaos/table.ts';
import { runAnnotationFuzz, runProfileFuzz } from '../test/chaos/config-fuzz.ts';
import { scanLogs } from '../test/chaos/logs.ts';

const pods = Number(process.env.CHAOS_PODS ?? 200);
const replicas = Number(process.env.CHAOS_REPLICAS ?? 3);
const only = process.env.CHAOS_ONLY?.toLowerCase().split(',');
const fuzzRuns = Number(process.env.FUZZ_RUNS ?? 10_000);
const selected = (name: string) => !only || only.some((o) => name.toLowerCase().includes(o));
const log = (line: string) => console.error(`${new Date().toISOString().slice(11, 19)} ${line}`);

const rows: ScenarioRow[] = [];
const started = Date.now();
const sys = await ChaosSystem.start({ log, replicas });
try {
  for (const scenario of ALL_SCENARIOS.filter((s) => selected(s.name))) {
    const row = await runScenario(sys, scenario, { plan: planWorkload(pods), log }).catch(
      (err: unknown): ScenarioRow => ({
        scenario: scenario.name,
        workload: `${pods} pods`,
        fault: scenario.fault,
        duplicates: 0,
        orphans: 0,
        lost: 0,
        statusMismatches: 0,
        crashes: 0,
        result: 'FAIL',
        note: `runner error: ${(err as Error).message.split('\n')[0]}`,
      }),
    );
    log(`[${row.scenario}] ${row.result}`);
    rows.push(row);
    // The next row starts from a healthy system, whatever this one left behind.
    if (row.result === 'FAIL') await sys.resetReconcilers();
  }
  if (selected('annotation fuzz')) rows.push(await runAnnotationFuzz(sys, { log }));
  if (selected('profile fuzz')) rows.push(await runProfileFuzz(sys, { log }));
  if (selected('admission fuzz')) {
    const t0 = Date.now();
    const res = spawnSync(
      process.execPath,
      ['--test', '--test-reporter=dot', 'test/unit/webhook/fuzz-admission.test.ts'],
      { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, FUZZ_RUNS: String(fuzzRuns) } },
    );
    rows.push({
      scenario: 'admission fuzz',
      workload: `${fuzzRuns} generated AdmissionReview bodies`,
      fault: 'valid and broken bodies (fast-check) against the webhook server',
      recoverySeconds: undefined,
      duplicates: 0,
      orphans: 0,
      lost: 0,
      statusMismatches: 0,
      crashes: 0,
      result: res.status === 0 ? 'ok' : 'FAIL',
      note: `${((Date.now() - t0) / 1000).toFixed(0)} s; no crash, 400 for garbage, a review for every valid pod`,
    });
  }
  rows.push(scanLogs(sys));
} finally {
  await sys.stop();
}
console.log(renderTable(rows));
console.log(
  `\n${rows.length} rows in ${((Date.now() - started) / 60_000).toFixed(1)} min, ${pods} pods per scenario, ${replicas} reconciler replica(s)`,
);
process.exit(rows.every(rowHolds) ? 0 : 1);
