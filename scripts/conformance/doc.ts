// docs/conformance.md from a run's rows. Pure: the caller writes the file.
import { countRows, type SpecRow } from './report.ts';
import { FOCUS, SKIP } from './spec-filter.ts';

export interface RunFacts {
  k8sVersion: string;
  /** ISO date-time of the run's start (UTC). */
  startedAt: string;
  wallTimeSec: number;
  /** How the emulator ran containers, as it reported (`process (…)` or `simulation (…)`). */
  containers: string;
  procs: number;
  /** --ginkgo.timeout given to the run. */
  timeout: string;
  /** Whether the virtual node kept its NoSchedule taint (CONFORMANCE_KEEP_TAINT=1) or lost it. */
  taint: 'removed' | 'kept';
}

/** Markdown cells hold no pipes or newlines, and spec names like `should *not* …` keep their asterisks. */
function cell(text: string): string {
  return text.replace(/([|*_])/g, '\\$1').replace(/\s*\n\s*/g, ' ');
}

function minutes(sec: number): string {
  const m = Math.floor(sec / 60);
  return `${m} min ${Math.round(sec - m * 60)} s`;
}

export function renderDoc(
  rows: readonly SpecRow[],
  facts: RunFacts,
  notApplicable: ReadonlyMap<string, string>,
): string {
  const c = countRows(rows, notApplicable);
  const failures = rows.filter((r) => r.result === 'failed' || r.result === 'skipped');
  const out = [
    '# Kubernetes node conformance on the virtual node',
    '',
    '<!-- Written by `make conformance` (scripts/conformance.ts); edit the generator, not this file.',
    '     Not-applicable reasons live in scripts/conformance/not-applicable.ts. -->',
    '',
    `Kubernetes' own \`[NodeConformance]\`/\`[Conformance]\` specs of`,
    `[\`k8s.io/kubernetes/test/e2e/common/node\`](https://github.com/kubernetes/kubernetes/tree/${facts.k8sVersion}/test/e2e/common/node)`,
    `at ${facts.k8sVersion}, run by \`make conformance\` against \`virtual-node-eci-0\`: a local control plane, the ECI`,
    'emulator, the webhook and the reconciler; an ECI Profile selector sends every pod of a namespace',
    'labelled `e2e-framework` (every namespace the e2e framework creates) to the virtual node, whose taint',
    'is declared non-blocking (`--non-blocking-taints`). The e2e node pickers (`GetReadySchedulableNodes`:',
    'lifecycle hooks, node lease, resize) ignore that flag, so by default the run removes the taint once the',
    'node is Ready: it is the only node and the webhook still gives every e2e pod the toleration and the',
    'nodeSelector (`CONFORMANCE_KEEP_TAINT=1` keeps it).',
    '',
    `Specs in scope match \`${FOCUS}\` and not \`${SKIP}\`.`,
    '',
    '## Last run',
    '',
    `- started ${facts.startedAt}, wall time ${minutes(facts.wallTimeSec)} (${facts.procs} ginkgo process${facts.procs === 1 ? '' : 'es'}, \`--ginkgo.timeout=${facts.timeout}\`)`,
    `- emulator containers: ${facts.containers}; virtual node taint ${facts.taint}`,
    `- in scope ${c.inScope}: passed ${c.passed}, failed ${c.failed}, skipped by the spec ${c.skipped}, not run (suite timeout) ${c.notRun}, not applicable to ECI ${c.notApplicable}`,
    '',
    '| Spec | Result | Seconds | Not applicable to ECI (reason) |',
    '| --- | --- | ---: | --- |',
    ...rows.map(
      (r) =>
        `| ${cell(r.spec)} | ${r.result} | ${r.durationSec.toFixed(1)} | ${cell(notApplicable.get(r.spec) ?? '')} |`,
    ),
    '',
  ];
  if (failures.length > 0) {
    out.push('## Failures and skips, first line', '', '| Spec | Where | Message |', '| --- | --- | --- |');
    for (const r of failures)
      out.push(`| ${cell(r.spec)} | ${cell(r.location ?? '')} | ${cell(r.detail ?? '')} |`);
    out.push('');
  }
  out.push(
    '## Running it',
    '',
    '`make conformance` builds the e2e binary once (scripts/build-conformance.sh, cached in',
    '`~/.cache/eci-virtual-node/<version>/`), starts everything, runs the specs and rewrites this file.',
    'Environment: `CONFORMANCE_PROCS` (default 2), `CONFORMANCE_TIMEOUT` (ginkgo `--timeout`, default 60m),',
    '`CONFORMANCE_FOCUS` (an extra regular expression narrowing the specs, e.g. `Pods should get a host IP`;',
    'a narrowed run prints its table but leaves this file alone). Logs of every component and the e2e',
    'output stay in the run directory printed at the end.',
    '',
  );
  return out.join('\n');
}
