import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Pod } from '@kubernetes/client-node';
import { selectForEci, type Rule } from '../../../webhook/selection.ts';
import { parseEciProfile, type EciProfile } from '../../../shared/profile.ts';

function profileWith(selectors: unknown[]): EciProfile {
  const result = parseEciProfile({ selectors: JSON.stringify(selectors) });
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.profile;
}

const NONE = profileWith([]);
const PROFILE = profileWith([
  {
    name: 'both-selectors',
    namespaceSelector: { matchLabels: { team: 'ml' } },
    objectSelector: { matchLabels: { burst: 'yes' } },
  },
  {
    name: 'gpu-namespace-selector',
    namespaceSelector: { matchLabels: { gpu: 'true' } },
    effect: { labels: { gpu: 'test' } },
  },
  {
    name: 'expr-object-selector',
    objectSelector: { matchExpressions: [{ key: 'tier', operator: 'In', values: ['batch', 'spot'] }] },
    effect: { annotations: { 'k8s.aliyun.com/eci-spot-strategy': 'SpotAsPriceGo' } },
  },
  { name: 'everyone', effect: { annotations: { 'k8s.aliyun.com/eci-auto-imc': 'true' } } },
  { name: 'no-effect-ns', namespaceSelector: { matchLabels: { plain: 'true' } } },
]);

interface PodSpecShape {
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  nodeSelector?: Record<string, string>;
  nodeName?: string;
  owner?: { kind: string; apiVersion: string };
}

function pod(shape: PodSpecShape = {}): V1Pod {
  return {
    metadata: {
      name: 'p',
      namespace: 'ns',
      labels: shape.labels,
      annotations: shape.annotations,
      ownerReferences: shape.owner ? [{ ...shape.owner, name: 'o', uid: 'u' }] : undefined,
    },
    spec: {
      containers: [{ name: 'c', image: 'x' }],
      nodeSelector: shape.nodeSelector,
      nodeName: shape.nodeName,
    },
  };
}

interface Case {
  name: string;
  pod: PodSpecShape;
  ns?: Record<string, string> | undefined;
  profile?: EciProfile;
  eci: boolean;
  rule: Rule;
  reason: string | RegExp;
  effects?: string[];
}

