// One process serving several virtual nodes: each registered, each with its own pods.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createNamespace, deleteNamespace, eventually } from '../helpers.ts';
import { eciPod, startStack, type Stack } from './stack.ts';

let stack: Stack;
let ns: string;
let second: string;

before(async () => {
  stack = await startStack();
  second = `${stack.nodeName}-b`;
  await stack.startReconciler(['--node-name', `${stack.nodeName},${second}`]);
  ns = await createNamespace(stack.cp.kubeConfig, 'eci-multi');
});

after(async () => {
  if (ns) await deleteNamespace(stack.cp.kubeConfig, ns);
  await stack?.stop();
  await stack?.core.deleteNode({ name: second }).catch(() => {});
});

test('both nodes are registered and a pod bound to the second one runs', async () => {
  assert.deepEqual(stack.reconciler?.nodeNames, [stack.nodeName, second]);
  for (const name of [stack.nodeName, second]) {
    const node = await stack.core.readNode({ name });
    assert.equal(node.metadata?.labels?.type, 'virtual-kubelet');
  }
  await stack.core.createNamespacedPod({ namespace: ns, body: eciPod({ nodeName: second }, 'on-b') });
  const pod = await eventually('pod on the second node Running', async () => {
    const p = await stack.core.readNamespacedPod({ name: 'on-b', namespace: ns });
    return p.status?.phase === 'Running' ? p : undefined;
  });
  assert.equal(pod.spec?.nodeName, second);
  const group = (await stack.admin.containerGroups()).find(
    (g) => g.containerGroupId === pod.metadata?.annotations?.['k8s.aliyun.com/eci-instance-id'],
  );
  assert.equal(group?.tags.find((t) => t.Key === 'eci-virtual-node/node-name')?.Value, second);
});
