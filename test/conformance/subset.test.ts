// Issue 18: a short subset of Kubernetes' own node conformance specs (status, logs, exec,
// env; scripts/conformance/subset.ts), `make conformance-subset`, on the same stack as
// `make conformance`: its own control plane, the emulator in process mode, the webhook and
// the reconciler, with every pod of the e2e namespaces sent to the virtual node.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { binaryDir } from '../harness/binaries.ts';
import { e2eCommand } from '../../scripts/conformance/e2e-args.ts';
import { NOT_APPLICABLE } from '../../scripts/conformance/not-applicable.ts';
import { reportToRows } from '../../scripts/conformance/report.ts';
import { runE2e } from '../../scripts/conformance/run-e2e.ts';
import { startStack } from '../../scripts/conformance/stack.ts';
import { SUBSET_FOCUS, SUBSET_SPECS } from '../../scripts/conformance/subset.ts';
import { skipUnlessProcessMode } from '../integration/process/helpers.ts';

const binary = join(binaryDir(), 'e2e-common-node.test');

test(
  `the conformance subset (${SUBSET_SPECS.length} specs: status, logs, exec, env) passes on the virtual node`,
  { skip: skipUnlessProcessMode, timeout: 25 * 60_000 },
  async () => {
    // Never skipped for want of the binary: a missing binary is a setup to fix, said plainly.
    assert.ok(
      existsSync(binary),
      `the e2e binary ${binary} is missing: build it with \`bash scripts/build-conformance.sh\` (what \`make conformance\` runs first)`,
    );
    const runDir = mkdtempSync(join(tmpdir(), 'eci-vn-conformance-subset-'));
    const stack = await startStack(runDir, (msg) => console.error(`conformance subset: ${msg}`));
    try {
      const jsonReport = join(runDir, 'report.json');
      const [command, args] = e2eCommand({
        binary,
        ginkgo: join(binaryDir(), 'ginkgo'),
        kubeconfig: stack.cp.kubeconfigPath,
        kubectl: stack.cp.kubectlPath,
        jsonReport,
        procs: 1,
        timeout: '15m',
        narrow: SUBSET_FOCUS,
      });
      const exitCode = await runE2e(command, args, join(runDir, 'e2e.log'), false);
      assert.ok(
        existsSync(jsonReport),
        `the e2e run (exit ${exitCode}) wrote no report; see ${runDir}/e2e.log`,
      );
      // What ran: the rest of the scope was filtered out (not run) or skipped (not applicable).
      const rows = reportToRows(JSON.parse(readFileSync(jsonReport, 'utf8')), NOT_APPLICABLE).filter(
        (r) => r.result !== 'not run' && r.result !== 'not applicable',
      );
      assert.deepEqual(
        rows.map((r) => `${r.result}: ${r.spec}${r.detail ? ` (${r.detail})` : ''}`),
        [...SUBSET_SPECS].sort((a, b) => a.localeCompare(b)).map((s) => `passed: ${s}`),
        `every spec of the subset runs and passes; logs of the run in ${runDir}`,
      );
    } finally {
      await stack.stop();
    }
  },
);
