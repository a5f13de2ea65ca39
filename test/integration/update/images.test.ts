// In-place image changes: `kubectl set image` on an ECI pod becomes one UpdateContainerGroup,
// the group runs the new image, and the pod status reports what the group runs.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createNamespace, deleteNamespace, eventually } from '../helpers.ts';
import { eciPod, startStack, type Stack } from '../reconciler/stack.ts';
import { TAG_KEYS } from '../../../reconciler/ownership.ts';

const run = promisify(execFile);
let stack: Stack;
let ns: string;

before(async () => {
  stack = await startStack();
  await stack.startReconciler();
  ns = await createNamespace(stack.cp.kubeConfig, 'eci-update');
});

after(async () => {
  if (ns) await deleteNamespace(stack.cp.kubeConfig, ns);
  await stack?.stop();
});

function kubectl(...args: string[]) {
  return run(stack.cp.kubectlPath, ['--kubeconfig', stack.cp.kubeconfigPath, '-n', ns, ...args]);
}

async function groupOf(podName: string) {
  const all = await stack.admin.containerGroups();
  return all.find(
    (g) =>
      g.tags.some((t) => t.Key === TAG_KEYS.podName && t.Value === podName) &&
      g.tags.some((t) => t.Key === TAG_KEYS.namespace && t.Value === ns),
  );
}

describe('in-place updates', () => {
  test('kubectl set image → one UpdateContainerGroup, the group runs the new image, the status follows', async () => {
    await stack.core.createNamespacedPod({
      namespace: ns,
      body: eciPod(stack, 'web', { image: 'nginx:1.27', command: ['sh', '-c', 'sleep 3600'] }),
    });
    await eventually('web Running', async () => {
      const p = await stack.core.readNamespacedPod({ name: 'web', namespace: ns });
      return p.status?.phase === 'Running' && p.status.containerStatuses?.[0]?.ready;
    });
    const before = await stack.admin.callCount('UpdateContainerGroup');

    await kubectl('set', 'image', 'pod/web', 'main=nginx:1.28');

    const pod = await eventually('status shows the new image, running again', async () => {
      const p = await stack.core.readNamespacedPod({ name: 'web', namespace: ns });
      const c = p.status?.containerStatuses?.[0];
      return p.status?.phase === 'Running' && c?.image === 'nginx:1.28' && c.state?.running ? p : undefined;
    });
    const group = await groupOf('web');
    assert.equal(group?.request.Container[0]?.Image, 'nginx:1.28', 'the emulator stores the new image');
    assert.equal(group?.status, 'Running');
    // The container was recreated on the new image: ECI counts it as a restart.
    assert.ok((pod.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 1);
    // Let a few more status syncs pass: the change is never sent twice.
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal((await stack.admin.callCount('UpdateContainerGroup')) - before, 1);
    const events = await stack.core.listNamespacedEvent({
      namespace: ns,
      fieldSelector: 'involvedObject.name=web,reason=InPlaceUpdate',
    });
    assert.match(events.items[0]?.message ?? '', /main=nginx:1\.28/);
  });
  test('a shortened activeDeadlineSeconds ends the running pod as a kubelet does (DeadlineExceeded)', async () => {
    await stack.core.createNamespacedPod({
      namespace: ns,
      body: eciPod(stack, 'bounded', { command: ['sh', '-c', 'sleep 3600'] }),
    });
    await eventually('bounded Running', async () => {
      const p = await stack.core.readNamespacedPod({ name: 'bounded', namespace: ns });
      return p.status?.phase === 'Running';
    });
    // UpdateContainerGroup cannot carry it: the reconciler enforces it (15 s grace for ECI).
    await kubectl('patch', 'pod', 'bounded', '--type', 'merge', '-p', '{"spec":{"activeDeadlineSeconds":1}}');
    const failed = await eventually('bounded Failed', async () => {
      const p = await stack.core.readNamespacedPod({ name: 'bounded', namespace: ns });
      return p.status?.phase === 'Failed' ? p : undefined;
    });
    assert.equal(failed.status?.reason, 'DeadlineExceeded');
    await eventually('its group deleted', async () => {
      const g = await groupOf('bounded');
      return !g || g.status === 'Terminating';
    });
  });
  test('kubectl debug (an ephemeral container) is not applied, with an Event naming the field', async () => {
    await stack.core.createNamespacedPod({
      namespace: ns,
      body: eciPod(stack, 'debugged', { command: ['sh', '-c', 'sleep 3600'] }),
    });
    await eventually('debugged Running', async () => {
      const p = await stack.core.readNamespacedPod({ name: 'debugged', namespace: ns });
      return p.status?.phase === 'Running';
    });
    await kubectl('debug', 'pod/debugged', '--image=busybox:1.37', '--container=dbg');
    const event = await eventually('ChangeNotApplied Event', async () => {
      const list = await stack.core.listNamespacedEvent({
        namespace: ns,
        fieldSelector: 'involvedObject.name=debugged,reason=ChangeNotApplied',
      });
      return list.items[0];
    });
    assert.match(event.message ?? '', /^spec\.ephemeralContainers\[dbg\]: /);
    assert.equal(event.count ?? 1, 1, 'told once, not on every pass');
    const group = await groupOf('debugged');
    assert.deepEqual(
      group?.request.Container.map((c) => c.Name),
      ['main'],
    );
  });
});
