// Issue 10 item 4: the webhook warns at admission about a privileged annotation the
// operator's policy refuses, in the same words the reconciler refuses the pod with.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Pod } from '@kubernetes/client-node';
import { review } from '../../../webhook/admission.ts';
import { DEFAULT_PROFILE, parseEciProfile, type EciProfile } from '../../../shared/profile.ts';

const FACTS = { k8sVersion: 'v1.36.3', clusterDomain: 'cluster.local' };
const ROLE = 'k8s.aliyun.com/eci-ram-role-name';

function warningsFor(namespace: string, profile: EciProfile): string[] {
  const pod: V1Pod = {
    metadata: { name: 'p', namespace, labels: { eci: 'true' }, annotations: { [ROLE]: 'admin-role' } },
    spec: { containers: [{ name: 'c', image: 'nginx' }] },
  };
  const outcome = review(
    {
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      request: {
        uid: 'u',
        kind: { group: '', version: 'v1', kind: 'Pod' },
        operation: 'CREATE',
        namespace,
        object: pod as Record<string, unknown>,
      },
    },
    { namespaceLabels: {}, profile, facts: FACTS },
  );
  return outcome.review.response.warnings ?? [];
}

function profileOf(policy: string): EciProfile {
  const parsed = parseEciProfile({ privilegedAnnotations: policy });
  assert.ok(parsed.ok);
  return parsed.profile;
}

test('a privileged annotation outside the allowed namespaces is warned about at admission', () => {
  const warnings = warningsFor('team-a', DEFAULT_PROFILE);
  const hit = warnings.find((w) => w.includes(ROLE));
  assert.ok(hit, `no warning naming ${ROLE}: ${JSON.stringify(warnings)}`);
  assert.match(hit, /team-a/);
  assert.match(hit, /the reconciler will refuse the pod/);
});

test('no warning where the policy allows the annotation', () => {
  assert.deepEqual(
    warningsFor('platform', profileOf('{"allowedNamespaces":["platform"]}')).filter((w) => w.includes(ROLE)),
    [],
  );
  assert.ok(
    warningsFor('team-a', profileOf('{"allowedNamespaces":["platform"]}')).some((w) => w.includes(ROLE)),
  );
});
