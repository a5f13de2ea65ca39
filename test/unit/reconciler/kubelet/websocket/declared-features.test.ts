// The node's status.declaredFeatures: sorted and unique (the API server validates both), and
// absent unless the kubelet API offers features, so a node without streaming declares nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildNode, type NodeSpecOptions } from '../../../../../reconciler/node/spec.ts';

const base: NodeSpecOptions = {
  name: 'virtual-node-eci-0',
  regionId: 'cn-hangzhou',
  cpu: '1000',
  memory: '4Ti',
  pods: 1000,
  nodeIp: '10.0.0.5',
  kubeletPort: 10250,
  kubeletVersion: 'v1.36.3',
};

test('buildNode: declaredFeatures sorted and unique; absent when not given', () => {
  const now = new Date(0);
  assert.equal('declaredFeatures' in buildNode(base, now).status!, false);
  assert.deepEqual(
    buildNode(
      { ...base, declaredFeatures: ['ExtendWebSocketsToKubelet', 'A', 'ExtendWebSocketsToKubelet'] },
      now,
    ).status!.declaredFeatures,
    ['A', 'ExtendWebSocketsToKubelet'],
  );
  assert.deepEqual(buildNode({ ...base, declaredFeatures: [] }, now).status!.declaredFeatures, []);
});
