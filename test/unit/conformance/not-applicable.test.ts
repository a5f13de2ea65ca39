import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { renderDoc } from '../../../scripts/conformance/doc.ts';
import { e2eCommand } from '../../../scripts/conformance/e2e-args.ts';
import { NOT_APPLICABLE, NOT_APPLICABLE_CLAIMS } from '../../../scripts/conformance/not-applicable.ts';
import { countRows, reportToRows } from '../../../scripts/conformance/report.ts';
import { exactSpecsPattern, inScope } from '../../../scripts/conformance/spec-filter.ts';
import { SUBSET_FOCUS, SUBSET_SPECS } from '../../../scripts/conformance/subset.ts';

/** What ginkgo puts before the spec text when it matches --focus/--skip (the suite description). */
const SUITE = 'Kubernetes e2e common/node on the ECI virtual node';

/** The spec texts of docs/conformance.md's table: every spec in scope at the pinned version. */
function docSpecs(): string[] {
  const lines = readFileSync('docs/conformance.md', 'utf8').split('\n');
  const start = lines.findIndex((l) => /^\| Spec\s+\| Result\s+\|/.test(l));
  assert.ok(start >= 0, 'docs/conformance.md has its table');
  const specs: string[] = [];
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith('|')) break;
    const first = line.slice(1).split(/(?<!\\)\|/)[0]!;
    specs.push(first.trim().replace(/\\([|*_])/g, '$1'));
  }
  return specs;
}

const claimed = NOT_APPLICABLE_CLAIMS.flatMap((c) => c.specs);

