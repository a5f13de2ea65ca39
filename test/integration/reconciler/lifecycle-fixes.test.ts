// Lifecycle and ownership rules of the reconciler core (issue 9 fixes 1-3, issue 10 item 1)
// against the real control plane and the emulator.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { CoreV1Event } from '@kubernetes/client-node';
import { createNamespace, deleteNamespace, eventually } from '../helpers.ts';
import { eciPod, startStack, type Stack } from './stack.ts';
import { TAG_KEYS } from '../../../reconciler/ownership.ts';

let stack: Stack;
let ns: string;

before(async () => {
  stack = await startStack();
  await stack.startReconciler();
  ns = await createNamespace(stack.cp.kubeConfig, 'eci-fixes');
});

after(async () => {
  if (ns) await deleteNamespace(stack.cp.kubeConfig, ns);
  await stack?.stop();
});

const readPod = (name: string) => stack.core.readNamespacedPod({ name, namespace: ns });

async function groupsFor(podName: string) {
  return (await stack.admin.containerGroups()).filter(
    (g) =>
      g.tags.some((t) => t.Key === TAG_KEYS.podName && t.Value === podName) &&
      g.tags.some((t) => t.Key === TAG_KEYS.namespace && t.Value === ns),
  );
}

async function events(name: string): Promise<CoreV1Event[]> {
  const list = await stack.core.listNamespacedEvent({
    namespace: ns,
    fieldSelector: `involvedObject.name=${name}`,
  });
  return list.items;
}

async function gone(name: string): Promise<boolean> {
  try {
    await readPod(name);
    return false;
  } catch {
    return true;
  }
}

describe('reconciler core lifecycle', () => {
  test('a finished pod keeps its group and its logs; deleting the pod deletes the group', async () => {
    await stack.core.createNamespacedPod({
      namespace: ns,
      body: eciPod(stack, 'done', {
        restartPolicy: 'Never',
        command: ['sh', '-c', 'echo finished-output; exit 0'],
      }),
    });
    await eventually('pod Succeeded', async () => (await readPod('done')).status?.phase === 'Succeeded');
    // Several poll intervals later the group is still there, and `kubectl logs` still answers.
    await new Promise((r) => setTimeout(r, 1500));
    const [group] = await groupsFor('done');
    assert.equal(group?.status, 'Succeeded');
    const log = await stack.core.readNamespacedPodLog({ name: 'done', namespace: ns, container: 'main' });
    assert.match(log, /finished-output/);
    await stack.core.deleteNamespacedPod({ name: 'done', namespace: ns });
    await eventually('pod removed', () => gone('done'));
    await eventually('group deleted with its pod', async () => {
      const left = await groupsFor('done');
      return left.length === 0 || left.every((g) => g.status === 'Terminating');
    });
  });

  test('pod-fail-on-create-err: a create error fails the pod at once', async () => {
    await stack.core.createNamespacedPod({
      namespace: ns,
      body: eciPod(stack, 'strict', {
        annotations: {
          'k8s.aliyun.com/pod-fail-on-create-err': 'true',
          'k8s.aliyun.com/eci-security-group': 'sg-does-not-exist',
        },
      }),
    });
    const pod = await eventually('pod Failed', async () => {
      const p = await readPod('strict');
      return p.status?.phase === 'Failed' ? p : undefined;
    });
    assert.equal(pod.status?.reason, 'ProviderFailed');
    assert.match(pod.status?.message ?? '', /InvalidSecurityGroupId\.NotFound/);
  });

  test('fail-back: a refused create is retried with a growing delay the Event states', async () => {
    const before = await stack.admin.callCount('CreateContainerGroup');
    await stack.core.createNamespacedPod({
      namespace: ns,
      body: eciPod(stack, 'patient', {
        annotations: { 'k8s.aliyun.com/eci-security-group': 'sg-does-not-exist' },
      }),
    });
    // 1 s, then 2 s: at least three attempts within a few seconds, not one and Pending for ever.
    await eventually('create retried', async () =>
      (await stack.admin.callCount('CreateContainerGroup')) >= before + 3 ? true : undefined,
    );
    const pod = await readPod('patient');
    assert.equal(pod.status?.phase, 'Pending');
    assert.equal(pod.status?.reason, 'ProviderFailed');
    assert.match(pod.status?.message ?? '', /retrying in about \d+ s/);
    const failed = (await events('patient')).filter((e) => e.reason === 'ProviderFailed');
    assert.equal(failed.length, 1, 'one Event, its count bumped');
    assert.ok((failed[0]?.count ?? 0) >= 2);
  });
});

