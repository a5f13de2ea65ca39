// docs/conformance.md from a run's rows. Pure: the caller writes the file.
import type { FoundLimit } from './host-limits.ts';
import type { NotApplicableClaim } from './not-applicable.ts';
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

/** One section per claim: the limit, the page's words and the specs it covers. */
function notApplicableSection(claims: readonly NotApplicableClaim[]): string[] {
  const out = [
    '## Not applicable to ECI',
    '',
    'A spec is marked not applicable only for a limit of ECI itself that a public Alibaba Cloud page',
    'states, never for a gap of this project; the run skips these specs. The claims, with their exact',
    'spec texts, live in `scripts/conformance/not-applicable.ts` (its unit test checks each text is a row',
    'of this table and that the skip pattern given to ginkgo matches those specs and no other).',
    '',
  ];
  for (const c of claims) {
    out.push(`- **${cell(c.limit)}**. [${c.source}](${c.source}): “${cell(c.quote)}”`);
    for (const a of c.also ?? []) out.push(`  Also [${a.source}](${a.source}): “${cell(a.quote)}”`);
    for (const s of c.specs) out.push(`  - ${cell(s)}`);
  }
  out.push('');
  return out;
}

/** The machine's limits the run found, each with its probe's answer and the specs it fails. */
function hostLimitsSection(found: readonly FoundLimit[]): string[] {
  const out = [
    '## Failing because of the machine that ran it',
    '',
    'These specs ran and failed, and count as failed above. The run probed its own machine',
    '(`scripts/conformance/host-limits.ts`) and found a limit that fails them whatever the node does;',
    'on a machine without it the probe passes, this section is gone and the spec is for this project to pass.',
    '',
  ];
  for (const f of found) {
    out.push(`- **${cell(f.limit.limit)}**. \`${f.limit.probe.join(' ')}\` answered: “${cell(f.answer)}”`);
    for (const s of f.limit.specs) out.push(`  - ${cell(s)}`);
  }
  out.push('');
  return out;
}

export function renderDoc(
  rows: readonly SpecRow[],
  facts: RunFacts,
  notApplicable: ReadonlyMap<string, string>,
  claims: readonly NotApplicableClaim[] = [],
  hostLimits: readonly FoundLimit[] = [],
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
    'Each spec is `passed` or `failed` (`not run` when the suite timeout cut it off, `skipped` when the',
    'spec skipped itself), or `not applicable`: it needs something ECI documents it does not have (see',
    '"Not applicable to ECI" below). Every other spec is for this project to pass. `make conformance`',
    'refreshes this file; see "Running it" at the end.',
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
  if (claims.length > 0) out.push(...notApplicableSection(claims));
  if (hostLimits.length > 0) out.push(...hostLimitsSection(hostLimits));
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
    'A short subset of fast specs (status, logs, exec, env; `scripts/conformance/subset.ts`) runs with',
    '`make conformance-subset` (`test/conformance/subset.test.ts`, about 2 min). To mark a spec not applicable, add a',
    'claim with its source to `scripts/conformance/not-applicable.ts`: the next run skips the spec and',
    'this file lists it with the reason.',
    '',
  );
  return out.join('\n');
}
