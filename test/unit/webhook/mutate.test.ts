import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Pod } from '@kubernetes/client-node';
import fastJsonPatch from 'fast-json-patch';
import { selectForEci, type Decision } from '../../../webhook/selection.ts';
import { mutate, toleratesVirtualNode, type ClusterFacts } from '../../../webhook/mutate.ts';
import { WEBHOOK_ANNOTATIONS } from '../../../webhook/annotations.ts';
import { parseEciProfile, type EciProfile } from '../../../shared/profile.ts';

const FACTS: ClusterFacts = {
  k8sVersion: 'v1.36.3',
  clusterDns: '10.0.0.10',
  clusterDomain: 'cluster.local',
};
const NONE: EciProfile = parseEciProfile({}).ok
  ? (parseEciProfile({}) as { profile: EciProfile }).profile
  : assert.fail();
const TOLERATION = { key: 'virtual-kubelet.io/provider', operator: 'Exists', effect: 'NoSchedule' };

function profileWith(selectors: unknown[]): EciProfile {
  const result = parseEciProfile({ selectors: JSON.stringify(selectors) });
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.profile;
}

function basePod(extra: Partial<V1Pod> = {}): V1Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: extra.metadata ?? { name: 'p', namespace: 'ns', labels: { eci: 'true' } },
    spec: { containers: [{ name: 'c', image: 'nginx' }], ...extra.spec },
  };
}

/** Runs selection + mutation and applies the patch like the apiserver. */
function run(
  pod: V1Pod,
  profile: Pick<EciProfile, 'selectors'> = NONE,
  ns: Record<string, string> = {},
  facts = FACTS,
) {
  const decision = selectForEci({ pod, namespaceLabels: ns, profile });
  const { patch } = mutate(pod, decision, profile, facts);
  const result = fastJsonPatch.applyPatch(structuredClone(pod), patch, true, false).newDocument;
  return { decision, patch, result };
}

test('an eligible plain pod gets nodeSelector, toleration and the cluster and decision annotations', () => {
  const { result, patch } = run(basePod());
  assert.deepEqual(result.spec?.nodeSelector, { type: 'virtual-kubelet' });
  assert.deepEqual(result.spec?.tolerations, [TOLERATION]);
  assert.deepEqual(result.metadata?.annotations, {
    'k8s.aliyun.com/k8s-version': 'v1.36.3',
    'k8s.aliyun.com/cluster-dns': '10.0.0.10',
    'k8s.aliyun.com/cluster-domain': 'cluster.local',
    [WEBHOOK_ANNOTATIONS.decision]: 'pod label eci=true',
  });
  assert.deepEqual(result.metadata?.labels, { eci: 'true' });
  // Whole maps are added when absent: one op each, no per-key ops under a missing parent.
  assert.deepEqual(patch.map((op) => `${op.op} ${op.path}`).sort(), [
    'add /metadata/annotations',
    'add /spec/nodeSelector',
    'add /spec/tolerations',
  ]);
});

test('a non-eligible pod gets no patch', () => {
  const pod = basePod({ metadata: { name: 'p', labels: {} } });
  const { decision, patch } = run(pod);
  assert.equal(decision.eci, false);
  assert.deepEqual(patch, []);
});