const cases: Case[] = [
  // Built-in label rules.
  {
    name: 'no labels at all',
    pod: {},
    ns: {},
    eci: false,
    rule: 'none',
    reason: 'no ECI selection rule matched',
  },
  {
    name: 'pod label alibabacloud.com/eci=true',
    pod: { labels: { 'alibabacloud.com/eci': 'true' } },
    ns: {},
    eci: true,
    rule: 'pod-label',
    reason: 'pod label alibabacloud.com/eci=true',
  },
  {
    name: 'pod label eci=true',
    pod: { labels: { eci: 'true' } },
    ns: {},
    eci: true,
    rule: 'pod-label',
    reason: 'pod label eci=true',
  },
  {
    name: 'label values are exact (True is not true)',
    pod: { labels: { eci: 'True' } },
    ns: {},
    eci: false,
    rule: 'none',
    reason: /no ECI/,
  },
  {
    name: 'namespace label alibabacloud.com/eci=true',
    pod: {},
    ns: { 'alibabacloud.com/eci': 'true' },
    eci: true,
    rule: 'namespace-label',
    reason: 'namespace label alibabacloud.com/eci=true',
  },
  {
    name: 'namespace label eci=true',
    pod: {},
    ns: { eci: 'true' },
    eci: true,
    rule: 'namespace-label',
    reason: 'namespace label eci=true',
  },
  {
    name: 'legacy namespace label virtual-node-affinity-injection=enabled',
    pod: {},
    ns: { 'virtual-node-affinity-injection': 'enabled' },
    eci: true,
    rule: 'namespace-label',
    reason: 'namespace label virtual-node-affinity-injection=enabled',
  },
  {
    name: 'legacy label with value true does not count',
    pod: {},
    ns: { 'virtual-node-affinity-injection': 'true' },
    eci: false,
    rule: 'none',
    reason: /no ECI/,
  },
  {
    name: 'nodeSelector type=virtual-kubelet',
    pod: { nodeSelector: { type: 'virtual-kubelet' } },
    ns: {},
    eci: true,
    rule: 'node-selector',
    reason: 'nodeSelector type=virtual-kubelet',
  },
  {
    name: 'nodeSelector type with another value',
    pod: { nodeSelector: { type: 'gpu' } },
    ns: {},
    eci: false,
    rule: 'none',
    reason: /no ECI/,
  },
  // Opt-out and precedence.
  {
    name: 'alibabacloud.com/eci=false opts out of an ECI namespace',
    pod: { labels: { 'alibabacloud.com/eci': 'false' } },
    ns: { 'alibabacloud.com/eci': 'true' },
    eci: false,
    rule: 'pod-opt-out',
    reason: 'pod label alibabacloud.com/eci=false opts out',
  },
  {
    name: 'eci=false opts out of a legacy namespace',
    pod: { labels: { eci: 'false' } },
    ns: { 'virtual-node-affinity-injection': 'enabled' },
    eci: false,
    rule: 'pod-opt-out',
    reason: 'pod label eci=false opts out',
  },
  {
    name: 'opt-out beats a matching profile selector',
    pod: { labels: { 'alibabacloud.com/eci': 'false', tier: 'batch' } },
    ns: {},
    profile: PROFILE,
    eci: false,
    rule: 'pod-opt-out',
    reason: /opts out/,
  },
  {
    name: 'the long label wins over a conflicting short one (true over false)',
    pod: { labels: { 'alibabacloud.com/eci': 'true', eci: 'false' } },
    ns: {},
    eci: true,
    rule: 'pod-label',
    reason: 'pod label alibabacloud.com/eci=true',
  },
  {
    name: 'the long label wins over a conflicting short one (false over true)',
    pod: { labels: { 'alibabacloud.com/eci': 'false', eci: 'true' } },
    ns: {},
    eci: false,
    rule: 'pod-opt-out',
    reason: 'pod label alibabacloud.com/eci=false opts out',
  },
  {
    name: 'pod label is reported before the namespace label',
    pod: { labels: { eci: 'true' } },
    ns: { eci: 'true' },
    eci: true,
    rule: 'pod-label',
    reason: 'pod label eci=true',
  },
  {
    name: 'namespace label is reported before the nodeSelector',
    pod: { nodeSelector: { type: 'virtual-kubelet' } },
    ns: { eci: 'true' },
    eci: true,
    rule: 'namespace-label',
    reason: 'namespace label eci=true',
  },
  {
    name: 'nodeSelector is reported before a profile selector',
    pod: { nodeSelector: { type: 'virtual-kubelet' }, labels: { tier: 'spot' } },
    ns: {},
    profile: PROFILE,
    eci: true,
    rule: 'node-selector',
    reason: /nodeSelector/,
    effects: ['expr-object-selector', 'everyone'],
  },
  // Never redirected.
  {
    name: 'DaemonSet pod in an ECI namespace with the pod label',
    pod: { labels: { 'alibabacloud.com/eci': 'true' }, owner: { kind: 'DaemonSet', apiVersion: 'apps/v1' } },
    ns: { eci: 'true' },
    eci: false,
    rule: 'daemonset',
    reason: 'DaemonSet pods are never redirected',
  },
  {
    name: 'a ReplicaSet-owned pod is not a DaemonSet pod',
    pod: { labels: { eci: 'true' }, owner: { kind: 'ReplicaSet', apiVersion: 'apps/v1' } },
    ns: {},
    eci: true,
    rule: 'pod-label',
    reason: /eci=true/,
  },
  {
    name: 'a DaemonSet kind from another API group is not the apps DaemonSet',
    pod: { labels: { eci: 'true' }, owner: { kind: 'DaemonSet', apiVersion: 'example.com/v1' } },
    ns: {},
    eci: true,
    rule: 'pod-label',
    reason: /eci=true/,
  },
  {
    name: 'mirror pod',
    pod: { labels: { eci: 'true' }, annotations: { 'kubernetes.io/config.mirror': 'abc' } },
    ns: { eci: 'true' },
    eci: false,
    rule: 'mirror-pod',
    reason: /mirror/,
  },
  {
    name: 'pod already bound to a regular node',
    pod: { labels: { eci: 'true' }, nodeName: 'worker-1' },
    ns: {},
    eci: false,
    rule: 'node-name',
    reason: 'spec.nodeName is already worker-1',
  },
  {
    name: 'pod bound directly to a virtual node',
    pod: { nodeName: 'virtual-node-eci-0' },
    ns: {},
    eci: true,
    rule: 'node-name',
    reason: 'spec.nodeName is the virtual node virtual-node-eci-0',
  },
  // Profile selectors.
  {
    name: 'profile: both selectors set and both match',
    pod: { labels: { burst: 'yes' } },
    ns: { team: 'ml' },
    profile: PROFILE,
    eci: true,
    rule: 'profile-selector',
    reason: 'profile selector both-selectors',
    effects: ['everyone'],
  },
  {
    name: 'profile: both selectors set, only the namespace matches',
    pod: { labels: { burst: 'no' } },
    ns: { team: 'ml' },
    profile: PROFILE,
    eci: false,
    rule: 'none',
    reason: /no ECI/,
  },
  {
    name: 'profile: both selectors set, only the pod matches',
    pod: { labels: { burst: 'yes' } },
    ns: { team: 'web' },
    profile: PROFILE,
    eci: false,
    rule: 'none',
    reason: /no ECI/,
  },
  {
    name: 'profile: namespace selector',
    pod: {},
    ns: { gpu: 'true' },
    profile: PROFILE,
    eci: true,
    rule: 'profile-selector',
    reason: 'profile selector gpu-namespace-selector',
    effects: ['gpu-namespace-selector', 'everyone'],
  },
  {
    name: 'profile: matchExpressions object selector',
    pod: { labels: { tier: 'spot' } },
    ns: {},
    profile: PROFILE,
    eci: true,
    rule: 'profile-selector',
    reason: 'profile selector expr-object-selector',
    effects: ['expr-object-selector', 'everyone'],
  },
  {
    name: 'profile: the first matching selector in order is the reason, all matching effects apply',
    pod: { labels: { tier: 'batch' } },
    ns: { gpu: 'true' },
    profile: PROFILE,
    eci: true,
    rule: 'profile-selector',
    reason: 'profile selector gpu-namespace-selector',
    effects: ['gpu-namespace-selector', 'expr-object-selector', 'everyone'],
  },
  {
    name: 'profile: a selector without selectors selects nothing on its own',
    pod: { labels: { any: 'thing' } },
    ns: {},
    profile: profileWith([{ name: 'everyone', effect: { labels: { a: 'b' } } }]),
    eci: false,
    rule: 'none',
    reason: /no ECI/,
  },
  {
    name: 'profile: a selector without effect still selects',
    pod: {},
    ns: { plain: 'true' },
    profile: PROFILE,
    eci: true,
    rule: 'profile-selector',
    reason: 'profile selector no-effect-ns',
    effects: ['everyone'],
  },
  {
    name: 'profile: unknown namespace labels never satisfy a namespace selector',
    pod: {},
    ns: undefined,
    profile: profileWith([
      { name: 'any-ns', namespaceSelector: { matchExpressions: [{ key: 'x', operator: 'DoesNotExist' }] } },
    ]),
    eci: false,
    rule: 'none',
    reason: /no ECI/,
  },
  {
    name: 'profile effects apply to pods selected by a built-in rule',
    pod: { labels: { eci: 'true', tier: 'batch' } },
    ns: { gpu: 'true' },
    profile: PROFILE,
    eci: true,
    rule: 'pod-label',
    reason: 'pod label eci=true',
    effects: ['gpu-namespace-selector', 'expr-object-selector', 'everyone'],
  },
  {
    name: 'no profile: built-in rules only',
    pod: { labels: { tier: 'batch' } },
    ns: { gpu: 'true' },
    profile: NONE,
    eci: false,
    rule: 'none',
    reason: /no ECI/,
  },
];

for (const c of cases) {
  test(`selectForEci: ${c.name}`, () => {
    const decision = selectForEci({
      pod: pod(c.pod),
      namespaceLabels: 'ns' in c ? c.ns : {},
      profile: c.profile ?? NONE,
    });
    assert.equal(decision.eci, c.eci);
    assert.equal(decision.rule, c.rule);
    if (typeof c.reason === 'string') assert.equal(decision.reason, c.reason);
    else assert.match(decision.reason, c.reason);
    assert.deepEqual(decision.effects, c.eci ? (c.effects ?? []) : []);
  });
}

test('selectForEci tolerates a pod without metadata or spec', () => {
  assert.equal(selectForEci({ pod: {}, namespaceLabels: { eci: 'true' }, profile: NONE }).eci, true);
  assert.equal(selectForEci({ pod: {}, namespaceLabels: undefined, profile: NONE }).eci, false);
});