test('every not-applicable claim covers specs in scope that docs/conformance.md lists, each once, with an ECI page and its words', () => {
  const table = new Set(docSpecs());
  assert.ok(table.size > 100, `the table lists the whole scope (${table.size} rows)`);
  assert.equal(new Set(claimed).size, claimed.length, 'no spec is claimed twice');
  for (const spec of claimed) {
    assert.ok(inScope(spec), `in scope: ${spec}`);
    assert.ok(table.has(spec), `a row of docs/conformance.md: ${spec}`);
  }
  for (const c of NOT_APPLICABLE_CLAIMS) {
    for (const page of [c, ...(c.also ?? [])]) {
      assert.match(page.source, /^https:\/\/(help\.aliyun\.com|www\.alibabacloud\.com\/help)\//, page.source);
      assert.ok(page.quote.length > 20, `a quote from ${page.source}`);
    }
    assert.ok(c.limit.length > 20, `a limit for ${c.source}`);
  }
  assert.deepEqual([...NOT_APPLICABLE.keys()].sort(), [...claimed].sort());
});

test('the skip pattern of the claims matches exactly the claimed specs among every spec of the table', () => {
  const re = new RegExp(exactSpecsPattern(claimed));
  const specs = docSpecs();
  const skipped = specs.filter((s) => re.test(`${SUITE} ${s}`));
  assert.deepEqual(skipped.sort(), [...claimed].sort());
});

test('exactSpecsPattern escapes regex syntax and does not match a spec that only starts like another', () => {
  const spec =
    '[sig-node] Probing container should *not* be restarted with a exec "cat /tmp/health" liveness probe (x|y) [NodeConformance]';
  const re = new RegExp(exactSpecsPattern([spec]));
  assert.equal(re.test(`${SUITE} ${spec}`), true);
  assert.equal(re.test(`${SUITE} ${spec} [Conformance]`), false);
  assert.equal(re.test(`${SUITE} ${spec.replace('*not*', 'not')}`), false);
  assert.equal(re.test(`${SUITE} x|y`), false);
});

test('e2eCommand gives ginkgo the scope skip plus the not-applicable specs, for one process and for more', () => {
  const run = {
    binary: '/c/e2e.test',
    ginkgo: '/c/ginkgo',
    kubeconfig: '/k',
    kubectl: '/c/kubectl',
    jsonReport: '/r/report.json',
    procs: 1,
    timeout: '60m',
    skipSpecs: claimed,
  };
  const [, one] = e2eCommand(run);
  const skipOne = one.find((a) => a.startsWith('--ginkgo.skip='))!.slice('--ginkgo.skip='.length);
  const [, many] = e2eCommand({ ...run, procs: 2 });
  const skipMany = many.find((a) => a.startsWith('--skip='))!.slice('--skip='.length);
  assert.equal(skipOne, skipMany);
  const re = new RegExp(skipOne);
  for (const spec of claimed) assert.ok(re.test(`${SUITE} ${spec}`), spec);
  assert.ok(
    re.test(`${SUITE} [sig-node] Pods should be deleted [Serial] [NodeConformance]`),
    'scope skip kept',
  );
  assert.ok(!re.test(`${SUITE} [sig-node] Pods should get a host IP [NodeConformance] [Conformance]`));
});

const SEC = 1e9;
const report = (specs: Array<[leaf: string, state: string, message?: string]>) => [
  {
    SuiteDescription: SUITE,
    SpecReports: specs.map(([leaf, state, message]) => ({
      ContainerHierarchyTexts: ['[sig-node] Probing container'],
      LeafNodeType: 'It',
      LeafNodeText: leaf,
      State: state,
      RunTime: 3 * SEC,
      ...(message ? { Failure: { Message: message } } : {}),
    })),
  },
];

test('reportToRows marks claimed specs not applicable whatever ginkgo did, and countRows counts them apart', () => {
  const na = new Map([
    [
      '[sig-node] Probing container should be restarted with a GRPC liveness probe [NodeConformance]',
      'no gRPC',
    ],
    ['[sig-node] Probing container should fail anyway [NodeConformance]', 'no X'],
  ]);
  const rows = reportToRows(
    report([
      ['should be restarted with a GRPC liveness probe [NodeConformance]', 'skipped'],
      ['should fail anyway [NodeConformance]', 'failed', 'boom'],
      ['should pass [NodeConformance]', 'passed'],
      ['should be cut off [NodeConformance]', 'skipped'],
    ]),
    na,
  );
  assert.deepEqual(
    rows.map((r) => [r.spec.replace('[sig-node] Probing container ', ''), r.result, r.detail]),
    [
      ['should be cut off [NodeConformance]', 'not run', undefined],
      ['should be restarted with a GRPC liveness probe [NodeConformance]', 'not applicable', undefined],
      ['should fail anyway [NodeConformance]', 'not applicable', undefined],
      ['should pass [NodeConformance]', 'passed', undefined],
    ],
  );
  assert.deepEqual(countRows(rows, na), {
    inScope: 4,
    passed: 1,
    failed: 0,
    skipped: 0,
    notRun: 1,
    notApplicable: 2,
  });
});

test('renderDoc explains not-applicable rows and lists each claim with its page, its words and its specs', () => {
  const rows = reportToRows(
    report([
      ['should be restarted with a GRPC liveness probe [NodeConformance] [Conformance]', 'skipped'],
      ['should pass [NodeConformance]', 'passed'],
    ]),
    NOT_APPLICABLE,
  );
  const doc = renderDoc(
    rows,
    {
      k8sVersion: 'v1.36.3',
      startedAt: '2026-11-30T16:00:00Z',
      wallTimeSec: 60,
      containers: 'process (x)',
      procs: 1,
      timeout: '60m',
      taint: 'removed',
    },
    NOT_APPLICABLE,
    NOT_APPLICABLE_CLAIMS,
  );
  assert.match(doc, /or `not applicable`: it needs something ECI documents it does not have/);
  assert.match(doc, /in scope 2: passed 1, failed 0, .*not applicable to ECI 1/);
  assert.match(
    doc,
    /\| \[sig-node\] Probing container should be restarted with a GRPC liveness probe \[NodeConformance\] \[Conformance\] \| not applicable \| 0\.0 \| ECI probes check by HTTP GET, exec or TCP socket only: there is no gRPC probe \(https:\/\/www\.alibabacloud\.com\/help\/en\/eci\/user-guide\/use-probes-to-perform-health-checks-on-containers\) \|/,
  );
  assert.match(doc, /## Not applicable to ECI/);
  for (const c of NOT_APPLICABLE_CLAIMS) {
    assert.ok(doc.includes(`(${c.source}): “`), c.source);
    for (const a of c.also ?? []) assert.ok(doc.includes(`  Also [${a.source}](${a.source}): “`), a.source);
    for (const s of c.specs) assert.ok(doc.includes(`  - ${s.replace(/([|*_])/g, '\\$1')}`), s);
  }
  assert.match(doc, /runs with\n`make conformance-subset`/);
});

test('the conformance subset names specs in scope that the table lists, none claimed not applicable, and its focus selects exactly them', () => {
  const specs = docSpecs();
  assert.equal(new Set(SUBSET_SPECS).size, SUBSET_SPECS.length);
  for (const s of SUBSET_SPECS) {
    assert.ok(inScope(s), s);
    assert.ok(specs.includes(s), `a row of docs/conformance.md: ${s}`);
    assert.ok(!NOT_APPLICABLE.has(s), `not claimed not applicable: ${s}`);
  }
  const re = new RegExp(SUBSET_FOCUS);
  assert.deepEqual(specs.filter((s) => re.test(`${SUITE} ${s}`)).sort(), [...SUBSET_SPECS].sort());
});

/** Issue 18's remaining failures by family: which of each family's specs a claim may cover. */
const FAMILIES: Array<{ family: RegExp; claimed: RegExp | null; why: string }> = [
  {
    family: /AllowPrivilegeEscalation/,
    claimed: /when false/,
    why: '`when true` and `not explicitly set` need escalation allowed, which takes no ECI field',
  },
  {
    family: /override timeoutGracePeriodSeconds/,
    claimed: /./,
    why: 'LivenessProbe: no probe grace period on ECI; StartupProbe: no startup probe',
  },
  { family: /\] ImageVolume /, claimed: /./, why: 'no image volume type on ECI' },
  {
    family: /Pod InPlace Resize Container/,
    claimed: /./,
    why: 'UpdateContainerGroup, the only way to change a running container, moves the instance to Updating (a Pending pod)',
  },
  {
    family: /Ephemeral Containers/,
    claimed: /./,
    why: 'no ephemeral containers in CreateContainerGroup; adding one is an UpdateContainerGroup (Updating, a Pending pod)',
  },
  { family: /PrivilegedPod/, claimed: null, why: "ECI's security context page lists privileged" },
  {
    family: /reduce GracePeriodSeconds during runtime/,
    claimed: null,
    why: 'DeleteContainerGroup has Force; the pod reports no FinishedAt',
  },
  {
    family: /read only busybox container|retrieving logs from the container over websockets/,
    claimed: null,
    why: 'ECI has ReadOnlyRootFilesystem; logs are the kubelet API',
  },
];

test('each family of the remaining failures is claimed exactly as far as an ECI page goes, and no further', () => {
  const specs = docSpecs();
  for (const { family, claimed: expected, why } of FAMILIES) {
    const members = specs.filter((s) => family.test(s));
    assert.ok(members.length > 0, `the table has the ${family} specs`);
    const want = expected ? members.filter((s) => expected.test(s)) : [];
    assert.deepEqual(members.filter((s) => NOT_APPLICABLE.has(s)).sort(), want.sort(), `${family}: ${why}`);
  }
});

test('the skip pattern skips `AllowPrivilegeEscalation … when false` but runs `when true` and `not explicitly set`', () => {
  const re = new RegExp(exactSpecsPattern(claimed));
  const sc = '[sig-node] Security Context when creating containers with AllowPrivilegeEscalation';
  assert.ok(
    re.test(
      `${SUITE} ${sc} should not allow privilege escalation when false [LinuxOnly] [NodeConformance] [Conformance]`,
    ),
  );
  assert.ok(
    !re.test(`${SUITE} ${sc} should allow privilege escalation when true [LinuxOnly] [NodeConformance]`),
  );
  assert.ok(
    !re.test(
      `${SUITE} ${sc} should allow privilege escalation when not explicitly set and uid != 0 [LinuxOnly] [NodeConformance]`,
    ),
  );
});

test('the probe-grace claim and the startup-probe claim give each timeoutGracePeriodSeconds spec its own reason', () => {
  const specs = docSpecs().filter((s) => s.includes('override timeoutGracePeriodSeconds'));
  assert.equal(specs.length, 4);
  for (const s of specs) {
    const reason = NOT_APPLICABLE.get(s) ?? '';
    if (s.includes('LivenessProbe')) assert.match(reason, /no grace period of its own/, s);
    else assert.match(reason, /no startup probe/, s);
  }
});
