// The pod controller against an in-memory provider and a recording Kubernetes side:
// create, retry, terminal, wait-for-reference, delete, adopt, orphan, and the lifecycle
// and ownership rules of issues 9 and 10.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { controllerUnderTest, FakeProvider, NODE, ownedGroup, pod, T0 } from './fakes.ts';
import { ownershipTags } from '../../../../reconciler/ownership.ts';
import type { EciGroup } from '../../../../reconciler/provider/eci-client.ts';

const FAIL_FAST = { 'k8s.aliyun.com/eci-fail-strategy': 'fail-fast' };

test('create: one request with the pod UID as ClientToken, the group tracked, the annotations written', async () => {
  const { controller, tracker, kube, provider } = controllerUnderTest();
  const p = pod('web');
  tracker.setPod(p);
  assert.equal(await controller.handle('uid-web'), undefined);
  const fake = provider as FakeProvider;
  assert.equal(fake.requests.length, 1);
  assert.equal(tracker.groupOf('ns', 'web'), 'eci-1');
  assert.deepEqual(tracker.dirtyIds(), ['eci-1'], 'the poller fetches a new group on its next tick');
  const [annotate] = kube.of('annotate') as { annotations: Record<string, string> }[];
  assert.equal(annotate?.annotations['k8s.aliyun.com/eci-instance-id'], 'eci-1');
  assert.equal(annotate?.annotations['k8s.aliyun.com/eci-client-token'], 'uid-web');
  // The next pass waits for the poller; it never creates again.
  assert.equal(await controller.handle('uid-web'), undefined);
  assert.equal(fake.requests.length, 1);
});

test('retry: a retryable error comes back after the delay the provider named, and the Event says so', async () => {
  const provider = new FakeProvider();
  const { controller, tracker, kube, clock } = controllerUnderTest(provider);
  provider.nextCreate = () => ({
    kind: 'retryAfter',
    ms: 8000,
    reason: 'throttled',
    error: { category: 'throttled', retryable: true, code: 'Throttling.User', message: 'slow down' },
  });
  tracker.setPod(pod('busy'));
  assert.deepEqual(await controller.handle('uid-busy'), { requeueAfterMs: 8000 });
  const [event] = kube.events('Throttling');
  assert.match(event?.message ?? '', /Throttling\.User: slow down; retrying in about 8 s/);
  // A wake-up before the delay (an informer update) does not create early.
  clock.now = T0 + 3000;
  assert.deepEqual(await controller.handle('uid-busy'), { requeueAfterMs: 5000 });
  assert.equal(provider.requests.length, 1);
  provider.nextCreate = undefined;
  clock.now = T0 + 8000;
  await controller.handle('uid-busy');
  assert.equal(provider.requests.length, 2);
  assert.equal(tracker.groupOf('ns', 'busy'), 'eci-1');
});

test('terminal under fail-back: Pending with ProviderFailed, retried after a capped backoff', async () => {
  const provider = new FakeProvider();
  const { controller, tracker, kube, clock } = controllerUnderTest(provider);
  provider.nextCreate = () => ({
    kind: 'terminal',
    code: 'InvalidSecurityGroupId.NotFound',
    message: 'InvalidSecurityGroupId.NotFound: no such group (RequestId: r1)',
    retryInMs: 4000,
  });
  tracker.setPod(pod('invalid'));
  assert.deepEqual(await controller.handle('uid-invalid'), { requeueAfterMs: 4000 });
  const status = kube.statuses()[0]?.status as { phase?: string; reason?: string; message?: string };
  assert.equal(status.phase, 'Pending');
  assert.equal(status.reason, 'ProviderFailed');
  assert.match(status.message ?? '', /InvalidSecurityGroupId\.NotFound.*retrying in about 4 s/);
  assert.equal(kube.events('ProviderFailed').length, 1);
  // The status write comes back as an informer update: the pod is still not created again early...
  tracker.setPod({ ...pod('invalid'), status: { phase: 'Pending', reason: 'ProviderFailed' } });
  assert.deepEqual(await controller.handle('uid-invalid'), { requeueAfterMs: 4000 });
  assert.equal(provider.requests.length, 1);
  // ...but it is once the backoff is over (today's behaviour was Pending for ever).
  clock.now = T0 + 4000;
  provider.nextCreate = undefined;
  await controller.handle('uid-invalid');
  assert.equal(provider.requests.length, 2);
  assert.equal(tracker.groupOf('ns', 'invalid'), 'eci-1');
});

