// Issue 9: the webhook's admission warnings and the translator's refusals come from one
// rule table (shared/pod-rules.ts), so they can never disagree.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { V1Pod } from '@kubernetes/client-node';
import { podProblems } from '../../../reconciler/translate.ts';
import { podRuleViolations } from '../../../shared/pod-rules.ts';
import { unsupportedFeatureWarnings } from '../../../webhook/warnings.ts';

const everything: V1Pod = {
  metadata: { name: 'p', namespace: 'ns' },
  spec: {
    hostNetwork: true,
    hostPID: true,
    hostIPC: true,
    volumes: [
      { name: 'sock', hostPath: { path: '/run/docker.sock' } },
      { name: 'tmp', emptyDir: {} },
    ],
    initContainers: [{ name: 'setup', image: 'x', securityContext: { privileged: true } }],
    containers: [
      {
        name: 'web',
        image: 'x',
        ports: [
          { containerPort: 80, hostPort: 8080 },
          { containerPort: 10250 },
          { containerPort: 443, hostPort: 443 },
        ],
      },
    ],
  },
};

test('every rule the translator refuses a pod for is the warning the webhook gives, in the same order', () => {
  const violations = podRuleViolations(everything);
  assert.equal(violations.length, 7);
  assert.deepEqual(
    unsupportedFeatureWarnings(everything),
    violations.map((v) => `${v.subject}: ${v.message}`),
  );
  assert.deepEqual(
    podProblems(everything).map((e) => [e.field, e.message]),
    violations.map((v) => [v.field, v.message]),
  );
});

test('a hostPort equal to containerPort is neither warned about nor refused', () => {
  const pod: V1Pod = {
    metadata: { name: 'p' },
    spec: { containers: [{ name: 'web', image: 'x', ports: [{ containerPort: 80, hostPort: 80 }] }] },
  };
  assert.deepEqual(unsupportedFeatureWarnings(pod), []);
  assert.deepEqual(podProblems(pod), []);
});

test('a hostPort that differs from containerPort is warned about and refused with the same words', () => {
  const pod: V1Pod = {
    metadata: { name: 'p' },
    spec: { containers: [{ name: 'web', image: 'x', ports: [{ containerPort: 80, hostPort: 8080 }] }] },
  };
  const message = 'hostPort 8080 differs from containerPort 80, which is not possible on ECI';
  assert.deepEqual(unsupportedFeatureWarnings(pod), [`container web: ${message}`]);
  assert.deepEqual(podProblems(pod), [{ field: 'spec.containers[0].ports[0].hostPort', message }]);
});
