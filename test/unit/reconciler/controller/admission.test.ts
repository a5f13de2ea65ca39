import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { V1Pod } from '@kubernetes/client-node';
import { admissionRejection } from '../../../../reconciler/controller/admission.ts';

const pod = (os?: string): V1Pod => ({
  metadata: { name: 'p', namespace: 'ns' },
  spec: { containers: [{ name: 'c', image: 'busybox' }], ...(os ? { os: { name: os } } : {}) },
});

test('a pod for another OS is rejected with the kubelet reason; Linux or unset is admitted', () => {
  assert.deepEqual(admissionRejection(pod('windows')), {
    reason: 'PodOSNotSupported',
    message: "Failed to admit pod as the OS field doesn't match node OS",
  });
  assert.equal(admissionRejection(pod('linux')), undefined);
  assert.equal(admissionRejection(pod()), undefined);
});
