import { test } from 'node:test';
import assert from 'node:assert/strict';
import { webhookConfiguration } from '../../../webhook/webhook-config.ts';

test('in-cluster defaults: service, Ignore, 5 s, None, IfNeeded, Equivalent, v1 and v1beta1', () => {
  const config = webhookConfiguration({ namespace: 'eci-virtual-node', service: { name: 'eci-webhook' } });
  assert.equal(config.metadata?.name, 'eci-virtual-node-webhook');
  const [hook, ...rest] = config.webhooks ?? [];
  assert.equal(rest.length, 0);
  assert.ok(hook);
  assert.deepEqual(hook.clientConfig, {
    service: { namespace: 'eci-virtual-node', name: 'eci-webhook', port: 443, path: '/mutate' },
  });
  assert.equal(hook.failurePolicy, 'Ignore');
  assert.equal(hook.timeoutSeconds, 5);
  assert.equal(hook.sideEffects, 'None');
  assert.equal(hook.reinvocationPolicy, 'IfNeeded');
  assert.equal(hook.matchPolicy, 'Equivalent');
  assert.deepEqual(hook.admissionReviewVersions, ['v1', 'v1beta1']);
  assert.deepEqual(hook.rules, [
    {
      apiGroups: [''],
      apiVersions: ['v1'],
      operations: ['CREATE'],
      resources: ['pods'],
      scope: 'Namespaced',
    },
  ]);
  assert.deepEqual(hook.namespaceSelector, {
    matchExpressions: [
      { key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['kube-system', 'eci-virtual-node'] },
    ],
  });
});

test('url form with caBundle, Fail policy and test scoping', () => {
  const config = webhookConfiguration({
    name: 'it',
    namespace: 'kube-system',
    url: 'https://127.0.0.1:9443/mutate',
    caBundlePem: 'PEM',
    failurePolicy: 'Fail',
    excludeNamespaces: ['other'],
    namespaceMatchLabels: { scope: 'x' },
  });
  const hook = config.webhooks?.[0];
  assert.deepEqual(hook?.clientConfig, {
    url: 'https://127.0.0.1:9443/mutate',
    caBundle: Buffer.from('PEM').toString('base64'),
  });
  assert.equal(hook?.failurePolicy, 'Fail');
  assert.deepEqual(hook?.namespaceSelector, {
    matchLabels: { scope: 'x' },
    matchExpressions: [
      { key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['kube-system', 'other'] },
    ],
  });
});

test('exactly one of service and url', () => {
  assert.throws(() => webhookConfiguration({ namespace: 'n' }), /exactly one/);
  assert.throws(
    () => webhookConfiguration({ namespace: 'n', url: 'https://x/mutate', service: { name: 's' } }),
    /exactly one/,
  );
});
