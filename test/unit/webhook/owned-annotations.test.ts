// Issue 10 item 1 (webhook part): a pod cannot arrive carrying the reconciler's status
// annotations (e.g. eci-instance-id naming another pod's container group).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Pod } from '@kubernetes/client-node';
import fastJsonPatch from 'fast-json-patch';
import { review } from '../../../webhook/admission.ts';
import { mutatedPod } from '../../../webhook/mutate.ts';
import { selectForEci } from '../../../webhook/selection.ts';
import { RECONCILER_OWNED_ANNOTATIONS, removeAnnotationsPatch } from '../../../webhook/owned-annotations.ts';
import { DEFAULT_PROFILE, parseEciProfile } from '../../../shared/profile.ts';
import { checkEciAnnotations, INSTANCE_ANNOTATIONS } from '../../../shared/annotations.ts';

const FACTS = { k8sVersion: 'v1.36.3', clusterDomain: 'cluster.local' };

function reviewPod(pod: V1Pod, namespaceLabels: Record<string, string> = {}) {
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
    { namespaceLabels, profile: DEFAULT_PROFILE, facts: FACTS, checkAnnotations: checkEciAnnotations },
  );
  const stored = fastJsonPatch.applyPatch(structuredClone(pod), outcome.patch, true, false).newDocument;
  return { outcome, stored, warnings: outcome.review.response.warnings ?? [] };
}

const victimClaim = {
  'k8s.aliyun.com/eci-instance-id': 'eci-victim',
  'k8s.aliyun.com/eci-instance-spec': 'ecs.c6.large',
  'k8s.aliyun.com/eci-client-token': 'victim-uid',
  'k8s.aliyun.com/eci-instance-zone': 'cn-hangzhou-k',
};

test('the owned names are every status annotation of the table, the instance ones included', () => {
  for (const name of Object.values(INSTANCE_ANNOTATIONS))
    assert.ok(RECONCILER_OWNED_ANNOTATIONS.includes(name));
  assert.ok(RECONCILER_OWNED_ANNOTATIONS.includes('k8s.aliyun.com/eci-instance-zone'));
  // A pod must not claim an image cache hit ECI did not report.
  assert.ok(RECONCILER_OWNED_ANNOTATIONS.includes('k8s.aliyun.com/eci-matched-image-cache'));
  assert.ok(
    !RECONCILER_OWNED_ANNOTATIONS.includes('k8s.aliyun.com/eci-use-specs'),
    'a request annotation is the pod author’s',
  );
});

test('an ECI pod claiming another group is stored without the claim, with a warning naming it', () => {
  const pod: V1Pod = {
    metadata: { name: 'thief', labels: { eci: 'true' }, annotations: { ...victimClaim, keep: 'me' } },
    spec: { containers: [{ name: 'c', image: 'x' }] },
  };
  const { outcome, stored, warnings } = reviewPod(pod);
  assert.equal(outcome.decision?.eci, true);
  for (const name of Object.keys(victimClaim))
    assert.equal(stored.metadata?.annotations?.[name], undefined, name);
  assert.equal(stored.metadata?.annotations?.keep, 'me');
  assert.equal(stored.spec?.nodeSelector?.type, 'virtual-kubelet', 'still mutated');
  assert.ok(
    outcome.patch.some(
      (op) => op.op === 'remove' && op.path === '/metadata/annotations/k8s.aliyun.com~1eci-instance-id',
    ),
    'the key is escaped as a JSON pointer',
  );
  const warning = warnings.find((w) => w.startsWith('metadata.annotations: removed '));
  assert.ok(warning, JSON.stringify(warnings));
  for (const name of Object.keys(victimClaim)) assert.ok(warning.includes(name), name);
  // Reinvocation (reinvocationPolicy IfNeeded) sees the stored pod: nothing more to do.
  const again = reviewPod(stored);
  assert.deepEqual(again.outcome.patch, []);
  assert.ok(!again.warnings.some((w) => w.includes('removed')));
});

test('a pod that is not going to ECI loses the claim too, and nothing else changes', () => {
  const pod: V1Pod = {
    metadata: { name: 'p', annotations: { 'k8s.aliyun.com/eci-instance-id': 'eci-victim', keep: 'me' } },
    spec: { containers: [{ name: 'c', image: 'x' }], nodeName: 'node-a' },
  };
  for (const target of [pod, { ...pod, spec: { ...pod.spec!, nodeName: undefined } }]) {
    const { outcome, stored, warnings } = reviewPod(target);
    assert.equal(outcome.decision?.eci, false);
    assert.deepEqual(outcome.patch, [
      { op: 'remove', path: '/metadata/annotations/k8s.aliyun.com~1eci-instance-id' },
    ]);
    assert.deepEqual(stored.metadata?.annotations, { keep: 'me' });
    assert.equal(warnings.length, 1);
  }
});