test('terminal under fail-fast or restartPolicy Never: the pod fails at once', async () => {
  for (const p of [pod('ff', { annotations: FAIL_FAST }), pod('never', { restartPolicy: 'Never' })]) {
    const provider = new FakeProvider();
    const { controller, tracker, kube } = controllerUnderTest(provider);
    provider.nextCreate = () => ({
      kind: 'terminal',
      code: 'InvalidParameter',
      message: 'bad',
      retryInMs: 1000,
    });
    tracker.setPod(p);
    assert.equal(await controller.handle(p.metadata!.uid!), undefined);
    const status = kube.statuses()[0]?.status as { phase?: string; reason?: string };
    assert.equal(status.phase, 'Failed', p.metadata?.name);
    assert.equal(status.reason, 'ProviderFailed');
  }
});

test('pod-fail-on-create-err: "true" fails the pod on any create error, even a retryable one', async () => {
  const provider = new FakeProvider();
  const { controller, tracker, kube } = controllerUnderTest(provider);
  provider.nextCreate = () => ({
    kind: 'retryAfter',
    ms: 1000,
    reason: 'no-stock',
    error: { category: 'no-stock', retryable: true, code: 'NoStock', message: 'no stock' },
  });
  const p = pod('strict', { annotations: { 'k8s.aliyun.com/pod-fail-on-create-err': 'true' } });
  tracker.setPod(p);
  assert.equal(await controller.handle('uid-strict'), undefined);
  const status = kube.statuses()[0]?.status as { phase?: string; message?: string };
  assert.equal(status.phase, 'Failed');
  assert.match(status.message ?? '', /NoStock/);
  assert.equal(kube.events('ProviderCreateFailed').length, 0, 'no "retrying" Event for a pod that failed');
});

test('a pod the translation rejects fails under fail-fast and is retried under fail-back', async () => {
  const args = Array.from({ length: 11 }, (_, i) => `a${i}`);
  for (const [annotations, phase] of [
    [FAIL_FAST, 'Failed'],
    [{}, 'Pending'],
  ] as const) {
    const provider = new FakeProvider();
    const { controller, tracker, kube } = controllerUnderTest(provider);
    const p = pod('untranslatable', { annotations });
    p.spec!.containers[0]!.args = args;
    tracker.setPod(p);
    const result = await controller.handle('uid-untranslatable');
    const status = kube.statuses()[0]?.status as { phase?: string; message?: string };
    assert.equal(status.phase, phase);
    assert.match(status.message ?? '', /spec\.containers\[0\]\.args/);
    assert.equal(provider.requests.length, 0, 'ECI never called');
    assert.deepEqual(result, phase === 'Pending' ? { requeueAfterMs: 1000 } : undefined);
  }
});

test('wait-for-reference: a missing ConfigMap is waited for with an Event, then the pod is created', async () => {
  const provider = new FakeProvider();
  const { controller, tracker, kube, clock } = controllerUnderTest(provider);
  const p = pod('needs-config');
  p.spec!.containers[0]!.env = [
    { name: 'MODE', valueFrom: { configMapKeyRef: { name: 'late', key: 'mode' } } },
  ];
  tracker.setPod(p);
  assert.deepEqual(await controller.handle('uid-needs-config'), { requeueAfterMs: 1000 });
  assert.match(kube.events('WaitingForReference')[0]?.message ?? '', /late/);
  assert.equal(provider.requests.length, 0);
  const waiting = kube.statuses()[0]?.status as {
    containerStatuses?: { state?: { waiting?: { reason?: string } } }[];
  };
  assert.equal(waiting.containerStatuses?.[0]?.state?.waiting?.reason, 'CreateContainerConfigError');
  clock.now = T0 + 1000;
  assert.deepEqual(
    await controller.handle('uid-needs-config'),
    { requeueAfterMs: 2000 },
    'the re-check backs off',
  );
  kube.refs = { configMaps: { late: { metadata: { name: 'late' }, data: { mode: 'prod' } } } };
  clock.now = T0 + 3000;
  await controller.handle('uid-needs-config');
  assert.equal(provider.requests.length, 1);
});