test('mutation is idempotent: an already-mutated pod yields an empty patch, for every rule', () => {
  const profile = profileWith([
    {
      name: 'sel',
      objectSelector: { matchLabels: { tier: 'batch' } },
      effect: { annotations: { a: '1' }, labels: { l: 'x' } },
    },
  ]);
  const RULES: Record<string, string> = {
    'pod label': 'pod-label',
    'namespace label': 'namespace-label',
    nodeSelector: 'node-selector',
    'profile selector': 'profile-selector',
    'conflicting constraints': 'pod-label',
  };
  const pods: Array<[string, V1Pod, Record<string, string>]> = [
    ['pod label', basePod(), {}],
    ['namespace label', basePod({ metadata: { name: 'p' } }), { eci: 'true' }],
    [
      'nodeSelector',
      basePod({
        metadata: { name: 'p' },
        spec: { containers: [], nodeSelector: { type: 'virtual-kubelet' } },
      }),
      {},
    ],
    ['profile selector', basePod({ metadata: { name: 'p', labels: { tier: 'batch' } } }), {}],
    [
      'conflicting constraints',
      basePod({
        spec: {
          containers: [],
          nodeSelector: { disk: 'ssd' },
          affinity: {
            nodeAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: {
                nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] }],
              },
            },
          },
        },
      }),
      {},
    ],
  ];
  for (const [name, pod, ns] of pods) {
    const first = run(pod, profile, ns);
    assert.equal(first.decision.rule, RULES[name], name);
    assert.ok(first.patch.length > 0, `${name}: first pass patches`);
    const second = run(first.result, profile, ns);
    assert.deepEqual(second.patch, [], `${name}: second pass is empty`);
  }
});

test('conflicting nodeSelector keys and required node affinity are replaced and kept in one annotation', () => {
  const required = {
    nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] }],
  };
  const preferred = [{ weight: 1, preference: { matchExpressions: [{ key: 'x', operator: 'Exists' }] } }];
  const { result } = run(
    basePod({
      spec: {
        containers: [],
        nodeSelector: { disk: 'ssd', type: 'ecs' },
        affinity: {
          nodeAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: required,
            preferredDuringSchedulingIgnoredDuringExecution: preferred,
          },
          podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [] },
        },
      },
    }),
  );
  assert.deepEqual(result.spec?.nodeSelector, { type: 'virtual-kubelet' });
  // Preferred node affinity and pod (anti-)affinity cannot block scheduling, so they stay.
  assert.deepEqual(result.spec?.affinity, {
    nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: preferred },
    podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [] },
  });
  const saved = JSON.parse(
    result.metadata?.annotations?.[WEBHOOK_ANNOTATIONS.originalNodeConstraints] ?? '{}',
  );
  assert.deepEqual(saved, { nodeSelector: { disk: 'ssd', type: 'ecs' }, requiredNodeAffinity: required });
});

test('an affinity with only required node affinity is removed entirely', () => {
  const { result } = run(
    basePod({
      spec: {
        containers: [],
        affinity: {
          nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [] } },
        },
      },
    }),
  );
  assert.equal(result.spec?.affinity, undefined);
  assert.match(
    result.metadata?.annotations?.[WEBHOOK_ANNOTATIONS.originalNodeConstraints] ?? '',
    /requiredNodeAffinity/,
  );
});

test('a type=virtual-kubelet entry beside other keys is not recorded as replaced', () => {
  const { result } = run(
    basePod({ spec: { containers: [], nodeSelector: { type: 'virtual-kubelet', pool: 'ecs' } } }),
  );
  assert.deepEqual(result.spec?.nodeSelector, { type: 'virtual-kubelet' });
  const saved = JSON.parse(
    result.metadata?.annotations?.[WEBHOOK_ANNOTATIONS.originalNodeConstraints] ?? '{}',
  );
  assert.deepEqual(saved, { nodeSelector: { pool: 'ecs' } });
});

test('no original-constraints annotation when there was nothing to replace', () => {
  const { result } = run(basePod({ spec: { containers: [], nodeSelector: {} } }));
  assert.equal(result.metadata?.annotations?.[WEBHOOK_ANNOTATIONS.originalNodeConstraints], undefined);
  assert.deepEqual(result.spec?.nodeSelector, { type: 'virtual-kubelet' });
});

