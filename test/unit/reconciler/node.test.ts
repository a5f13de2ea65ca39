import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildLease, buildNode, nodeLabels, readyConditions } from '../../../reconciler/node/spec.ts';
import { healthEvent, providerCondition } from '../../../reconciler/node/provider-health.ts';

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
      // follow=false: a snapshot (reconciler/kubelet/follow-stream.ts streams only follow=true).
      follow: undefined,
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

const UNREACHABLE = {
  ok: false,
  reason: 'ProviderUnreachable',
  message: 'DescribeContainerGroups failed: ECONNREFUSED',
};
const REJECTED = { ok: false, reason: 'CredentialsRejected', message: 'InvalidAccessKeyId.NotFound' };
const HEALTHY = { ok: true, reason: 'ProviderReady', message: 'ECI answers' };

test('ProviderReady condition: False with the reason and message while ECI is unhealthy, True after', () => {
  const since = new Date('2025-12-31T23:59:00Z');
  assert.deepEqual(providerCondition(UNREACHABLE, NOW, since), {
    type: 'ProviderReady',
    status: 'False',
    reason: 'ProviderUnreachable',
    message: 'DescribeContainerGroups failed: ECONNREFUSED',
    lastHeartbeatTime: NOW,
    lastTransitionTime: since,
  });
  const ok = providerCondition(HEALTHY, NOW, NOW);
  assert.deepEqual([ok.status, ok.reason, ok.message], ['True', 'ProviderReady', 'ECI answers']);
  // A reason Kubernetes would not take, or none, falls back; a long message is cut.
  const odd = providerCondition(
    { ok: false, reason: 'no such reason!', message: 'x'.repeat(5000) },
    NOW,
    NOW,
  );
  assert.equal(odd.reason, 'ProviderUnreachable');
  assert.equal(odd.message?.length, 1024);
  assert.equal(providerCondition({ ok: true, reason: '', message: '' }, NOW, NOW).reason, 'ProviderReady');
});

test('the provider condition never touches Ready: an unhealthy ECI leaves every kubelet condition as is', () => {
  const node = buildNode(opts, NOW, [providerCondition(REJECTED, NOW, NOW)]);
  assert.deepEqual(
    node.status?.conditions?.map((c) => [c.type, c.status]),
    [
      ['Ready', 'True'],
      ['MemoryPressure', 'False'],
      ['DiskPressure', 'False'],
      ['PIDPressure', 'False'],
      ['NetworkUnavailable', 'False'],
      ['ProviderReady', 'False'],
    ],
  );
});

test('health Events: Warning on going unhealthy or on a new reason, Normal on recovery, none otherwise', () => {
  const kinds = (prev: Parameters<typeof healthEvent>[0], h: Parameters<typeof healthEvent>[1]) => {
    const e = healthEvent(prev, h);
    return e && [e.type, e.reason];
  };
  assert.equal(kinds(undefined, HEALTHY), undefined);
  assert.deepEqual(kinds(undefined, UNREACHABLE), ['Warning', 'ProviderUnreachable']);
  assert.deepEqual(kinds(HEALTHY, UNREACHABLE), ['Warning', 'ProviderUnreachable']);
  assert.equal(kinds(UNREACHABLE, { ...UNREACHABLE, message: 'ETIMEDOUT' }), undefined);
  assert.deepEqual(kinds(UNREACHABLE, REJECTED), ['Warning', 'CredentialsRejected']);
  assert.deepEqual(kinds(REJECTED, HEALTHY), ['Normal', 'ProviderReady']);
  assert.equal(kinds(HEALTHY, { ...HEALTHY, message: 'still fine' }), undefined);
  const warning = healthEvent(HEALTHY, { ...REJECTED, message: 'InvalidAccessKeyId.NotFound.' });
  assert.equal(
    warning?.message,
    'InvalidAccessKeyId.NotFound. Pods already on ECI keep running and the node stays Ready; new pods wait until ECI answers',
  );
  assert.equal(healthEvent(REJECTED, HEALTHY)?.message, 'ECI answers again: ECI answers');
});