test('a subPathExpr expanding to an absolute path keeps the pod Pending in CreateContainerConfigError, never Failed', async () => {
  for (const annotations of [FAIL_FAST, {}]) {
    const provider = new FakeProvider();
    const { controller, tracker, kube } = controllerUnderTest(provider);
    const p = pod('bad-subpath', { annotations });
    p.spec!.containers[0]!.env = [{ name: 'DIR', value: '/tmp' }];
    p.spec!.containers[0]!.volumeMounts = [{ name: 'w', mountPath: '/w', subPathExpr: '$(DIR)' }];
    p.spec!.volumes = [{ name: 'w', emptyDir: {} }];
    tracker.setPod(p);
    assert.deepEqual(await controller.handle('uid-bad-subpath'), { requeueAfterMs: 1000 });
    assert.equal(provider.requests.length, 0);
    assert.match(
      kube.events('Failed')[0]?.message ?? '',
      /^Error: error SubPath `\/tmp` must not be an absolute path/,
    );
    const status = kube.statuses()[0]?.status as {
      phase?: string;
      containerStatuses?: { state?: { waiting?: { reason?: string } } }[];
    };
    // The pod stays Pending (the status patch leaves the phase alone), even under fail-fast.
    assert.equal(status.phase, undefined);
    assert.equal(status.containerStatuses?.[0]?.state?.waiting?.reason, 'CreateContainerConfigError');
  }
});

test('a pod for another OS fails with PodOSNotSupported and nothing is created, as a kubelet rejects it', async () => {
  const provider = new FakeProvider();
  const { controller, tracker, kube } = controllerUnderTest(provider);
  const p = pod('windows-pod');
  p.spec!.os = { name: 'windows' };
  tracker.setPod(p);
  await controller.handle('uid-windows-pod');
  assert.equal(provider.requests.length, 0);
  const status = kube.statuses()[0]?.status as { phase?: string; reason?: string };
  assert.deepEqual([status.phase, status.reason], ['Failed', 'PodOSNotSupported']);
  assert.equal(kube.events('PodOSNotSupported').length, 1);
});

test('missing ConfigMaps follow the kubelet: Mandatory… waits with CreateContainerConfigError, Optional… runs', async () => {
  const provider = new FakeProvider();
  const { controller, tracker, kube } = controllerUnderTest(provider);
  const p = pod('strict-config');
  p.spec!.containers[0]!.env = [
    { name: 'MODE', valueFrom: { configMapKeyRef: { name: 'absent', key: 'mode' } } },
  ];
  tracker.setPod(p);
  await controller.handle('uid-strict-config');
  assert.match(kube.events('MandatoryConfigMapNotFound')[0]?.message ?? '', /absent/);
  const status = kube.statuses()[0]?.status as {
    containerStatuses?: { state?: { waiting?: { reason?: string; message?: string } } }[];
  };
  assert.equal(status.containerStatuses?.[0]?.state?.waiting?.reason, 'CreateContainerConfigError');
  assert.match(status.containerStatuses?.[0]?.state?.waiting?.message ?? '', /absent/);
  assert.equal(provider.requests.length, 0);

  const relaxed = pod('relaxed-config');
  relaxed.spec!.containers[0]!.env = [
    { name: 'MODE', valueFrom: { configMapKeyRef: { name: 'absent', key: 'mode', optional: true } } },
  ];
  tracker.setPod(relaxed);
  await controller.handle('uid-relaxed-config');
  assert.match(
    kube.events('OptionalConfigMapNotFound').find((e) => e.uid === 'uid-relaxed-config')?.message ?? '',
    /absent/,
  );
  assert.equal(provider.requests.length, 1, 'created without it');
});

