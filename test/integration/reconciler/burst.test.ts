// Many pods at once, a reconciler killed mid-burst, and groups orphaned while it was down.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createNamespace, deleteNamespace, eventually } from '../helpers.ts';
import { eciPod, startStack, type Stack } from './stack.ts';
import { TAG_KEYS } from '../../../reconciler/ownership.ts';

let stack: Stack;

before(async () => {
  stack = await startStack();
});

after(async () => {
  await stack?.stop();
});

function tag(g: { tags: { Key: string; Value: string }[] }, key: string) {
  return g.tags.find((t) => t.Key === key)?.Value;
}

async function groupsIn(ns: string) {
  return (await stack.admin.containerGroups()).filter(
    (g) => tag(g, TAG_KEYS.cluster) === stack.clusterId && tag(g, TAG_KEYS.namespace) === ns,
  );
}

async function runningCount(ns: string): Promise<number> {
  const pods = await stack.core.listNamespacedPod({ namespace: ns });
  return pods.items.filter((p) => p.status?.phase === 'Running').length;
}

/** The reconciler as its own process, so it can be killed without any chance to clean up. */
function spawnReconciler(): ChildProcess {
  return spawn(
    process.execPath,
    [
      'reconciler/main.ts',
      '--node-name',
      stack.nodeName,
      '--cluster-id',
      stack.clusterId,
      '--eci-endpoint',
      stack.emu.url,
      '--vswitch-ids',
      'vsw-emu-h,vsw-emu-i',
      '--security-group-id',
      'sg-emu',
      '--credentials-secret',
      `kube-system/none-${stack.clusterId}`,
      '--profile-configmap',
      `kube-system/none-${stack.clusterId}`,
      '--health-address',
      '127.0.0.1:0',
      '--status-interval-ms',
      '300',
      '--kubelet-port',
      '0',
    ],
    {
      stdio: ['ignore', 'ignore', 'inherit'],
      env: {
        ...process.env,
        KUBECONFIG: stack.cp.kubeconfigPath,
        LOG_LEVEL: 'warn',
        ALIBABA_CLOUD_ACCESS_KEY_ID: 'emulator-access-key-id',
        ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'emulator-access-key-secret',
      },
    },
  );
}

describe('bursts and restarts', () => {
  test('50 pods created at once give exactly 50 groups, one create call each', async () => {
    await stack.startReconciler();
    const ns = await createNamespace(stack.cp.kubeConfig, 'eci-burst');
    try {
      await stack.admin.clearCalls();
      await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          stack.core.createNamespacedPod({ namespace: ns, body: eciPod(stack, `p-${i}`) }),
        ),
      );
      await eventually('50 pods Running', async () => (await runningCount(ns)) === 50, 120_000, 500);
      const groups = await groupsIn(ns);
      assert.equal(groups.length, 50);
      assert.equal(new Set(groups.map((g) => tag(g, TAG_KEYS.podUid))).size, 50, 'one group per pod UID');
      assert.equal(await stack.admin.callCount('CreateContainerGroup'), 50);
      const calls = await stack.admin.calls();
      // Status comes from batched polling, not a describe per pod per tick.
      assert.ok(
        (calls.DescribeContainerGroups ?? 0) < 50,
        `DescribeContainerGroups calls: ${calls.DescribeContainerGroups}`,
      );
    } finally {
      await stack.stopReconciler();
      await deleteNamespace(stack.cp.kubeConfig, ns);
    }
  });

  test('a reconciler killed mid-burst and restarted makes no duplicate and leaves no orphan', async () => {
    const ns = await createNamespace(stack.cp.kubeConfig, 'eci-kill');
    let child = spawnReconciler();
    try {
      await Promise.all(
        Array.from({ length: 30 }, (_, i) =>
          stack.core.createNamespacedPod({ namespace: ns, body: eciPod(stack, `k-${i}`) }),
        ),
      );
      await eventually('some groups created', async () => (await groupsIn(ns)).length >= 5, 60_000, 50);
      child.kill('SIGKILL');
      await once(child, 'exit');
      child = spawnReconciler();
      await eventually('30 pods Running', async () => (await runningCount(ns)) === 30, 120_000, 500);
      const groups = await groupsIn(ns);
      const pods = await stack.core.listNamespacedPod({ namespace: ns });
      const uids = new Set(pods.items.map((p) => p.metadata?.uid));
      assert.equal(groups.length, 30, 'no duplicate');
      assert.ok(
        groups.every((g) => uids.has(tag(g, TAG_KEYS.podUid))),
        'no orphan',
      );
      for (const p of pods.items) {
        const id = p.metadata?.annotations?.['k8s.aliyun.com/eci-instance-id'];
        assert.ok(
          groups.some((g) => g.containerGroupId === id),
          `${p.metadata?.name} points at its group`,
        );
      }
    } finally {
      child.kill('SIGTERM');
      if (child.exitCode === null) await once(child, 'exit');
      await deleteNamespace(stack.cp.kubeConfig, ns);
    }
  });

  test('a group whose pod was deleted while the reconciler was down is swept', async () => {
    const ns = await createNamespace(stack.cp.kubeConfig, 'eci-orphan');
    try {
      await stack.startReconciler();
      await stack.core.createNamespacedPod({ namespace: ns, body: eciPod(stack, 'keep') });
      await stack.core.createNamespacedPod({ namespace: ns, body: eciPod(stack, 'lost') });
      await eventually('both Running', async () => (await runningCount(ns)) === 2, 60_000);
      await stack.stopReconciler();
      // Force-deleted: no reconciler saw it go.
      await stack.core.deleteNamespacedPod({ name: 'lost', namespace: ns, gracePeriodSeconds: 0 });
      const lostGroup = (await groupsIn(ns)).find((g) => tag(g, TAG_KEYS.podName) === 'lost');
      assert.equal(lostGroup?.status, 'Running');
      await stack.startReconciler();
      await eventually('orphan deleted', async () => {
        const g = (await groupsIn(ns)).find((x) => x.containerGroupId === lostGroup?.containerGroupId);
        return g === undefined || g.status === 'Terminating';
      });
      const kept = (await groupsIn(ns)).find((g) => tag(g, TAG_KEYS.podName) === 'keep');
      assert.equal(kept?.status, 'Running', 'the group of a live pod is never swept');
    } finally {
      await stack.stopReconciler();
      await deleteNamespace(stack.cp.kubeConfig, ns);
    }
  });
});
