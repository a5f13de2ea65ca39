// Every combination of the pod and namespace shapes that matter to selection and
// mutation, through the whole review: the patch must apply with validation, be idempotent,
// leave an ECI pod schedulable only on the virtual node, and strip the reconciler-owned
// status annotations from every pod.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Affinity, V1Pod, V1Toleration } from '@kubernetes/client-node';
import fastJsonPatch from 'fast-json-patch';
import { review } from '../../../webhook/admission.ts';
import { toleratesVirtualNode } from '../../../webhook/mutate.ts';
import { RECONCILER_OWNED_ANNOTATIONS } from '../../../webhook/owned-annotations.ts';
import { WEBHOOK_ANNOTATIONS } from '../../../webhook/annotations.ts';
import { parseEciProfile, type EciProfile } from '../../../shared/profile.ts';

const parsed = parseEciProfile({
  selectors: JSON.stringify([
    {
      name: 'by-tier',
      objectSelector: { matchLabels: { tier: 'batch' } },
      effect: { labels: { gpu: 'no' } },
    },
    { name: 'all', effect: { annotations: { 'k8s.aliyun.com/eci-auto-imc': 'true' } } },
  ]),
});
assert.ok(parsed.ok);
const PROFILE: EciProfile = parsed.profile;
const FACTS = { k8sVersion: 'v1.36.3', clusterDns: '10.0.0.10', clusterDomain: 'cluster.local' };

const podLabels: Array<Record<string, string> | undefined> = [
  undefined,
  { eci: 'true' },
  { 'alibabacloud.com/eci': 'true' },
  { 'alibabacloud.com/eci': 'false' },
  { tier: 'batch', gpu: 'mine' },
];
const nsLabels: Array<Record<string, string>> = [
  {},
  { eci: 'true' },
  { 'virtual-node-affinity-injection': 'enabled' },
];
const nodeSelectors: Array<Record<string, string> | undefined> = [
  undefined,
  {},
  { type: 'virtual-kubelet' },
  { disk: 'ssd' },
  { type: 'virtual-kubelet', zone: 'a' },
];
const tolerationSets: Array<V1Toleration[] | undefined> = [
  undefined,
  [],
  [{ key: 'virtual-kubelet.io/provider', operator: 'Exists', effect: 'NoSchedule' }],
  [{ key: 'dedicated', operator: 'Equal', value: 'x', effect: 'NoSchedule' }],
];
const required = {
  nodeSelectorTerms: [{ matchExpressions: [{ key: 'disk', operator: 'In', values: ['ssd'] }] }],
};
const affinities: Array<V1Affinity | undefined> = [
  undefined,
  { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: required } },
  {
    nodeAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: required,
      preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 1, preference: {} }],
    },
    podAntiAffinity: {},
  },
];
const annotationSets: Array<Record<string, string> | undefined> = [
  undefined,
  {},
  { 'k8s.aliyun.com/k8s-version': 'custom', 'k8s.aliyun.com/eci-auto-imc': 'false' },
  // A claim on another pod's container group, beside the pod's own annotations.
  {
    'k8s.aliyun.com/eci-instance-id': 'eci-victim',
    'k8s.aliyun.com/eci-instance-spec': 'ecs.c6.large',
    'team/owner': 'a~b',
  },
  { 'k8s.aliyun.com/eci-instance-id': 'eci-victim' },
];

function reviewed(pod: V1Pod, ns: Record<string, string>) {
  const outcome = review(
    {
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      request: {
        uid: 'u',
        kind: { group: '', version: 'v1', kind: 'Pod' },
        operation: 'CREATE',
        object: pod as Record<string, unknown>,
      },
    },
    { namespaceLabels: ns, profile: PROFILE, facts: FACTS },
  );
  return { decision: outcome.decision!, patch: outcome.patch, warnings: outcome.review.response.warnings };
}

test('matrix: patches apply, are idempotent, and send ECI pods only to the virtual node', () => {
  let cases = 0;
  let eciCases = 0;
  for (const labels of podLabels)
    for (const ns of nsLabels)
      for (const nodeSelector of nodeSelectors)
        for (const tolerations of tolerationSets)
          for (const affinity of affinities)
            for (const annotations of annotationSets) {
              cases++;
              const pod: V1Pod = {
                metadata: { name: 'p', labels, annotations },
                spec: { containers: [{ name: 'c', image: 'x' }], nodeSelector, tolerations, affinity },
              };
              const label = JSON.stringify({ labels, ns, nodeSelector, tolerations, affinity, annotations });
              const { decision, patch, warnings } = reviewed(pod, ns);
              const owned = Object.keys(annotations ?? {}).filter((k) =>
                RECONCILER_OWNED_ANNOTATIONS.includes(k),
              );
              // Applied with validation, as the apiserver would.
              const once = fastJsonPatch.applyPatch(structuredClone(pod), patch, true, false).newDocument;
              for (const key of owned) assert.equal(once.metadata?.annotations?.[key], undefined, label);
              assert.equal(
                warnings?.some((w) => w.includes('removed k8s.aliyun.com/eci-instance-id')) ?? false,
                owned.length > 0,
                label,
              );
              const again = reviewed(once, ns);
              assert.equal(again.decision.eci, decision.eci, label);
              assert.deepEqual(again.patch, [], `idempotent: ${label}`);
              if (!decision.eci) {
                assert.equal(patch.length, owned.length, `only the removals: ${label}`);
                continue;
              }
              eciCases++;
              assert.equal(once.spec?.nodeSelector?.type, 'virtual-kubelet', label);
              assert.equal((once.spec?.tolerations ?? []).filter(toleratesVirtualNode).length, 1, label);
              assert.equal(
                once.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution !==
                  undefined,
                decision.rule === 'node-selector' && affinity !== undefined,
                `required node affinity only survives when the pod chose the virtual node: ${label}`,
              );
              assert.ok(once.metadata?.annotations?.[WEBHOOK_ANNOTATIONS.decision], label);
              // The pod's own values are never overwritten (only the reconciler's go).
              for (const [key, value] of Object.entries(annotations ?? {})) {
                if (owned.includes(key)) continue;
                assert.equal(once.metadata?.annotations?.[key], value, label);
              }
              for (const [key, value] of Object.entries(labels ?? {})) {
                assert.equal(once.metadata?.labels?.[key], value, label);
              }
              // Tolerations the pod had are all still there, in order.
              assert.deepEqual(
                once.spec?.tolerations?.slice(0, tolerations?.length ?? 0),
                tolerations ?? [],
                label,
              );
            }
  assert.equal(cases, 5 * 3 * 5 * 4 * 3 * 5);
  assert.ok(eciCases > 1000, `${eciCases} ECI cases`);
});