test('delete: the group is deleted, waited for, then the pod is finalized (its own UID only)', async () => {
  const provider = new FakeProvider();
  const { controller, tracker, kube } = controllerUnderTest(provider);
  const p = pod('doomed', { phase: 'Running' });
  provider.groups.set('eci-9', ownedGroup(p, 'eci-9'));
  tracker.setPod(p);
  await controller.adopt();
  tracker.setPod(pod('doomed', { phase: 'Running', deleting: new Date(T0 + 30_000) }));
  assert.deepEqual(await controller.handle('uid-doomed'), { requeueAfterMs: 0 });
  assert.deepEqual(provider.deleted, ['eci-9']);
  assert.deepEqual(
    await controller.handle('uid-doomed'),
    { requeueAfterMs: 1000 },
    'waits while it terminates',
  );
  tracker.applyGroups([ownedGroup(p, 'eci-9', 'Succeeded')]);
  await controller.handle('uid-doomed');
  assert.deepEqual(kube.of('finalize'), [{ op: 'finalize', uid: 'uid-doomed' }]);
  tracker.deletePod('uid-doomed');
  await controller.handle('uid-doomed');
  assert.equal(tracker.get('uid-doomed'), undefined, 'forgotten once the pod is gone');
  assert.equal(tracker.groupOf('ns', 'doomed'), undefined);
  assert.equal(provider.deleted.length, 1, 'deleted once');
});

test('a finished pod keeps its group while the pod exists; deleting the pod deletes it', async () => {
  const provider = new FakeProvider();
  const { controller, tracker } = controllerUnderTest(provider);
  const p = pod('job', { phase: 'Succeeded' });
  provider.groups.set('eci-7', ownedGroup(p, 'eci-7', 'Succeeded'));
  tracker.setPod(p);
  await controller.adopt();
  await controller.handle('uid-job');
  assert.deepEqual(provider.deleted, [], 'kept for kubectl logs');
  assert.equal(await controller.sweepOrphans([...provider.groups.values()]), 0, 'not an orphan either');
  assert.equal(tracker.groupOf('ns', 'job'), 'eci-7');
  tracker.deletePod('uid-job');
  await controller.handle('uid-job');
  assert.deepEqual(provider.deleted, ['eci-7']);
});

test('adopt: an existing group tagged with the pod UID is adopted, its status synced, nothing created', async () => {
  const provider = new FakeProvider();
  const { controller, tracker, kube } = controllerUnderTest(provider);
  const p = pod('survivor');
  provider.groups.set(
    'eci-5',
    Object.assign(ownedGroup(p, 'eci-5', 'Running'), { zoneId: 'cn-hangzhou-h', cpu: 2, memory: 4 }),
  );
  tracker.setPod(p);
  await controller.adopt();
  await controller.handle('uid-survivor');
  assert.equal(provider.requests.length, 0);
  const status = kube.statuses()[0]?.status as { phase?: string };
  assert.equal(status.phase, 'Running');
  const annotate = kube.of('annotate')[0] as { annotations: Record<string, string> } | undefined;
  assert.equal(annotate?.annotations['k8s.aliyun.com/eci-instance-id'], 'eci-5');
  // The instance annotations come from the group as ECI describes it (issue 9 fix 7).
  assert.equal(annotate?.annotations['k8s.aliyun.com/eci-instance-zone'], 'cn-hangzhou-h');
  assert.equal(annotate?.annotations['k8s.aliyun.com/eci-instance-spec'], '2-4Gi');
});

test("an eci-instance-id naming another pod's group is ignored with an Event; the pod gets its own group", async () => {
  const provider = new FakeProvider();
  const { controller, tracker, kube } = controllerUnderTest(provider);
  const victim = pod('victim', { phase: 'Running' });
  provider.groups.set('eci-victim', ownedGroup(victim, 'eci-victim'));
  const attacker = pod('attacker', { annotations: { 'k8s.aliyun.com/eci-instance-id': 'eci-victim' } });
  tracker.setPod(attacker);
  assert.deepEqual(await controller.handle('uid-attacker'), { requeueAfterMs: 0 });
  assert.match(kube.events('InstanceIdIgnored')[0]?.message ?? '', /eci-victim.*does not own/);
  await controller.handle('uid-attacker');
  assert.equal(provider.requests.length, 1);
  assert.equal(tracker.groupOf('ns', 'attacker'), 'eci-1');
  // Deleting the attacker deletes only its own group.
  tracker.deletePod('uid-attacker');
  await controller.handle('uid-attacker');
  assert.deepEqual(provider.deleted, ['eci-1']);
  assert.ok(provider.groups.has('eci-victim'));
});