describe('missing ConfigMaps, as a kubelet reports them', () => {
  test('mandatory: Mandatory…NotFound and CreateContainerConfigError until it exists; then Running with instance annotations', async () => {
    const body = eciPod(stack, 'strict-env');
    body.spec!.containers[0]!.env = [
      { name: 'MODE', valueFrom: { configMapKeyRef: { name: 'arrives-later', key: 'mode' } } },
    ];
    await stack.core.createNamespacedPod({ namespace: ns, body });
    const event = await eventually('MandatoryConfigMapNotFound', async () =>
      (await events('strict-env')).find((e) => e.reason === 'MandatoryConfigMapNotFound'),
    );
    assert.match(event.message ?? '', /arrives-later/);
    const waiting = await eventually('container waiting with CreateContainerConfigError', async () => {
      const p = await readPod('strict-env');
      return p.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'CreateContainerConfigError'
        ? p
        : undefined;
    });
    assert.equal(waiting.status?.phase, 'Pending');
    await stack.core.createNamespacedConfigMap({
      namespace: ns,
      body: { metadata: { name: 'arrives-later' }, data: { mode: 'prod' } },
    });
    const running = await eventually(
      'Running once the ConfigMap exists',
      async () => {
        const p = await readPod('strict-env');
        return p.status?.phase === 'Running' ? p : undefined;
      },
      90_000,
    );
    // Every instance annotation is written from the group (issue 9 fix 7).
    const ann = await eventually('instance annotations', async () => {
      const a = (await readPod('strict-env')).metadata?.annotations ?? {};
      return a['k8s.aliyun.com/eci-instance-zone'] ? a : undefined;
    });
    assert.match(ann['k8s.aliyun.com/eci-instance-zone'] ?? '', /^cn-hangzhou-/);
    assert.ok(ann['k8s.aliyun.com/eci-instance-spec']);
    assert.ok(running.metadata?.annotations?.['k8s.aliyun.com/eci-instance-id']);
  });

  test('optional: Optional…NotFound, and the pod runs without it', async () => {
    const body = eciPod(stack, 'relaxed-env');
    body.spec!.containers[0]!.env = [
      { name: 'MODE', valueFrom: { configMapKeyRef: { name: 'never-there', key: 'mode', optional: true } } },
    ];
    await stack.core.createNamespacedPod({ namespace: ns, body });
    await eventually(
      'relaxed Running',
      async () => (await readPod('relaxed-env')).status?.phase === 'Running',
    );
    const event = (await events('relaxed-env')).find((e) => e.reason === 'OptionalConfigMapNotFound');
    assert.match(event?.message ?? '', /never-there/);
  });
});

describe('the create retry Event', () => {
  test('states the real next delay, which grows with each failure', async () => {
    await stack.admin.setFault({
      action: 'CreateContainerGroup',
      errorRate: 1,
      code: 'Throttling.User',
      httpStatus: 400,
    });
    try {
      await stack.core.createNamespacedPod({ namespace: ns, body: eciPod(stack, 'slowed') });
      // One Event per code, bumped: after the third failure it names the fourth delay (1, 2, 4 s).
      const event = await eventually('third Throttling', async () =>
        (await events('slowed')).find((e) => e.reason === 'Throttling' && (e.count ?? 0) >= 3),
      );
      assert.match(event.message ?? '', /retrying in about (4|8|16) s/);
    } finally {
      await stack.admin.clearFaults('CreateContainerGroup');
    }
    await eventually('slowed Running', async () => (await readPod('slowed')).status?.phase === 'Running');
  });
});

describe('container-group ownership (issue 10 item 1)', () => {
  test("a pod annotated with another pod's group id gets its own group; deleting it spares the victim", async () => {
    await stack.core.createNamespacedPod({ namespace: ns, body: eciPod(stack, 'victim') });
    const victim = await eventually('victim Running', async () => {
      const p = await readPod('victim');
      return p.status?.phase === 'Running' ? p : undefined;
    });
    const victimGroup = victim.metadata?.annotations?.['k8s.aliyun.com/eci-instance-id'];
    assert.ok(victimGroup);
    await stack.core.createNamespacedPod({
      namespace: ns,
      body: eciPod(stack, 'thief', { annotations: { 'k8s.aliyun.com/eci-instance-id': victimGroup } }),
    });
    const thief = await eventually('thief Running on a group of its own', async () => {
      const p = await readPod('thief');
      const id = p.metadata?.annotations?.['k8s.aliyun.com/eci-instance-id'];
      return p.status?.phase === 'Running' && id !== victimGroup ? p : undefined;
    });
    const ignored = (await events('thief')).find((e) => e.reason === 'InstanceIdIgnored');
    assert.match(ignored?.message ?? '', new RegExp(`${victimGroup}.*does not own`));
    assert.equal((await groupsFor('thief')).length, 1);
    assert.notEqual(thief.status?.podIP, victim.status?.podIP);
    await stack.core.deleteNamespacedPod({ name: 'thief', namespace: ns, gracePeriodSeconds: 1 });
    await eventually('thief removed', () => gone('thief'));
    const [v] = (await stack.admin.containerGroups()).filter((g) => g.containerGroupId === victimGroup);
    assert.equal(v?.status, 'Running', "the victim's group survives");
    assert.equal((await readPod('victim')).status?.phase, 'Running');
  });
});
