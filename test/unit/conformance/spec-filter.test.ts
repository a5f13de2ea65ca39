import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inScope, specFullText } from '../../../scripts/conformance/spec-filter.ts';
import { e2eCommand, NON_BLOCKING_TAINTS } from '../../../scripts/conformance/e2e-args.ts';
import { e2eProfileSelectors } from '../../../scripts/conformance/stack.ts';
import { parseEciProfile } from '../../../shared/profile.ts';
import { selectForEci } from '../../../webhook/selection.ts';

test('inScope: [NodeConformance] or [Conformance], without [Serial], [Disruptive], [Slow], [Feature:…] or Windows', () => {
  const yes = [
    '[sig-node] Pods should get a host IP [NodeConformance] [Conformance]',
    '[sig-node] InitContainer [NodeConformance] should invoke init containers on a RestartNever pod',
    '[sig-node] Downward API should provide pod UID as env vars [NodeConformance] [Conformance]',
    '[sig-node] Container Runtime blackbox test when running a container with a new image [LinuxOnly] [NodeConformance]',
  ];
  const no = [
    '[sig-node] Pods should do something',
    '[sig-node] Pods should be deleted [Serial] [NodeConformance]',
    '[sig-node] Pods should be disrupted [Disruptive] [NodeConformance]',
    '[sig-node] Probing container should be restarted [Slow] [NodeConformance] [Conformance]',
    '[sig-node] Sysctls [LinuxOnly] [NodeConformance] [Feature:Sysctls] should support sysctls',
    '[sig-node] Pod Level Resources [FeatureGate:PodLevelResources] [Alpha] [Feature:OffByDefault] [NodeConformance] works',
    '[sig-windows] [NodeConformance] something',
    '[sig-node] Container Runtime should run on Windows [NodeConformance]',
  ];
  for (const t of yes) assert.equal(inScope(t), true, t);
  for (const t of no) assert.equal(inScope(t), false, t);
});

test('specFullText joins containers and leaf and appends labels the text does not already show', () => {
  assert.equal(
    specFullText(['[sig-node] Pods', ''], 'should x [NodeConformance]', [
      'sig-node',
      'NodeConformance',
      'Conformance',
    ]),
    '[sig-node] Pods should x [NodeConformance] [Conformance]',
  );
});

test('e2eCommand: the binary with --ginkgo.* flags for one process, the ginkgo CLI for more', () => {
  const run = {
    binary: '/c/e2e.test',
    ginkgo: '/c/ginkgo',
    kubeconfig: '/k',
    kubectl: '/c/kubectl',
    jsonReport: '/r/report.json',
    procs: 1,
    timeout: '60m',
  };
  const [one, oneArgs] = e2eCommand(run);
  assert.equal(one, '/c/e2e.test');
  assert.ok(oneArgs.includes('--ginkgo.focus=\\[NodeConformance\\]|\\[Conformance\\]'));
  assert.ok(oneArgs.some((a) => a.startsWith('--ginkgo.skip=') && a.includes('\\[Serial\\]')));
  assert.ok(oneArgs.includes('--ginkgo.json-report=/r/report.json'));
  assert.ok(oneArgs.includes(`--non-blocking-taints=${NON_BLOCKING_TAINTS}`));
  assert.match(NON_BLOCKING_TAINTS, /(^|,)virtual-kubelet\.io\/provider(,|$)/);

  const [two, twoArgs] = e2eCommand({ ...run, procs: 2, narrow: 'host IP' });
  assert.equal(two, '/c/ginkgo');
  const sep = twoArgs.indexOf('--');
  assert.deepEqual(twoArgs.slice(sep - 1, sep), ['/c/e2e.test']);
  assert.ok(twoArgs.slice(0, sep).includes('--procs=2'));
  assert.ok(twoArgs.slice(0, sep).includes('--focus=host IP'));
  assert.ok(twoArgs.slice(0, sep).includes('--label-filter=NodeConformance || Conformance'));
  assert.ok(twoArgs.slice(sep).includes('--kubeconfig=/k'));
});

test('the ECI Profile selector of the run sends pods of e2e namespaces, and only those, to the virtual node', () => {
  const parsed = parseEciProfile({ selectors: e2eProfileSelectors() });
  if (!parsed.ok) assert.fail(JSON.stringify(parsed.errors));
  const profile = parsed.profile;
  const pod = { metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } };
  assert.equal(selectForEci({ pod, namespaceLabels: { 'e2e-framework': 'pods' }, profile }).eci, true);
  assert.equal(selectForEci({ pod, namespaceLabels: { other: 'x' }, profile }).eci, false);
});
