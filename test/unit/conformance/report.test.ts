import { test } from 'node:test';
import assert from 'node:assert/strict';
import { countRows, formatTable, reportToRows } from '../../../scripts/conformance/report.ts';
import { renderDoc } from '../../../scripts/conformance/doc.ts';

const SEC = 1e9;
const spec = (leaf: string, state: string, runTimeSec: number, extra: Record<string, unknown> = {}) => ({
  ContainerHierarchyTexts: ['[sig-node] Pods'],
  ContainerHierarchyLocations: [],
  ContainerHierarchyLabels: [['sig-node']],
  LeafNodeType: 'It',
  LeafNodeLocation: { FileName: '/go/test/e2e/common/node/pods.go', LineNumber: 10 },
  // The e2e framework puts each label in the text too (framework.ConformanceIt, WithNodeConformance).
  LeafNodeLabels: [...leaf.matchAll(/\[([^\]]+)\]/g)].map((m) => m[1]),
  LeafNodeText: leaf,
  State: state,
  StartTime: '2026-11-30T16:00:00Z',
  EndTime: '2026-11-30T16:00:01Z',
  RunTime: runTimeSec * SEC,
  ParallelProcess: 1,
  NumAttempts: 1,
  ...extra,
});

/** A trimmed ginkgo v2 JSON report: suite nodes, passed, failed, filtered-out, self-skipped and never-started specs. */
const FIXTURE = [
  {
    SuitePath: '/tmp/x',
    SuiteDescription: 'Kubernetes e2e common/node on the ECI virtual node',
    SuiteSucceeded: false,
    RunTime: 120 * SEC,
    SpecReports: [
      { LeafNodeType: 'SynchronizedBeforeSuite', State: 'passed', RunTime: 1 * SEC },
      spec('should get a host IP [NodeConformance] [Conformance]', 'passed', 12.34),
      spec('should *not* be restarted [NodeConformance]', 'passed', 1),
      spec('should be submitted and removed [NodeConformance] [Conformance]', 'failed', 300.04, {
        Failure: {
          Message: '\n  Timed out after 300s.\nExpected pod to be running | reason ContainerCreating\nmore',
          Location: {
            FileName: '/root/go/pkg/mod/k8s.io/kubernetes@v1.36.3/test/e2e/framework/pod/wait.go',
            LineNumber: 42,
          },
        },
      }),
      spec('should run a [Serial] thing [NodeConformance]', 'skipped', 0),
      spec('should be updated [Feature:Foo] [NodeConformance]', 'skipped', 0),
      spec('not a conformance spec', 'skipped', 0),
      spec('should need a provider [NodeConformance]', 'skipped', 0.5, {
        Failure: { Message: 'Only supported for providers [gce] (not local)' },
      }),
      spec('should support exec over websockets [NodeConformance] [Conformance]', 'skipped', 0),
      spec('should panic [NodeConformance]', 'panicked', 1, { Failure: { Message: 'boom' } }),
      spec('should be cut off [NodeConformance]', 'timedout', 20, {
        Failure: { Message: 'A suite timeout occurred' },
      }),
      spec('should time out on its own [NodeConformance]', 'timedout', 30, {
        Failure: { Message: 'A node timeout occurred' },
      }),
      { ...spec('a label-only conformance spec', 'passed', 2), LeafNodeLabels: ['NodeConformance'] },
      { LeafNodeType: 'ReportAfterSuite', State: 'passed', RunTime: 0 },
    ],
  },
];