test("an eci-instance-id naming the pod's own group (created before a restart) is adopted", async () => {
  const provider = new FakeProvider();
  const { controller, tracker } = controllerUnderTest(provider);
  const p = pod('own', { annotations: { 'k8s.aliyun.com/eci-instance-id': 'eci-own' } });
  provider.groups.set('eci-own', ownedGroup(p, 'eci-own'));
  tracker.setPod(p);
  await controller.handle('uid-own');
  assert.equal(tracker.groupOf('ns', 'own'), 'eci-own');
  assert.equal(provider.requests.length, 0);
});

test('orphan: a group whose pod is gone from the API is deleted; one whose pod exists is kept', async () => {
  const provider = new FakeProvider();
  const { controller, kube } = controllerUnderTest(provider);
  const gone = pod('gone');
  const racing = pod('racing');
  provider.groups.set('eci-gone', ownedGroup(gone, 'eci-gone'));
  provider.groups.set('eci-racing', ownedGroup(racing, 'eci-racing'));
  // The informers have not seen `racing` yet, but the API server has it.
  kube.live.set('ns/racing', 'uid-racing');
  await controller.adopt().catch(() => undefined);
  (controller as unknown as { synced: boolean }).synced = true;
  assert.equal(await controller.sweepOrphans([...provider.groups.values()]), 1);
  assert.deepEqual(provider.deleted, ['eci-gone']);
});

test('orphan sweep of one node: only that node is in scope, another node’s orphan is left for its own turn', async () => {
  const provider = new FakeProvider();
  const { controller } = controllerUnderTest(provider);
  const gone = pod('gone-here');
  const elsewhere = Object.assign(ownedGroup(pod('gone-there'), 'eci-there'), {
    tags: ownershipTags({
      clusterId: 'c1',
      nodeName: 'another-node',
      namespace: 'ns',
      podName: 'gone-there',
      podUid: 'uid-gone-there',
    }),
  });
  provider.groups.set('eci-here', ownedGroup(gone, 'eci-here'));
  (controller as unknown as { synced: boolean }).synced = true;
  assert.equal(await controller.sweepOrphans([elsewhere], 'another-node'), 0, 'not a node of this cluster');
  assert.equal(await controller.sweepOrphans([...provider.groups.values()], 'not-this-one'), 0);
  assert.deepEqual(provider.deleted, []);
  assert.equal(await controller.sweepOrphans([...provider.groups.values()], NODE), 1);
  assert.deepEqual(provider.deleted, ['eci-here']);
});

test('adopting one node lists only that node’s groups (by its tag)', async () => {
  const listed: (string | undefined)[] = [];
  const provider = new FakeProvider();
  const listOwned = provider.listOwned.bind(provider);
  provider.listOwned = (node?: string) => (listed.push(node), listOwned(node));
  const { controller } = controllerUnderTest(provider);
  await controller.adopt(NODE);
  assert.deepEqual(listed, [NODE]);
});

test('--allowed-unsafe-sysctls reaches admission: an allowed unsafe sysctl is created, others fail the pod', async () => {
  const withSysctl = (name: string, sysctl: string) => {
    const p = pod(name);
    p.spec!.securityContext = { sysctls: [{ name: sysctl, value: '1' }] };
    return p;
  };
  const { controller, tracker, kube, provider } = controllerUnderTest(new FakeProvider(), {
    allowedUnsafeSysctls: ['kernel.msg*'],
  });
  tracker.setPod(withSysctl('allowed', 'kernel.msgmax'));
  tracker.setPod(withSysctl('refused', 'net.core.somaxconn'));
  await controller.handle('uid-allowed');
  await controller.handle('uid-refused');
  assert.equal((provider as FakeProvider).requests.length, 1, 'only the allowed one reaches ECI');
  assert.equal(tracker.groupOf('ns', 'allowed'), 'eci-1');
  const refused = kube.statuses().find((s) => s.uid === 'uid-refused')?.status as { reason?: string };
  assert.equal(refused?.reason, 'SysctlForbidden');
});

