import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildLease, buildNode, nodeLabels, readyConditions } from '../../../reconciler/node.ts';

const opts = {
  name: 'virtual-node-eci-0',
  regionId: 'cn-hangzhou',
  cpu: '1000',
  memory: '4Ti',
  pods: 1000,
  nodeIp: '10.0.0.5',
  kubeletPort: 10250,
  kubeletVersion: 'v1.36.3',
};
const NOW = new Date('2026-01-01T00:00:00Z');

test('the node carries the scheduling contract: type label, taint, capacity', () => {
  const node = buildNode(opts, NOW);
  assert.equal(node.metadata?.name, 'virtual-node-eci-0');
  assert.equal(node.metadata?.labels?.type, 'virtual-kubelet');
  assert.equal(node.metadata?.labels?.['kubernetes.io/role'], 'agent');
  assert.equal(node.metadata?.labels?.['kubernetes.io/hostname'], 'virtual-node-eci-0');
  assert.equal(node.metadata?.labels?.['topology.kubernetes.io/region'], 'cn-hangzhou');
  assert.deepEqual(node.spec?.taints, [
    { key: 'virtual-kubelet.io/provider', value: 'alibabacloud', effect: 'NoSchedule' },
  ]);
  assert.deepEqual(node.status?.capacity, { cpu: '1000', memory: '4Ti', pods: '1000' });
  assert.deepEqual(node.status?.allocatable, node.status?.capacity);
  assert.deepEqual(node.status?.addresses, [{ type: 'InternalIP', address: '10.0.0.5' }]);
  assert.equal(node.status?.daemonEndpoints?.kubeletEndpoint?.Port, 10250);
  assert.equal(node.status?.nodeInfo?.kubeletVersion, 'v1.36.3');
  assert.equal(node.status?.nodeInfo?.operatingSystem, 'linux');
});

test('zone labels only when the node is in one zone', () => {
  assert.equal(nodeLabels(opts)['topology.kubernetes.io/zone'], undefined);
  const zoned = nodeLabels({ ...opts, zoneId: 'cn-hangzhou-h' });
  assert.equal(zoned['topology.kubernetes.io/zone'], 'cn-hangzhou-h');
  assert.equal(zoned['failure-domain.beta.kubernetes.io/zone'], 'cn-hangzhou-h');
});

test('conditions: Ready True, every pressure False, with the given heartbeat', () => {
  const conditions = readyConditions(NOW);
  assert.deepEqual(
    conditions.map((c) => [c.type, c.status, c.reason]),
    [
      ['Ready', 'True', 'KubeletReady'],
      ['MemoryPressure', 'False', 'KubeletHasSufficientMemory'],
      ['DiskPressure', 'False', 'KubeletHasNoDiskPressure'],
      ['PIDPressure', 'False', 'KubeletHasSufficientPID'],
      ['NetworkUnavailable', 'False', 'RouteCreated'],
    ],
  );
  for (const c of conditions) assert.equal(c.lastHeartbeatTime?.getTime(), NOW.getTime());
});

test('the lease is held by the node, 40 s, owned by the Node', () => {
  const lease = buildLease('vn', 'uid-1', 40, NOW);
  assert.equal(lease.metadata?.namespace, 'kube-node-lease');
  assert.equal(lease.spec?.holderIdentity, 'vn');
  assert.equal(lease.spec?.leaseDurationSeconds, 40);
  assert.equal(lease.spec?.renewTime?.getTime(), NOW.getTime());
  assert.deepEqual(lease.metadata?.ownerReferences, [
    { apiVersion: 'v1', kind: 'Node', name: 'vn', uid: 'uid-1' },
  ]);
  assert.equal(buildLease('vn', undefined, 40, NOW).metadata?.ownerReferences, undefined);
});

test('kubelet API: container log requests are parsed, anything else is refused', async () => {
  const { parseLogRequest } = await import('../../../reconciler/kubelet-api.ts');
  assert.deepEqual(
    parseLogRequest('/containerLogs/ns/web-1/nginx?tailLines=10&timestamps=true&follow=false'),
    {
      namespace: 'ns',
      pod: 'web-1',
      container: 'nginx',
      tail: 10,
      sinceSeconds: undefined,
      limitBytes: undefined,
      timestamps: true,
      previous: undefined,
    },
  );
  const q = parseLogRequest(
    '/containerLogs/ns/p/c?sinceSeconds=60&limitBytes=100&previous=true&tailLines=-1',
  );
  assert.deepEqual([q?.sinceSeconds, q?.limitBytes, q?.previous, q?.tail], [60, 100, true, undefined]);
  for (const bad of [
    '/exec/ns/p/c',
    '/containerLogs/ns/p',
    '/containerLogs/ns/p/c/extra',
    '/containerLogs/NS/p/c',
    '/',
  ]) {
    assert.equal(parseLogRequest(bad), undefined, bad);
  }
});
