// `make conformance` (issue 18): Kubernetes' own node-conformance specs of
// test/e2e/common/node against the virtual node. Builds nothing itself (the Makefile runs
// scripts/build-conformance.sh first); starts the stack, runs the e2e binary, turns
// ginkgo's JSON report into a table, prints it and rewrites docs/conformance.md.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as prettier from 'prettier';
import { z } from 'zod';
import { binaryDir, K8S_VERSION } from '../test/harness/binaries.ts';
import { renderDoc } from './conformance/doc.ts';
import { e2eCommand } from './conformance/e2e-args.ts';
import { findHostLimits, HOST_LIMITS } from './conformance/host-limits.ts';
import { NOT_APPLICABLE, NOT_APPLICABLE_CLAIMS } from './conformance/not-applicable.ts';
import { countRows, formatTable, reportToRows } from './conformance/report.ts';
import { runE2e } from './conformance/run-e2e.ts';
import { startStack, type Stack } from './conformance/stack.ts';

const envSchema = z.object({
  CONFORMANCE_PROCS: z.coerce.number().int().min(1).max(8).default(2),
  CONFORMANCE_TIMEOUT: z
    .string()
    .regex(/^\d+(s|m|h)$/, 'CONFORMANCE_TIMEOUT must be a duration like 60m')
    .default('60m'),
  CONFORMANCE_FOCUS: z.string().min(1).optional(),
  CONFORMANCE_KEEP_TAINT: z.enum(['0', '1']).default('0'),
});

const env = envSchema.safeParse(process.env);
if (!env.success) {
  const issue = env.error.issues[0];
  console.error(`conformance: ${issue?.path.join('.')}: ${issue?.message}`);
  process.exit(2);
}
const { CONFORMANCE_PROCS: procs, CONFORMANCE_TIMEOUT: timeout, CONFORMANCE_FOCUS: narrow } = env.data;
const untaint = env.data.CONFORMANCE_KEEP_TAINT === '0';
const cacheDir = binaryDir();
const binary = join(cacheDir, 'e2e-common-node.test');
const ginkgo = join(cacheDir, 'ginkgo');
for (const needed of procs > 1 ? [binary, ginkgo] : [binary]) {
  if (!existsSync(needed)) {
    console.error(
      `conformance: ${needed} is missing; run \`bash scripts/build-conformance.sh\` (make conformance does)`,
    );
    process.exit(2);
  }
}

const runDir = mkdtempSync(join(tmpdir(), 'eci-vn-conformance-'));
const step = (msg: string) => console.log(`==> ${msg}`);
let stack: Stack | undefined;
let stopping = false;

async function shutdown(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    step('stopping the stack');
    await stack?.stop();
    console.log(`logs: ${runDir}`);
  }
  process.exit(code);
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.removeAllListeners(signal);
  process.on(signal, () => void shutdown(130));
}

try {
  stack = await startStack(runDir, step, { untaint });
  const jsonReport = join(runDir, 'report.json');
  const [command, args] = e2eCommand({
    binary,
    ginkgo,
    kubeconfig: stack.cp.kubeconfigPath,
    kubectl: stack.cp.kubectlPath,
    jsonReport,
    procs,
    timeout,
    narrow,
    skipSpecs: [...NOT_APPLICABLE.keys()],
  });
  step(
    `running the e2e specs (${procs} process${procs === 1 ? '' : 'es'}, timeout ${timeout}); output in ${runDir}/e2e.log`,
  );
  const startedAt = new Date();
  const exitCode = await runE2e(command, args, join(runDir, 'e2e.log'), true);
  const wallTimeSec = Math.round((Date.now() - startedAt.getTime()) / 1000);
  if (!existsSync(jsonReport))
    throw new Error(`the e2e run (exit ${exitCode}) wrote no report; see ${runDir}/e2e.log`);

  const allRows = reportToRows(JSON.parse(readFileSync(jsonReport, 'utf8')), NOT_APPLICABLE);
  // A narrowed run reports only what it ran; the rest of the scope was filtered, not
  // interrupted, and the not-applicable specs were skipped whether they matched or not.
  const rows = narrow
    ? allRows.filter((r) => r.result !== 'not run' && r.result !== 'not applicable')
    : allRows;
  if (rows.length === 0)
    throw new Error(
      `no spec in scope ran${narrow ? ` for CONFORMANCE_FOCUS=${narrow} (not-applicable specs are always skipped)` : ''}`,
    );
  const counts = countRows(rows, NOT_APPLICABLE);
  console.log('');
  console.log(formatTable(rows));
  console.log('');
  console.log(
    `in scope ${counts.inScope}: passed ${counts.passed}, failed ${counts.failed}, skipped ${counts.skipped}, ` +
      `not run ${counts.notRun}, not applicable ${counts.notApplicable}; wall time ${wallTimeSec} s`,
  );
  // Only the limits of specs this run saw fail (a narrowed run may not include them).
  const failed = new Set(rows.filter((r) => r.result === 'failed').map((r) => r.spec));
  const hostLimits = await findHostLimits(HOST_LIMITS.filter((l) => l.specs.some((s) => failed.has(s))));
  for (const f of hostLimits)
    console.log(`machine limit (${f.limit.probe.join(' ')}: ${f.answer}): ${f.limit.specs.join('; ')}`);
  if (narrow) {
    console.log('(a narrowed run: docs/conformance.md left as it is)');
  } else {
    const doc = renderDoc(
      rows,
      {
        k8sVersion: K8S_VERSION,
        startedAt: startedAt.toISOString().replace(/\.\d+Z$/, 'Z'),
        wallTimeSec,
        containers: stack.containers,
        procs,
        timeout,
        taint: untaint ? 'removed' : 'kept',
      },
      NOT_APPLICABLE,
      NOT_APPLICABLE_CLAIMS,
      hostLimits,
    );
    // Formatted as `make lint` (prettier --check) expects the repository's markdown.
    const docPath = 'docs/conformance.md';
    const style = (await prettier.resolveConfig(docPath)) ?? {};
    writeFileSync(docPath, await prettier.format(doc, { ...style, filepath: docPath }));
    step('wrote docs/conformance.md');
  }
  const failing = rows.filter((r) => r.result !== 'passed' && !NOT_APPLICABLE.has(r.spec)).length;
  await shutdown(failing === 0 ? 0 : 1);
} catch (err) {
  console.error(`conformance failed: ${(err as Error).message}`);
  await shutdown(1);
}