test('deleting: status flows from ECI while the group terminates, and the last status is written before the pod goes', async () => {
  const provider = new FakeProvider();
  const { controller, tracker, kube } = controllerUnderTest(provider);
  const p = pod('ending', { phase: 'Running' });
  const view = (status: string, ready: boolean, state: object) =>
    ({
      ...ownedGroup(p, 'eci-5', status),
      containers: [{ name: 'main', ready, currentState: state }],
    }) as unknown as EciGroup;
  const running = { state: 'Running', startTime: '2026-01-01T00:00:01Z' };
  provider.groups.set('eci-5', view('Running', true, running));
  tracker.setPod(p);
  await controller.adopt();
  tracker.setPod(pod('ending', { phase: 'Running', deleting: new Date(T0 + 30_000) }));
  await controller.handle('uid-ending');
  assert.deepEqual(provider.deleted, ['eci-5']);
  // ECI's readiness probe fails during the grace period: Ready turns False on the pod.
  tracker.applyGroups([view('Terminating', false, running)]);
  assert.deepEqual(await controller.handle('uid-ending'), { requeueAfterMs: 1000 });
  const ready = (s: Record<string, unknown>) =>
    (s.conditions as { type: string; status: string }[] | undefined)?.find((c) => c.type === 'Ready')?.status;
  assert.equal(ready(kube.statuses().at(-1)!.status), 'False', 'readiness written while terminating');
  assert.equal(kube.of('finalize').length, 0);
  // The container ends with its exit code; then the group vanishes before another pass.
  const exited = {
    state: 'Terminated',
    exitCode: 0,
    startTime: '2026-01-01T00:00:01Z',
    finishTime: '2026-01-01T00:00:40Z',
  };
  tracker.applyGroups([view('Terminating', false, exited)]);
  tracker.markGone(['eci-5']);
  kube.calls.length = 0;
  await controller.handle('uid-ending');
  assert.deepEqual(
    kube.calls.map((c) => c.op).filter((op) => op === 'status' || op === 'finalize'),
    ['status', 'finalize'],
    'the last status first, then the pod goes',
  );
  const last = kube.statuses()[0]!.status as {
    phase?: string;
    containerStatuses?: { state: { terminated?: { exitCode: number; finishedAt?: string } } }[];
  };
  assert.equal(last.phase, 'Succeeded');
  assert.deepEqual(last.containerStatuses?.[0]?.state.terminated?.exitCode, 0);
  assert.equal(last.containerStatuses?.[0]?.state.terminated?.finishedAt, '2026-01-01T00:00:40Z');
});