test('reportToRows keeps the in-scope It specs, sorted, with results, seconds and the first line of failures', () => {
  const rows = reportToRows(FIXTURE);
  assert.deepEqual(
    rows.map((r) => [r.spec, r.result, r.durationSec]),
    [
      ['[sig-node] Pods a label-only conformance spec [NodeConformance]', 'passed', 2],
      ['[sig-node] Pods should *not* be restarted [NodeConformance]', 'passed', 1],
      ['[sig-node] Pods should be cut off [NodeConformance]', 'not run', 20],
      ['[sig-node] Pods should be submitted and removed [NodeConformance] [Conformance]', 'failed', 300],
      ['[sig-node] Pods should get a host IP [NodeConformance] [Conformance]', 'passed', 12.3],
      ['[sig-node] Pods should need a provider [NodeConformance]', 'skipped', 0.5],
      ['[sig-node] Pods should panic [NodeConformance]', 'failed', 1],
      ['[sig-node] Pods should support exec over websockets [NodeConformance] [Conformance]', 'not run', 0],
      ['[sig-node] Pods should time out on its own [NodeConformance]', 'failed', 30],
    ],
  );
  const failed = rows.find((r) => r.spec.includes('submitted'));
  assert.equal(failed?.detail, 'Timed out after 300s.');
  assert.equal(failed?.location, 'test/e2e/framework/pod/wait.go:42');
  assert.equal(
    rows.find((r) => r.spec.includes('provider'))?.detail,
    'Only supported for providers [gce] (not local)',
  );
});

test('reportToRows names the field when the input is not a ginkgo report', () => {
  assert.throws(() => reportToRows({ SpecReports: [] }), /not a ginkgo JSON report: \(root\)/);
  assert.throws(
    () => reportToRows([{ SpecReports: [{ State: 'passed' }] }]),
    /0\.SpecReports\.0\.LeafNodeType/,
  );
});

test('countRows counts results and only the not-applicable specs that are in the table', () => {
  const rows = reportToRows(FIXTURE);
  const na = new Map([
    ['[sig-node] Pods should panic [NodeConformance]', 'reason'],
    ['not in the table', 'reason'],
  ]);
  assert.deepEqual(countRows(rows, na), {
    inScope: 9,
    passed: 3,
    failed: 3,
    skipped: 1,
    notRun: 2,
    notApplicable: 1,
  });
});

test('formatTable prints one aligned line per spec under a header', () => {
  const lines = formatTable(reportToRows(FIXTURE)).split('\n');
  assert.equal(lines.length, 10);
  assert.match(lines[0]!, /^RESULT\s+SECONDS\s+SPEC$/);
  assert.match(lines[4]!, /^failed\s+300\.0\s+\[sig-node\] Pods should be submitted and removed/);
});

test('renderDoc writes counts, the wall time, one table row per spec with escaped pipes, and the failures', () => {
  const rows = reportToRows(FIXTURE);
  const doc = renderDoc(
    rows,
    {
      k8sVersion: 'v1.36.3',
      startedAt: '2026-11-30T16:00:00Z',
      wallTimeSec: 754,
      containers: 'process (x)',
      procs: 2,
      timeout: '60m',
      taint: 'kept',
    },
    new Map([['[sig-node] Pods should panic [NodeConformance]', 'ECI has no X (https://example.com/doc)']]),
  );
  assert.match(doc, /emulator containers: process \(x\); virtual node taint kept/);
  assert.match(doc, /wall time 12 min 34 s \(2 ginkgo processes, `--ginkgo.timeout=60m`\)/);
  assert.match(
    doc,
    /in scope 9: passed 3, failed 3, skipped by the spec 1, not run \(suite timeout\) 2, not applicable to ECI 1/,
  );
  assert.match(
    doc,
    /\| \[sig-node\] Pods should panic \[NodeConformance\] \| failed \| 1\.0 \| ECI has no X \(https:\/\/example\.com\/doc\) \|/,
  );
  assert.equal(doc.split('\n').filter((l) => l.startsWith('| [sig-node]')).length, 9 + 4);
  assert.match(doc, /\| test\/e2e\/framework\/pod\/wait\.go:42 \| Timed out after 300s\. \|/);
  assert.doesNotMatch(doc, /running \| reason/); // only the first line, and pipes escaped
  assert.match(doc, /\| \[sig-node\] Pods should \\\*not\\\* be restarted \[NodeConformance\] \| passed \|/);
});