test('a pod that chose the virtual node by nodeSelector keeps its other node constraints and only gets the toleration', () => {
  const pod = basePod({
    metadata: { name: 'p' },
    spec: {
      containers: [],
      nodeSelector: { type: 'virtual-kubelet', 'topology.kubernetes.io/zone': 'cn-hangzhou-b' },
    },
  });
  const { result, decision } = run(pod);
  assert.equal(decision.rule, 'node-selector');
  assert.deepEqual(result.spec?.nodeSelector, pod.spec?.nodeSelector);
  assert.deepEqual(result.spec?.tolerations, [TOLERATION]);
  assert.equal(result.metadata?.annotations?.[WEBHOOK_ANNOTATIONS.originalNodeConstraints], undefined);
});

test('existing tolerations: kept, and the virtual node toleration is not duplicated', () => {
  const other = { key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' };
  const cases: Array<[string, object[], object[]]> = [
    ['none', [], [TOLERATION]],
    ['an unrelated one is kept and ours appended', [other], [other, TOLERATION]],
    ['ours already there', [TOLERATION], [TOLERATION]],
    [
      'Equal alibabacloud (G2 docs form) already tolerates',
      [
        {
          key: 'virtual-kubelet.io/provider',
          operator: 'Equal',
          value: 'alibabacloud',
          effect: 'NoSchedule',
        },
      ],
      [
        {
          key: 'virtual-kubelet.io/provider',
          operator: 'Equal',
          value: 'alibabacloud',
          effect: 'NoSchedule',
        },
      ],
    ],
    [
      'Exists without effect tolerates',
      [{ key: 'virtual-kubelet.io/provider', operator: 'Exists' }],
      [{ key: 'virtual-kubelet.io/provider', operator: 'Exists' }],
    ],
    ['tolerate-everything', [{ operator: 'Exists' }], [{ operator: 'Exists' }]],
    [
      'same key with NoExecute does not tolerate NoSchedule',
      [{ key: 'virtual-kubelet.io/provider', operator: 'Exists', effect: 'NoExecute' }],
      [{ key: 'virtual-kubelet.io/provider', operator: 'Exists', effect: 'NoExecute' }, TOLERATION],
    ],
    [
      'Equal with another value does not tolerate',
      [{ key: 'virtual-kubelet.io/provider', operator: 'Equal', value: 'other', effect: 'NoSchedule' }],
      [
        { key: 'virtual-kubelet.io/provider', operator: 'Equal', value: 'other', effect: 'NoSchedule' },
        TOLERATION,
      ],
    ],
  ];
  for (const [name, tolerations, expected] of cases) {
    const { result, patch } = run(basePod({ spec: { containers: [], tolerations } }));
    assert.deepEqual(result.spec?.tolerations, expected, name);
    if (tolerations.length > 0 && expected.length > tolerations.length) {
      assert.ok(
        patch.some((op) => op.op === 'add' && op.path === '/spec/tolerations/-'),
        `${name}: appended`,
      );
    }
  }
  assert.equal(toleratesVirtualNode({ key: '', operator: 'Equal' }), false);
});

test('profile effects merge without overwriting the pod; earlier selectors win', () => {
  const profile = profileWith([
    {
      name: 'first',
      namespaceSelector: { matchLabels: { gpu: 'true' } },
      effect: {
        annotations: { 'k8s.aliyun.com/eci-use-specs': 'ecs.gn6v-c8g1.2xlarge', shared: 'from-first' },
        labels: { gpu: 'test', shared: 'first' },
      },
    },
    {
      name: 'second',
      effect: { annotations: { shared: 'from-second', only: 'second' }, labels: { shared: 'second' } },
    },
    {
      name: 'not-matching',
      objectSelector: { matchLabels: { nope: 'x' } },
      effect: { annotations: { never: 'x' } },
    },
  ]);
  const pod = basePod({
    metadata: {
      name: 'p',
      labels: { gpu: 'mine' },
      annotations: {
        'k8s.aliyun.com/eci-use-specs': '2-4Gi',
        'k8s.aliyun.com/cluster-domain': 'custom.local',
      },
    },
  });
  const { result, decision } = run(pod, profile, { gpu: 'true' });
  assert.equal(decision.reason, 'profile selector first');
  assert.deepEqual(result.metadata?.labels, { gpu: 'mine', shared: 'first' });
  const annotations = result.metadata?.annotations ?? {};
  assert.equal(annotations['k8s.aliyun.com/eci-use-specs'], '2-4Gi');
  assert.equal(annotations.shared, 'from-first');
  assert.equal(annotations.only, 'second');
  assert.equal(annotations.never, undefined);
  assert.equal(annotations['k8s.aliyun.com/cluster-domain'], 'custom.local', 'a value the pod set is kept');
});

test('annotation keys with "/" and "~" are JSON-pointer escaped', () => {
  // "~" cannot occur in a key the apiserver accepts, but the escaping must still be right.
  const profile = { selectors: [{ name: 'e', effect: { annotations: { 'example.com/a~b': 'v' } } }] };
  const pod = basePod({ metadata: { name: 'p', labels: { eci: 'true' }, annotations: { existing: 'x' } } });
  const { patch, result } = run(pod, profile);
  const paths = patch.map((op) => op.path);
  assert.ok(paths.includes('/metadata/annotations/example.com~1a~0b'), paths.join(' '));
  assert.ok(paths.includes('/metadata/annotations/k8s.aliyun.com~1k8s-version'), paths.join(' '));
  assert.equal(result.metadata?.annotations?.['example.com/a~b'], 'v');
  assert.equal(result.metadata?.annotations?.existing, 'x');
});

test('unknown cluster facts are not stamped', () => {
  const { result } = run(basePod(), NONE, {}, { clusterDomain: 'cluster.local' });
  const annotations = result.metadata?.annotations ?? {};
  assert.equal(annotations['k8s.aliyun.com/k8s-version'], undefined);
  assert.equal(annotations['k8s.aliyun.com/cluster-dns'], undefined);
  assert.equal(annotations['k8s.aliyun.com/cluster-domain'], 'cluster.local');
});

test('the decision annotation records the first decision and is not rewritten', () => {
  const pod = basePod({
    metadata: {
      name: 'p',
      labels: { eci: 'true' },
      annotations: { [WEBHOOK_ANNOTATIONS.decision]: 'earlier' },
    },
  });
  assert.equal(run(pod).result.metadata?.annotations?.[WEBHOOK_ANNOTATIONS.decision], 'earlier');
});

test('mutate refuses nothing for a non-ECI decision and does not touch the input', () => {
  const pod = basePod();
  const copy = structuredClone(pod);
  const decision: Decision = { eci: true, rule: 'pod-label', reason: 'r', effects: [] };
  mutate(pod, decision, NONE, FACTS);
  assert.deepEqual(pod, copy);
  assert.deepEqual(mutate(pod, { ...decision, eci: false }, NONE, FACTS).patch, []);
});

test('a pod without metadata or spec still gets a patch that applies', () => {
  const { result, patch } = run({}, NONE, { eci: 'true' });
  assert.ok(patch.length > 0);
  assert.deepEqual(result.spec?.nodeSelector, { type: 'virtual-kubelet' });
  assert.equal(result.metadata?.annotations?.[WEBHOOK_ANNOTATIONS.decision], 'namespace label eci=true');
});

test('affinity removal takes the smallest enclosing object that would be left empty', () => {
  const required = { nodeSelectorTerms: [] };
  const cases: Array<[string, object, string, object | undefined]> = [
    [
      'only required',
      { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: required } },
      '/spec/affinity',
      undefined,
    ],
    [
      'with pod affinity',
      { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: required }, podAffinity: {} },
      '/spec/affinity/nodeAffinity',
      { podAffinity: {} },
    ],
  ];
  for (const [name, affinity, path, expected] of cases) {
    const { patch, result } = run(basePod({ spec: { containers: [], affinity } }));
    assert.ok(
      patch.some((op) => op.op === 'remove' && op.path === path),
      name,
    );
    assert.deepEqual(result.spec?.affinity, expected, name);
  }
});
