// The pod lifecycle against the real control plane and the emulator: create, status,
// exit codes, Jobs, delete, throttling and terminal errors.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { BatchV1Api, type CoreV1Event } from '@kubernetes/client-node';
import { createNamespace, deleteNamespace, eventually } from '../helpers.ts';
import { eciPod, startStack, type Stack } from './stack.ts';
import { TAG_KEYS } from '../../../reconciler/ownership.ts';

let stack: Stack;
let ns: string;

before(async () => {
  stack = await startStack();
  await stack.startReconciler();
  ns = await createNamespace(stack.cp.kubeConfig, 'eci-life');
});

after(async () => {
  if (ns) await deleteNamespace(stack.cp.kubeConfig, ns);
  await stack?.stop();
});

async function readPod(name: string) {
  return stack.core.readNamespacedPod({ name, namespace: ns });
}

async function groupsFor(podName: string) {
  const all = await stack.admin.containerGroups();
  return all.filter(
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

describe('pod lifecycle on the virtual node', () => {
  test('a pod goes Pending → Running with podIP, annotations and conditions', async () => {
    await stack.core.createNamespacedPod({ namespace: ns, body: eciPod(stack, 'web') });
    const pod = await eventually('pod Running', async () => {
      const p = await readPod('web');
      return p.status?.phase === 'Running' ? p : undefined;
    });
    assert.equal(pod.spec?.nodeName, stack.nodeName);
    assert.match(pod.status?.podIP ?? '', /^172\.16\.\d+\.\d+$/);
    assert.equal(pod.status?.hostIP, pod.status?.podIP);
    const ann = pod.metadata?.annotations ?? {};
    assert.match(ann['k8s.aliyun.com/eci-instance-id'] ?? '', /^eci-/);
    assert.equal(ann['k8s.aliyun.com/eci-client-token'], pod.metadata?.uid);
    assert.ok(ann['k8s.aliyun.com/eci-request-id']);
    const cond = (t: string) => pod.status?.conditions?.find((c) => c.type === t)?.status;
    assert.equal(cond('Ready'), 'True');
    assert.equal(cond('ContainersReady'), 'True');
    assert.equal(cond('ContainerInstanceCreated'), 'True');
    assert.equal(pod.status?.containerStatuses?.[0]?.ready, true);
    assert.ok(pod.status?.containerStatuses?.[0]?.state?.running);
    const groups = await groupsFor('web');
    assert.equal(groups.length, 1);
    assert.equal(groups[0]?.containerGroupId, ann['k8s.aliyun.com/eci-instance-id']);
    assert.equal(groups[0]?.request.ClientToken, pod.metadata?.uid);
  });

  test('ECI events are relayed once each, and an unchanged status is not written again', async () => {
    const relayed = await eventually('ECI events relayed on the pod', async () => {
      const list = (await events('web')).filter(
        (e) => e.source?.component === 'eci-virtual-node' && e.reason !== 'TranslationWarning',
      );
      return list.length > 0 ? list : undefined;
    });
    const before = await readPod('web');
    // Several poll intervals (300 ms) pass: the group does not change, so neither may the pod.
    await new Promise((r) => setTimeout(r, 2000));
    const after = await readPod('web');
    assert.equal(after.metadata?.resourceVersion, before.metadata?.resourceVersion);
    const again = (await events('web')).filter(
      (e) => e.source?.component === 'eci-virtual-node' && e.reason !== 'TranslationWarning',
    );
    const keys = again.map((e) => `${e.reason}|${e.message}`);
    assert.equal(new Set(keys).size, keys.length, `no event relayed twice: ${keys.join(', ')}`);
    assert.ok(again.length >= relayed.length);
  });

  test('a container that exits 1 with restartPolicy Never ends Failed with the exit code', async () => {
    await stack.core.createNamespacedPod({
      namespace: ns,
      body: eciPod(stack, 'fails', { restartPolicy: 'Never', command: ['sh', '-c', 'echo hi; exit 1'] }),
    });
    const pod = await eventually('pod Failed', async () => {
      const p = await readPod('fails');
      return p.status?.phase === 'Failed' ? p : undefined;
    });
    assert.equal(pod.status?.containerStatuses?.[0]?.state?.terminated?.exitCode, 1);
    // The finished pod keeps its status and its group (issue 9 fix 1: logs stay readable);
    // the group goes with the pod (lifecycle-fixes.test.ts).
    await new Promise((r) => setTimeout(r, 1500));
    const groups = await groupsFor('fails');
    assert.equal(groups.length, 1);
    assert.equal(groups[0]?.status, 'Failed');
    assert.equal((await readPod('fails')).status?.phase, 'Failed');
  });

  test('a Job whose pod exits 0 completes', async () => {
    const batch = stack.cp.kubeConfig.makeApiClient(BatchV1Api);
    const template = eciPod(stack, 'unused', { restartPolicy: 'Never', command: ['sh', '-c', 'echo done'] });
    await batch.createNamespacedJob({
      namespace: ns,
      body: {
        metadata: { name: 'once' },
        spec: { backoffLimit: 0, template: { spec: template.spec } },
      },
    });
    const job = await eventually(
      'Job complete',
      async () => {
        const j = await batch.readNamespacedJob({ name: 'once', namespace: ns });
        return j.status?.succeeded === 1 ? j : undefined;
      },
      90_000,
    );
    assert.ok(job.status?.conditions?.some((c) => c.type === 'Complete' && c.status === 'True'));
  });

  test('deleting a pod deletes its container group, then the pod goes away', async () => {
    await stack.core.createNamespacedPod({ namespace: ns, body: eciPod(stack, 'doomed') });
    const pod = await eventually('doomed Running', async () => {
      const p = await readPod('doomed');
      return p.status?.phase === 'Running' ? p : undefined;
    });
    const id = pod.metadata?.annotations?.['k8s.aliyun.com/eci-instance-id'];
    const deletesBefore = await stack.admin.callCount('DeleteContainerGroup');
    await stack.core.deleteNamespacedPod({ name: 'doomed', namespace: ns, gracePeriodSeconds: 5 });
    await eventually('pod removed from the API', async () => {
      try {
        await readPod('doomed');
        return false;
      } catch {
        return true;
      }
    });
    assert.equal(await stack.admin.callCount('DeleteContainerGroup'), deletesBefore + 1);
    const left = (await stack.admin.containerGroups()).filter((g) => g.containerGroupId === id);
    assert.ok(left.length === 0 || left[0]?.status === 'Terminating', `group ${id} still ${left[0]?.status}`);
  });

  test('a deleted pod shows its containers ending, then its last status, before it goes', async () => {
    // A finalizer keeps the pod object readable after the reconciler has let it go (as the e2e
    // sleep-action specs do), so the last status written can be read back.
    const body = eciPod(stack, 'ending');
    body.metadata!.finalizers = ['test.eci-virtual-node/keep'];
    await stack.core.createNamespacedPod({ namespace: ns, body });
    await eventually('ending Running and Ready', async () => {
      const p = await readPod('ending');
      return p.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True' ? p : undefined;
    });
    await stack.core.deleteNamespacedPod({ name: 'ending', namespace: ns, gracePeriodSeconds: 5 });
    try {
      const last = await eventually('the last status written', async () => {
        const p = await readPod('ending');
        const phase = p.status?.phase;
        return phase === 'Succeeded' || phase === 'Failed' ? p : undefined;
      });
      assert.ok(last.metadata?.deletionTimestamp);
      const main = last.status?.containerStatuses?.[0];
      assert.ok(main?.state?.terminated, `container ended: ${JSON.stringify(main?.state)}`);
      assert.equal(typeof main?.state?.terminated?.exitCode, 'number');
      assert.equal(main?.ready, false);
      assert.equal(last.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'False');
    } finally {
      const p = await readPod('ending');
      p.metadata!.finalizers = [];
      await stack.core.replaceNamespacedPod({ name: 'ending', namespace: ns, body: p });
    }
    await eventually('pod removed once its finalizer is', async () => {
      try {
        await readPod('ending');
        return false;
      } catch {
        return true;
      }
    });
  });

  test('a create that hits Throttling is retried with an Event and still makes one group', async () => {
    await stack.admin.setFault({
      action: 'CreateContainerGroup',
      errorRate: 1,
      code: 'Throttling.User',
      httpStatus: 400,
    });
    try {
      await stack.core.createNamespacedPod({ namespace: ns, body: eciPod(stack, 'throttled') });
      const warning = await eventually('Throttling event', async () =>
        (await events('throttled')).find((e) => e.reason === 'Throttling'),
      );
      assert.match(warning.message ?? '', /Throttling\.User/);
      assert.equal(warning.type, 'Warning');
    } finally {
      await stack.admin.clearFaults('CreateContainerGroup');
    }
    await eventually(
      'throttled pod Running',
      async () => (await readPod('throttled')).status?.phase === 'Running',
    );
    assert.equal((await groupsFor('throttled')).length, 1);
  });

  test('a spec ECI rejects leaves the pod Pending with ProviderFailed and the ECI code in an Event', async () => {
    await stack.core.createNamespacedPod({
      namespace: ns,
      body: eciPod(stack, 'invalid', {
        annotations: { 'k8s.aliyun.com/eci-security-group': 'sg-does-not-exist' },
      }),
    });
    const event = await eventually('ProviderFailed event', async () =>
      (await events('invalid')).find((e) => e.reason === 'ProviderFailed'),
    );
    assert.match(event.message ?? '', /InvalidSecurityGroupId\.NotFound/);
    assert.match(event.message ?? '', /RequestId: /);
    const pod = await eventually('pod status ProviderFailed', async () => {
      const p = await readPod('invalid');
      return p.status?.reason === 'ProviderFailed' ? p : undefined;
    });
    assert.equal(pod.status?.phase, 'Pending');
    assert.match(pod.status?.message ?? '', /InvalidSecurityGroupId\.NotFound/);
    assert.equal((await groupsFor('invalid')).length, 0);
  });

  test('a pod the translation rejects fails fast under restartPolicy Never, naming the field', async () => {
    const args = Array.from({ length: 11 }, (_, i) => `a${i}`);
    const creates = await stack.admin.callCount('CreateContainerGroup');
    await stack.core.createNamespacedPod({
      namespace: ns,
      body: eciPod(stack, 'untranslatable', { args, restartPolicy: 'Never' }),
    });
    const pod = await eventually('pod Failed', async () => {
      const p = await readPod('untranslatable');
      return p.status?.phase === 'Failed' ? p : undefined;
    });
    assert.equal(pod.status?.reason, 'ProviderFailed');
    assert.match(pod.status?.message ?? '', /spec\.containers\[0\]\.args/);
    const event = (await events('untranslatable')).find((e) => e.reason === 'ProviderFailed');
    assert.match(event?.message ?? '', /spec\.containers\[0\]\.args/);
    assert.equal(await stack.admin.callCount('CreateContainerGroup'), creates, 'ECI never called');
  });

  test('NoStock in every zone is retried with an Event until a zone has stock again', async () => {
    await stack.admin.setStock('cn-hangzhou-h', true);
    await stack.admin.setStock('cn-hangzhou-i', true);
    try {
      await stack.core.createNamespacedPod({ namespace: ns, body: eciPod(stack, 'nostock') });
      const warning = await eventually('no-stock event', async () =>
        (await events('nostock')).find((e) => e.reason === 'ProviderCreateFailed'),
      );
      assert.match(warning.message ?? '', /NoStock/);
      assert.match(warning.message ?? '', /next vSwitch/);
      assert.equal((await readPod('nostock')).status?.phase, 'Pending');
    } finally {
      await stack.admin.setStock('cn-hangzhou-i', false);
    }
    await eventually('pod Running once cn-hangzhou-i has stock', async () => {
      return (await readPod('nostock')).status?.phase === 'Running';
    });
    const groups = await groupsFor('nostock');
    assert.equal(groups.length, 1);
    assert.equal(groups[0]?.zoneId, 'cn-hangzhou-i');
    await stack.admin.setStock('cn-hangzhou-h', false);
  });

  test('kubectl logs works through the virtual node (DescribeContainerLog)', async () => {
    await stack.core.createNamespacedPod({
      namespace: ns,
      body: eciPod(stack, 'talker', { command: ['sh', '-c', 'echo hello-from-eci; sleep 3600'] }),
    });
    await eventually('talker Running', async () => (await readPod('talker')).status?.phase === 'Running');
    const log = await eventually('log line through the API server', async () => {
      const text = await stack.core.readNamespacedPodLog({
        name: 'talker',
        namespace: ns,
        container: 'main',
      });
      return text.includes('hello-from-eci') ? text : undefined;
    });
    assert.match(log, /hello-from-eci/);
    assert.ok((await stack.admin.callCount('DescribeContainerLog')) >= 1);
  });

  test('a pod whose ConfigMap does not exist yet waits with an Event, then runs once it exists', async () => {
    const body = eciPod(stack, 'needs-config');
    body.spec!.containers[0]!.env = [
      { name: 'MODE', valueFrom: { configMapKeyRef: { name: 'late-config', key: 'mode' } } },
    ];
    await stack.core.createNamespacedPod({ namespace: ns, body });
    const waiting = await eventually('WaitingForReference event', async () =>
      (await events('needs-config')).find((e) => e.reason === 'WaitingForReference'),
    );
    assert.match(waiting.message ?? '', /late-config/);
    assert.equal((await readPod('needs-config')).status?.phase, 'Pending');
    assert.equal((await groupsFor('needs-config')).length, 0);
    await stack.core.createNamespacedConfigMap({
      namespace: ns,
      body: { metadata: { name: 'late-config' }, data: { mode: 'prod' } },
    });
    await eventually(
      'pod Running once the ConfigMap exists',
      async () => (await readPod('needs-config')).status?.phase === 'Running',
      90_000,
    );
  });
});

describe('generic ephemeral volumes', () => {
  test('the pod runs once the `<pod>-<volume>` claim the KCM creates is bound', async () => {
    // A static NFS volume the template's claim is pre-bound to, so no provisioner is needed.
    const pvName = `${ns}-scratch`;
    await stack.core.createPersistentVolume({
      body: {
        metadata: { name: pvName },
        spec: {
          capacity: { storage: '1Gi' },
          accessModes: ['ReadWriteOnce'],
          storageClassName: '',
          nfs: { server: 'nas.example.internal', path: '/scratch' },
        },
      },
    });
    try {
      const body = eciPod(stack, 'ephemeral');
      body.spec!.volumes = [
        {
          name: 'scratch',
          ephemeral: {
            volumeClaimTemplate: {
              spec: {
                accessModes: ['ReadWriteOnce'],
                storageClassName: '',
                volumeName: pvName,
                resources: { requests: { storage: '1Gi' } },
              },
            },
          },
        },
      ];
      body.spec!.containers[0]!.volumeMounts = [{ name: 'scratch', mountPath: '/scratch' }];
      await stack.core.createNamespacedPod({ namespace: ns, body });
      await eventually(
        'pod with an ephemeral volume Running',
        async () => (await readPod('ephemeral')).status?.phase === 'Running',
        90_000,
      );
      const [group] = await groupsFor('ephemeral');
      const volumes = (group?.request.Volume ?? []) as Array<{
        Name?: string;
        Type?: string;
        NFSVolume?: { Server?: string; Path?: string };
      }>;
      const volume = volumes.find((v) => v.Name === 'scratch');
      assert.equal(volume?.Type, 'NFSVolume');
      assert.equal(volume?.NFSVolume?.Server, 'nas.example.internal');
      assert.equal(volume?.NFSVolume?.Path, '/scratch');
    } finally {
      await stack.core.deletePersistentVolume({ name: pvName }).catch(() => undefined);
    }
  });
});
