// Command lines for the e2e binary. Pure; scripts/conformance.ts runs them.
import { exactSpecsPattern, FOCUS, SKIP } from './spec-filter.ts';
import { VIRTUAL_NODE } from '../../shared/annotation-names.ts';

export interface E2eRun {
  binary: string;
  /** The ginkgo CLI (needed for more than one process). */
  ginkgo: string;
  kubeconfig: string;
  kubectl: string;
  jsonReport: string;
  procs: number;
  /** Ginkgo duration, e.g. 60m. */
  timeout: string;
  /** An extra regular expression that narrows the specs (ANDed with the scope). */
  narrow?: string;
  /** Exact texts of specs not to run (those not applicable to ECI: their verdict is known). */
  skipSpecs?: readonly string[];
}

/** The virtual node's taint must not stop the framework (its pods tolerate it through the webhook). */
export const NON_BLOCKING_TAINTS = ['node-role.kubernetes.io/control-plane', VIRTUAL_NODE.taintKey].join(',');

/**
 * Ginkgo ORs repeated --focus flags, so a narrowed run focuses on the narrow pattern and
 * keeps the scope through the skip pattern and a label filter (the framework labels
 * [NodeConformance] and [Conformance] specs with those names).
 */
function scopeFlags(run: E2eRun): { focus: string; skip: string; labelFilter?: string } {
  const skip = run.skipSpecs?.length ? `${SKIP}|${exactSpecsPattern(run.skipSpecs)}` : SKIP;
  return run.narrow
    ? { focus: run.narrow, skip, labelFilter: 'NodeConformance || Conformance' }
    : { focus: FOCUS, skip };
}

function frameworkFlags(run: E2eRun): string[] {
  return [
    `--kubeconfig=${run.kubeconfig}`,
    `--kubectl-path=${run.kubectl}`,
    '--provider=local',
    `--non-blocking-taints=${NON_BLOCKING_TAINTS}`,
  ];
}

/** [command, args]: the binary alone for one process, the ginkgo CLI driving it for more. */
export function e2eCommand(run: E2eRun): [string, string[]] {
  const ginkgo = scopeFlags(run);
  if (run.procs <= 1) {
    return [
      run.binary,
      [
        `--ginkgo.focus=${ginkgo.focus}`,
        `--ginkgo.skip=${ginkgo.skip}`,
        ...(ginkgo.labelFilter ? [`--ginkgo.label-filter=${ginkgo.labelFilter}`] : []),
        `--ginkgo.timeout=${run.timeout}`,
        `--ginkgo.json-report=${run.jsonReport}`,
        '--ginkgo.no-color',
        '--ginkgo.silence-skips',
        ...frameworkFlags(run),
      ],
    ];
  }
  return [
    run.ginkgo,
    [
      `--procs=${run.procs}`,
      `--focus=${ginkgo.focus}`,
      `--skip=${ginkgo.skip}`,
      ...(ginkgo.labelFilter ? [`--label-filter=${ginkgo.labelFilter}`] : []),
      `--timeout=${run.timeout}`,
      `--json-report=${run.jsonReport}`,
      '--no-color',
      '--silence-skips',
      run.binary,
      '--',
      ...frameworkFlags(run),
    ],
  ];
}
