import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Pod } from '@kubernetes/client-node';
import { stripManagedFields } from '../../../reconciler/slim.ts';

test('managedFields are dropped in place; everything else the reconciler reads is kept', () => {
  const pod: V1Pod = {
    metadata: {
      name: 'p',
      namespace: 'ns',
      uid: 'u-1',
      resourceVersion: '42',
      annotations: { 'k8s.aliyun.com/eci-instance-id': 'eci-1' },
      managedFields: [
        { manager: 'kubectl', operation: 'Update', fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': {} } },
      ],
    },
    spec: { nodeName: 'virtual-node-eci-0', containers: [{ name: 'c', image: 'nginx' }] },
    status: { phase: 'Pending' },
  };
  const expected = structuredClone(pod);
  delete expected.metadata!.managedFields;
  const out = stripManagedFields(pod);
  assert.equal(out, pod);
  assert.equal('managedFields' in pod.metadata!, false);
  assert.deepEqual(pod, expected);
});

test('a pod without metadata or managedFields is left as it is', () => {
  const bare: V1Pod = { spec: { containers: [] } };
  assert.deepEqual(stripManagedFields(bare), { spec: { containers: [] } });
  const none: V1Pod = { metadata: { name: 'p' } };
  assert.deepEqual(stripManagedFields(none), { metadata: { name: 'p' } });
});
