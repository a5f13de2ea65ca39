// The virtual node under kube-controller-manager: registered with the scheduling
// contract, kept Ready by its Lease, re-created when deleted.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { CoordinationV1Api } from '@kubernetes/client-node';
import { eventually } from '../helpers.ts';
import { startStack, TEST_NODE_IP, type Stack } from './stack.ts';

let stack: Stack;

before(async () => {
  stack = await startStack();
  await stack.startReconciler();
});

after(async () => {
  await stack?.stop();
});

test('the node is registered Ready with its label, taint and capacity, and KCM lifts not-ready', async () => {
  const node = await eventually(
    'not-ready taint removed by the node lifecycle controller',
    async () => {
      const n = await stack.core.readNode({ name: stack.nodeName });
      const keys = (n.spec?.taints ?? []).map((t) => t.key);
      return keys.includes('node.kubernetes.io/not-ready') ? undefined : n;
    },
    90_000,
  );
  assert.equal(node.metadata?.labels?.type, 'virtual-kubelet');
  assert.deepEqual(
    node.spec?.taints?.map((t) => `${t.key}=${t.value}:${t.effect}`),
    ['virtual-kubelet.io/provider=alibabacloud:NoSchedule'],
  );
  // The API server canonicalises 1000 to 1k.
  assert.ok(['1000', '1k'].includes(node.status?.allocatable?.pods ?? ''), node.status?.allocatable?.pods);
  assert.equal(node.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'True');
  // The routable address the stack gives it (the node proxy refuses loopback addresses).
  assert.equal(node.status?.addresses?.find((a) => a.type === 'InternalIP')?.address, TEST_NODE_IP);
  assert.match(node.status?.nodeInfo?.kubeletVersion ?? '', /^v1\.\d+/);
  // The node serves exec/attach/port-forward over WebSocket too, so it says so: the API
  // server then proxies kubectl's WebSockets straight to it (docs/kubelet-api.md).
  assert.deepEqual((node.status as { declaredFeatures?: string[] } | undefined)?.declaredFeatures, [
    'ExtendWebSocketsToKubelet',
  ]);
});

test('the node Lease is renewed and the node stays Ready', async () => {
  const coordination = stack.cp.kubeConfig.makeApiClient(CoordinationV1Api);
  const read = () => coordination.readNamespacedLease({ name: stack.nodeName, namespace: 'kube-node-lease' });
  const first = await read();
  assert.equal(first.spec?.holderIdentity, stack.nodeName);
  assert.equal(first.spec?.leaseDurationSeconds, 40);
  assert.equal(first.metadata?.ownerReferences?.[0]?.kind, 'Node');
  // MicroTime comes back as a string from this client version; parse either form.
  const ms = (t: unknown) => (t ? new Date(t as string).getTime() : 0);
  const t0 = ms(first.spec?.renewTime);
  const renewed = await eventually(
    'renewTime advanced twice',
    async () => {
      const l = await read();
      return ms(l.spec?.renewTime) >= t0 + 3_000 ? l : undefined;
    },
    30_000,
  );
  assert.ok(renewed);
  const node = await stack.core.readNode({ name: stack.nodeName });
  assert.equal(node.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'True');
  const keys = (node.spec?.taints ?? []).map((t) => t.key);
  assert.ok(!keys.includes('node.kubernetes.io/unreachable'), 'never marked unreachable');
});

test('a deleted node is re-created', async () => {
  const before = await stack.core.readNode({ name: stack.nodeName });
  await stack.core.deleteNode({ name: stack.nodeName });
  const again = await eventually(
    'node re-created',
    async () => {
      const n = await stack.core.readNode({ name: stack.nodeName });
      return n.metadata?.uid !== before.metadata?.uid ? n : undefined;
    },
    30_000,
  );
  assert.equal(again.metadata?.labels?.type, 'virtual-kubelet');
  assert.ok(stack.reconciler!.nodes[0]!.recreations >= 1);
});

test('after the reconciler stops, the node is left in place (as a stopped kubelet leaves it)', async () => {
  await stack.stopReconciler();
  const node = await stack.core.readNode({ name: stack.nodeName });
  assert.equal(node.metadata?.name, stack.nodeName);
});
