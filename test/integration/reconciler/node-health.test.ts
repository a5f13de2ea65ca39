// ECI's health on the virtual node, under the real kube-controller-manager: an unhealthy
// provider shows as ProviderReady=False with a Warning Event, a recovery as True with a Normal
// Event, and the node stays Ready all along, so the node lifecycle controller never taints it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { CoreV1Api, type CoreV1Event, type V1Node } from '@kubernetes/client-node';
import { NodeController } from '../../../reconciler/node.ts';
import { createLogger } from '../../../shared/logger.ts';
import { controlPlane } from '../../harness/shared.ts';
import { eventually, uniqueName } from '../helpers.ts';

const UNREACHABLE = {
  ok: false,
  reason: 'ProviderUnreachable',
  message: 'DescribeContainerGroups failed: ECONNREFUSED',
};
let health: { ok: boolean; reason: string; message: string; since?: number } = UNREACHABLE;
let core: CoreV1Api;
let node: NodeController;
const name = uniqueName('virtual-node-health');

before(async () => {
  const cp = await controlPlane();
  core = cp.kubeConfig.makeApiClient(CoreV1Api);
  node = new NodeController(
    cp.kubeConfig,
    {
      name,
      regionId: 'cn-hangzhou',
      cpu: '1000',
      memory: '4Ti',
      pods: 1000,
      nodeIp: '127.0.0.1',
      kubeletPort: 10250,
      kubeletVersion: 'v1.36.3',
      leaseDurationSeconds: 40,
      renewIntervalMs: 1_000,
      statusIntervalMs: 60_000,
      providerHealth: () => health,
    },
    createLogger('node-health-test', { level: process.env.LOG_LEVEL ?? 'warn' }),
  );
  await node.start();
});

after(async () => {
  await node?.stop();
  await core?.deleteNode({ name }).catch(() => {});
});

const readNode = () => core.readNode({ name });
const condition = (n: V1Node, type: string) => n.status?.conditions?.find((c) => c.type === type);
const taintKeys = (n: V1Node) => (n.spec?.taints ?? []).map((t) => t.key);

async function nodeEvents(): Promise<CoreV1Event[]> {
  const list = await core.listNamespacedEvent({
    namespace: 'default',
    fieldSelector: `involvedObject.kind=Node,involvedObject.name=${name}`,
  });
  return list.items;
}

test('ECI unreachable from the start: ProviderReady False and a Warning Event, yet the node lifecycle controller sees it Ready', async () => {
  // The lifecycle controller taints a new node not-ready until it has seen it Ready: the taint
  // goes away although ECI is unhealthy the whole time.
  const n = await eventually(
    'not-ready taint removed by the node lifecycle controller',
    async () => {
      const current = await readNode();
      return taintKeys(current).includes('node.kubernetes.io/not-ready') ? undefined : current;
    },
    90_000,
  );
  assert.equal(condition(n, 'Ready')?.status, 'True');
  const provider = condition(n, 'ProviderReady');
  assert.equal(provider?.status, 'False');
  assert.equal(provider?.reason, 'ProviderUnreachable');
  assert.equal(provider?.message, 'DescribeContainerGroups failed: ECONNREFUSED');
  const warning = await eventually('Warning Event on the node', async () =>
    (await nodeEvents()).find((e) => e.type === 'Warning' && e.reason === 'ProviderUnreachable'),
  );
  assert.match(
    warning.message ?? '',
    /ECONNREFUSED\. Pods already on ECI keep running and the node stays Ready/,
  );
  assert.equal(warning.involvedObject.kind, 'Node');
  assert.equal(warning.involvedObject.uid, n.metadata?.uid);

  // A few more lease renewals while ECI stays down: still Ready, never unreachable or not-ready.
  const renewals = node.renewals;
  await eventually('three more lease renewals', async () => node.renewals >= renewals + 3, 30_000);
  const later = await readNode();
  assert.equal(condition(later, 'Ready')?.status, 'True');
  assert.equal(condition(later, 'ProviderReady')?.status, 'False');
  for (const key of ['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable']) {
    assert.ok(!taintKeys(later).includes(key), `${key} taint on the node`);
  }
});

test('credentials rejected: the condition and a new Warning Event carry the new reason', async () => {
  health = {
    ok: false,
    reason: 'CredentialsRejected',
    message: 'InvalidAccessKeyId.NotFound: Specified access key is not found.',
  };
  const n = await eventually('ProviderReady reason CredentialsRejected', async () => {
    const current = await readNode();
    return condition(current, 'ProviderReady')?.reason === 'CredentialsRejected' ? current : undefined;
  });
  assert.equal(condition(n, 'ProviderReady')?.status, 'False');
  assert.match(condition(n, 'ProviderReady')?.message ?? '', /InvalidAccessKeyId\.NotFound/);
  assert.equal(condition(n, 'Ready')?.status, 'True');
  await eventually('CredentialsRejected Event', async () =>
    (await nodeEvents()).find((e) => e.type === 'Warning' && e.reason === 'CredentialsRejected'),
  );
});

test('recovery: ProviderReady True since the provider says, and a Normal Event', async () => {
  // Whole seconds: condition times are stored with second precision.
  const recoveredAt = Math.floor(Date.now() / 1000) * 1000 - 5_000;
  health = { ok: true, reason: 'ProviderReady', message: 'ECI answers', since: recoveredAt };
  const n = await eventually('ProviderReady True', async () => {
    const current = await readNode();
    return condition(current, 'ProviderReady')?.status === 'True' ? current : undefined;
  });
  assert.equal(condition(n, 'ProviderReady')?.reason, 'ProviderReady');
  // MicroTime/Time may come back as a string from this client version.
  const transition = condition(n, 'ProviderReady')?.lastTransitionTime as unknown;
  assert.equal(new Date(transition as string).getTime(), recoveredAt);
  assert.equal(condition(n, 'Ready')?.status, 'True');
  const normal = await eventually('Normal ProviderReady Event', async () =>
    (await nodeEvents()).find((e) => e.type === 'Normal' && e.reason === 'ProviderReady'),
  );
  assert.equal(normal.message, 'ECI answers again: ECI answers');
});