test('a pod set on a virtual node by spec.nodeName is stripped as well', () => {
  const pod: V1Pod = {
    metadata: { name: 'p', annotations: { 'k8s.aliyun.com/eci-instance-id': 'eci-victim' } },
    spec: { containers: [{ name: 'c', image: 'x' }], nodeName: 'virtual-node-eci-0' },
  };
  const { outcome, stored } = reviewPod(pod);
  assert.equal(outcome.decision?.rule, 'node-name');
  assert.equal(stored.metadata?.annotations?.['k8s.aliyun.com/eci-instance-id'], undefined);
  // Only owned annotations: the map stays (emptied) and the webhook's own keys are added to it.
  assert.equal(stored.metadata?.annotations?.['k8s.aliyun.com/cluster-domain'], 'cluster.local');
});

test('removal paths escape "~" and "/" (RFC 6901)', () => {
  const patch = removeAnnotationsPatch(['a~b/c']);
  assert.deepEqual(patch, [{ op: 'remove', path: '/metadata/annotations/a~0b~1c' }]);
  const doc = { metadata: { annotations: { 'a~b/c': 'x', d: 'y' } } };
  assert.deepEqual(fastJsonPatch.applyPatch(doc, patch, true, false).newDocument.metadata.annotations, {
    d: 'y',
  });
});

test('a pod without annotations gets no removal and no warning', () => {
  const { outcome, warnings } = reviewPod({ metadata: { name: 'p' }, spec: { containers: [] } });
  assert.deepEqual(outcome.patch, []);
  assert.deepEqual(warnings, []);
});

test('mutatedPod (explain --translate) shows the pod without the claim, as the apiserver stores it', () => {
  const pod: V1Pod = {
    metadata: { name: 'thief', labels: { eci: 'true' }, annotations: { ...victimClaim } },
    spec: { containers: [{ name: 'c', image: 'x' }] },
  };
  const decision = selectForEci({ pod, namespaceLabels: {}, profile: DEFAULT_PROFILE });
  const stored = mutatedPod(pod, decision, DEFAULT_PROFILE, FACTS);
  for (const name of Object.keys(victimClaim)) assert.equal(stored.metadata?.annotations?.[name], undefined);
  assert.equal(stored.metadata?.annotations?.['k8s.aliyun.com/cluster-domain'], 'cluster.local');
  assert.equal(
    pod.metadata?.annotations?.['k8s.aliyun.com/eci-instance-id'],
    'eci-victim',
    'input untouched',
  );
});

test('a profile effect cannot add a status annotation either; the review stays idempotent', () => {
  const parsed = parseEciProfile({
    selectors: JSON.stringify([
      { name: 'all', effect: { annotations: { 'k8s.aliyun.com/eci-instance-id': 'eci-shared', team: 'x' } } },
    ]),
  });
  assert.ok(parsed.ok);
  const pod: V1Pod = {
    metadata: {
      name: 'p',
      labels: { eci: 'true' },
      annotations: { 'k8s.aliyun.com/eci-instance-id': 'eci-victim' },
    },
    spec: { containers: [{ name: 'c', image: 'x' }] },
  };
  const context = { namespaceLabels: {}, profile: parsed.profile, facts: FACTS };
  const reviewOf = (object: V1Pod) =>
    review(
      {
        apiVersion: 'admission.k8s.io/v1',
        kind: 'AdmissionReview',
        request: {
          uid: 'u',
          kind: { group: '', version: 'v1', kind: 'Pod' },
          operation: 'CREATE',
          object: object as Record<string, unknown>,
        },
      },
      context,
    );
  const first = reviewOf(pod);
  const stored = fastJsonPatch.applyPatch(structuredClone(pod), first.patch, true, false).newDocument;
  assert.equal(stored.metadata?.annotations?.['k8s.aliyun.com/eci-instance-id'], undefined);
  assert.equal(stored.metadata?.annotations?.team, 'x', 'the rest of the effect applies');
  assert.deepEqual(reviewOf(stored).patch, []);
});