test('grace over while the group still runs (a shortened grace): Force, the stop ECI reports is written, then the pod goes', async () => {
  const provider = new FakeProvider();
  const { controller, tracker, kube, clock } = controllerUnderTest(provider);
  const p = pod('sleepy', { phase: 'Running' });
  const view = (status: string, state: object) =>
    ({
      ...ownedGroup(p, 'eci-4', status),
      containers: [{ name: 'main', ready: false, currentState: state }],
    }) as unknown as EciGroup;
  const running = { state: 'Running', startTime: '2026-01-01T00:00:01Z' };
  provider.groups.set('eci-4', view('Running', running));
  tracker.setPod(p);
  await controller.adopt();
  // Deleted with 30 s; ECI runs the preStop hook within the group's own (longer) grace period.
  tracker.setPod(pod('sleepy', { phase: 'Running', deleting: new Date(T0 + 30_000) }));
  await controller.handle('uid-sleepy');
  assert.deepEqual(provider.deleted, ['eci-4']);
  assert.deepEqual(provider.forced, [], 'no Force while grace is left');
  provider.groups.set('eci-4', view('Terminating', running));
  tracker.applyGroups([view('Terminating', running)]);
  // Deleted again with 10 s at T0+5s: the API server moves the deadline to T0+15s.
  clock.now = T0 + 5_000;
  tracker.setPod(pod('sleepy', { phase: 'Running', deleting: new Date(T0 + 15_000) }));
  assert.deepEqual(await controller.handle('uid-sleepy'), { requeueAfterMs: 1000 });
  clock.now = T0 + 15_000;
  assert.deepEqual(await controller.handle('uid-sleepy'), { requeueAfterMs: 0 });
  assert.deepEqual(provider.forced, ['eci-4'], 'Force at the new deadline');
  assert.deepEqual(
    await controller.handle('uid-sleepy'),
    { requeueAfterMs: 1000 },
    'waits for ECI to report',
  );
  assert.equal(kube.of('finalize').length, 0);
  const killed = {
    state: 'Terminated',
    exitCode: 137,
    startTime: running.startTime,
    finishTime: '2026-01-01T00:00:15Z',
  };
  tracker.applyGroups([view('Terminating', killed)]);
  tracker.markGone(['eci-4']);
  kube.calls.length = 0;
  clock.now = T0 + 17_000;
  await controller.handle('uid-sleepy');
  assert.deepEqual(
    kube.calls.map((c) => c.op).filter((op) => op === 'status' || op === 'finalize'),
    ['status', 'finalize'],
  );
  const last = kube.statuses()[0]!.status as {
    containerStatuses?: { state: { terminated?: { exitCode: number; finishedAt?: string } } }[];
  };
  assert.equal(last.containerStatuses?.[0]?.state.terminated?.exitCode, 137);
  assert.equal(last.containerStatuses?.[0]?.state.terminated?.finishedAt, '2026-01-01T00:00:15Z');
  assert.equal(provider.forced.length, 1, 'forced once');
});

test('a refused Force is retried with an Event; ECI never answering, the pod goes after the settle time', async () => {
  const provider = new FakeProvider();
  const { controller, tracker, kube, clock } = controllerUnderTest(provider);
  const p = pod('stuck', { phase: 'Running' });
  provider.groups.set('eci-6', ownedGroup(p, 'eci-6'));
  tracker.setPod(p);
  await controller.adopt();
  tracker.setPod(pod('stuck', { phase: 'Running', deleting: new Date(T0 + 30_000) }));
  await controller.handle('uid-stuck');
  provider.groups.set('eci-6', ownedGroup(p, 'eci-6', 'Terminating'));
  tracker.applyGroups([ownedGroup(p, 'eci-6', 'Terminating')]);
  clock.now = T0 + 30_000;
  provider.refuseForce = Object.assign(new Error('busy'), { code: 'Throttling.User', statusCode: 400 });
  await assert.rejects(controller.handle('uid-stuck'));
  assert.match(
    kube.events('ProviderDeleteFailed')[0]?.message ?? '',
    /DeleteContainerGroup \(Force\) eci-6 failed/,
  );
  clock.now = T0 + 31_000;
  await controller.handle('uid-stuck');
  assert.deepEqual(provider.forced, ['eci-6'], 'tried again');
  clock.now = T0 + 39_000;
  assert.deepEqual(await controller.handle('uid-stuck'), { requeueAfterMs: 1000 });
  assert.equal(kube.of('finalize').length, 0);
  clock.now = T0 + 40_000;
  await controller.handle('uid-stuck');
  assert.equal(kube.of('finalize').length, 1, 'finalized once the settle time is over');
});

test('a pod force-deleted from the API (grace 0) gets its running group deleted with Force', async () => {
  const provider = new FakeProvider();
  const { controller, tracker } = controllerUnderTest(provider);
  const p = pod('gone', { phase: 'Running' });
  provider.groups.set('eci-8', ownedGroup(p, 'eci-8'));
  tracker.setPod(p);
  await controller.adopt();
  tracker.deletePod('uid-gone');
  await controller.handle('uid-gone');
  assert.deepEqual(provider.forced, ['eci-8']);
  assert.equal(tracker.get('uid-gone'), undefined, 'forgotten');
});
