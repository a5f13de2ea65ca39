import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Pod } from '@kubernetes/client-node';
import {
  boundedMessage,
  canonical,
  containerId,
  MAX_MESSAGE_BYTES,
  podStatusForMissingReferences,
  isTerminalStatus,
  mapContainerState,
  phaseOf,
  podStatusFromGroup,
  rfc3339,
  statusDiff,
  type EciGroupView,
} from '../../../reconciler/status.ts';

const NOW = new Date('2026-01-01T00:00:10.123Z');

function pod(extra: Partial<NonNullable<V1Pod['spec']>> = {}, status?: V1Pod['status']): V1Pod {
  return {
    metadata: { name: 'p', namespace: 'ns', uid: 'u1' },
    spec: { containers: [{ name: 'app', image: 'nginx:1.27' }], ...extra },
    status,
  };
}

const running = (name: string, extra: object = {}) => ({
  name,
  ready: true,
  restartCount: 0,
  currentState: { state: 'Running', startTime: '2026-01-01T00:00:05Z' },
  ...extra,
});

test('every documented ECI status maps to the phase of Alibaba’s table', () => {
  const table: Record<string, string> = {
    Scheduling: 'Pending',
    Pending: 'Pending',
    Running: 'Running',
    Restarting: 'Pending',
    Updating: 'Pending',
    Terminating: 'Running',
    Succeeded: 'Succeeded',
    Failed: 'Failed',
    Expired: 'Failed',
    ScheduleFailed: 'Failed',
  };
  for (const [status, phase] of Object.entries(table)) {
    assert.equal(phaseOf(status), phase, status);
    // Its container started, as ECI's Running says they are (the kubelet rule below needs it).
    const group = { status, containerGroupId: 'eci-1', containers: [running('app')] };
    assert.equal(podStatusFromGroup(pod(), group, NOW).phase, phase, status);
    assert.equal(isTerminalStatus(status), phase === 'Succeeded' || phase === 'Failed', status);
  }
  assert.equal(phaseOf(undefined), 'Pending');
  assert.equal(phaseOf('SomethingNew'), 'Pending');
});

test("the kubelet rule over ECI's Running: an app container not started yet (waiting, never terminated) keeps the pod Pending", () => {
  const waiting = (name: string) => ({
    name,
    ready: false,
    restartCount: 0,
    currentState: { state: 'Waiting', reason: 'ContainerCreating' },
  });
  const backoff = (name: string) => ({
    ...waiting(name),
    restartCount: 1,
    currentState: { state: 'Waiting', reason: 'CrashLoopBackOff' },
    previousState: {
      state: 'Terminated',
      exitCode: 1,
      startTime: '2026-01-01T00:00:05Z',
      finishTime: '2026-01-01T00:00:06Z',
    },
  });
  const two = pod({
    containers: [
      { name: 'app', image: 'nginx:1.27' },
      { name: 'side', image: 'busybox' },
    ],
  });
  const cases: Array<[string, string, EciGroupView['containers'], string]> = [
    ['the only container being created', 'Running', [waiting('app'), waiting('side')], 'Pending'],
    ['one running, one being created', 'Running', [running('app'), waiting('side')], 'Pending'],
    ['no container described yet', 'Running', [], 'Pending'],
    ['both running', 'Running', [running('app'), running('side')], 'Running'],
    ['one restarting after an exit (it ran before)', 'Running', [running('app'), backoff('side')], 'Running'],
    ['Terminating, both running', 'Terminating', [running('app'), running('side')], 'Running'],
    ['Terminating, one never started', 'Terminating', [running('app'), waiting('side')], 'Pending'],
    ['a terminal group is left as ECI says', 'Failed', [waiting('app'), waiting('side')], 'Failed'],
    ['Pending stays Pending', 'Pending', [running('app'), running('side')], 'Pending'],
  ];
  for (const [what, status, containers, phase] of cases) {
    const s = podStatusFromGroup(two, { status, containerGroupId: 'eci-1', containers }, NOW);
    assert.equal(s.phase, phase, what);
  }
  // Started before, by ECI's restart count or by what the pod's status already said: never back to Pending.
  const restarted = { ...waiting('side'), restartCount: 2 };
  assert.equal(
    podStatusFromGroup(
      two,
      { status: 'Running', containerGroupId: 'eci-1', containers: [running('app'), restarted] },
      NOW,
    ).phase,
    'Running',
    'ECI says it restarted, with no previous state',
  );
  const said = pod(
    { containers: two.spec!.containers },
    {
      phase: 'Running',
      containerStatuses: [
        {
          name: 'app',
          image: 'nginx:1.27',
          imageID: '',
          ready: true,
          restartCount: 0,
          state: { running: {} },
        },
        { name: 'side', image: 'busybox', imageID: '', ready: true, restartCount: 0, state: { running: {} } },
      ],
    },
  );
  assert.equal(
    podStatusFromGroup(
      said,
      { status: 'Running', containerGroupId: 'eci-1', containers: [running('app'), waiting('side')] },
      NOW,
    ).phase,
    'Running',
    'the pod status already showed it running',
  );
  // Pending by this rule, the pod keeps ECI's view of the rest: startTime set, init containers done.
  const withSidecar = pod({
    initContainers: [{ name: 'sc', image: 'busybox', restartPolicy: 'Always' }],
    containers: [{ name: 'app', image: 'nginx:1.27' }],
  });
  const s = podStatusFromGroup(
    withSidecar,
    { status: 'Running', containerGroupId: 'eci-1', containers: [running('sc'), waiting('app')] },
    NOW,
  );
  assert.equal(s.phase, 'Pending');
  assert.equal(s.startTime, '2026-01-01T00:00:05Z');
  assert.equal(s.conditions.find((c) => c.type === 'Initialized')?.status, 'True');
});

test('container states: Running, Terminated, Waiting and the legacy spellings', () => {
  assert.deepEqual(mapContainerState({ state: 'Running', startTime: '2026-01-01T00:00:05Z' }, 'id'), {
    running: { startedAt: '2026-01-01T00:00:05Z' },
  });
  assert.deepEqual(
    mapContainerState(
      {
        state: 'Terminated',
        exitCode: 3,
        reason: 'Error',
        startTime: '2026-01-01T00:00:05Z',
        finishTime: '2026-01-01T00:00:06Z',
      },
      'eci://x',
    ),
    {
      terminated: {
        exitCode: 3,
        reason: 'Error',
        startedAt: '2026-01-01T00:00:05Z',
        finishedAt: '2026-01-01T00:00:06Z',
        containerID: 'eci://x',
      },
    },
  );
  assert.deepEqual(mapContainerState({ state: 'Terminated', exitCode: 0 }, undefined), {
    terminated: { exitCode: 0, reason: 'Completed' },
  });
  assert.deepEqual(mapContainerState({ state: 'Terminated', exitCode: 137, signal: 9 }, undefined), {
    terminated: { exitCode: 137, signal: 9, reason: 'Error' },
  });
  assert.deepEqual(
    mapContainerState({ state: 'Terminated', exitCode: 1, detailStatus: 'OOMKilled' }, undefined),
    {
      terminated: { exitCode: 1, reason: 'OOMKilled' },
    },
  );
  assert.deepEqual(mapContainerState({ state: 'Succeeded' }, undefined), {
    terminated: { exitCode: 0, reason: 'Completed' },
  });
  assert.deepEqual(mapContainerState({ state: 'Failed' }, undefined), {
    terminated: { exitCode: 1, reason: 'Error' },
  });
  assert.deepEqual(mapContainerState({ state: 'Canceled', exitCode: 2 }, undefined), {
    terminated: { exitCode: 2, reason: 'Error' },
  });
  assert.deepEqual(
    mapContainerState({ state: 'Waiting', reason: 'ErrImagePull', message: 'pull failed' }, undefined),
    { waiting: { reason: 'ErrImagePull', message: 'pull failed' } },
  );
  assert.deepEqual(mapContainerState({ state: 'Waiting', detailStatus: 'PodInitializing' }, undefined), {
    waiting: { reason: 'PodInitializing' },
  });
  assert.deepEqual(mapContainerState({ state: 'Waiting' }, undefined), { waiting: { reason: 'Waiting' } });
  assert.deepEqual(mapContainerState(undefined, undefined), { waiting: { reason: 'ContainerCreating' } });
  assert.deepEqual(mapContainerState({ state: '' }, undefined, 'Scheduling'), {
    waiting: { reason: 'Scheduling' },
  });
  // An unparsable time is left out rather than invented.
  assert.deepEqual(mapContainerState({ state: 'Running', startTime: 'garbage' }, undefined), { running: {} });
});

test('a running group gives Running, ready conditions, IPs and container statuses', () => {
  const group: EciGroupView = {
    containerGroupId: 'eci-abc',
    status: 'Running',
    intranetIp: '192.168.1.7',
    creationTime: '2026-01-01T00:00:01Z',
    containers: [running('app')],
  };
  const s = podStatusFromGroup(pod(), group, NOW);
  assert.equal(s.phase, 'Running');
  assert.equal(s.podIP, '192.168.1.7');
  assert.deepEqual(s.podIPs, [{ ip: '192.168.1.7' }]);
  assert.equal(s.hostIP, '192.168.1.7');
  assert.equal(s.startTime, '2026-01-01T00:00:05Z');
  assert.deepEqual(
    s.conditions.map((c) => [c.type, c.status, c.lastTransitionTime]),
    [
      ['PodScheduled', 'True', '2026-01-01T00:00:10Z'],
      ['Initialized', 'True', '2026-01-01T00:00:10Z'],
      ['ContainersReady', 'True', '2026-01-01T00:00:10Z'],
      ['Ready', 'True', '2026-01-01T00:00:10Z'],
    ],
  );
  assert.deepEqual(s.containerStatuses, [
    {
      name: 'app',
      image: 'nginx:1.27',
      containerID: containerId('eci-abc', 'app'),
      ready: true,
      started: true,
      restartCount: 0,
      state: { running: { startedAt: '2026-01-01T00:00:05Z' } },
      lastState: {},
    },
  ]);
  assert.match(containerId('eci-abc', 'app'), /^eci:\/\/[0-9a-f]{64}$/);
  assert.equal(containerId('eci-abc', 'app'), containerId('ECI-ABC', 'APP'), 'upper-cased before hashing');
});

test('a pending group: containers waiting, not ready, no IP, no start time', () => {
  const s = podStatusFromGroup(pod(), { containerGroupId: 'eci-1', status: 'Scheduling' }, NOW);
  assert.equal(s.phase, 'Pending');
  assert.equal(s.podIP, undefined);
  assert.equal(s.startTime, undefined);
  assert.deepEqual(s.containerStatuses[0]?.state, { waiting: { reason: 'Scheduling' } });
  assert.equal(s.containerStatuses[0]?.ready, false);
  const ready = s.conditions.find((c) => c.type === 'Ready');
  assert.equal(ready?.status, 'False');
  assert.equal(ready?.reason, 'ContainersNotReady');
  assert.equal(ready?.message, 'containers with unready status: [app]');
  const pending = podStatusFromGroup(pod(), { containerGroupId: 'eci-1', status: 'Pending' }, NOW);
  assert.deepEqual(pending.containerStatuses[0]?.state, { waiting: { reason: 'ContainerCreating' } });
});

test('a failed group with exit code 1 gives Failed with the exit code and PodCompleted', () => {
  const group: EciGroupView = {
    containerGroupId: 'eci-2',
    status: 'Failed',
    intranetIp: '10.0.0.2',
    containers: [
      {
        name: 'app',
        ready: false,
        restartCount: 0,
        currentState: {
          state: 'Terminated',
          exitCode: 1,
          reason: 'Error',
          startTime: '2026-01-01T00:00:05Z',
          finishTime: '2026-01-01T00:00:06Z',
        },
      },
    ],
  };
  const s = podStatusFromGroup(pod({ restartPolicy: 'Never' }), group, NOW);
  assert.equal(s.phase, 'Failed');
  assert.equal(s.containerStatuses[0]?.state.terminated?.exitCode, 1);
  assert.equal(s.containerStatuses[0]?.ready, false);
  assert.equal(s.containerStatuses[0]?.started, false);
  const ready = s.conditions.find((c) => c.type === 'Ready');
  assert.deepEqual([ready?.status, ready?.reason], ['False', 'PodCompleted']);
  assert.equal(s.startTime, '2026-01-01T00:00:05Z');
});

test('restart counts and the previous state become restartCount and lastState', () => {
  const group: EciGroupView = {
    containerGroupId: 'eci-3',
    status: 'Running',
    containers: [
      running('app', {
        restartCount: 2,
        previousState: { state: 'Terminated', exitCode: 3, finishTime: '2026-01-01T00:00:04Z' },
      }),
    ],
  };
  const s = podStatusFromGroup(pod({ restartPolicy: 'Always' }), group, NOW);
  assert.equal(s.containerStatuses[0]?.restartCount, 2);
  assert.deepEqual(s.containerStatuses[0]?.lastState, {
    terminated: {
      exitCode: 3,
      reason: 'Error',
      finishedAt: '2026-01-01T00:00:04Z',
      containerID: containerId('eci-3', 'app'),
    },
  });
});

test('containers follow the pod spec order; a container ECI does not list is waiting', () => {
  const p = pod({
    containers: [
      { name: 'a', image: 'a:1' },
      { name: 'b', image: 'b:1' },
    ],
  });
  const s = podStatusFromGroup(
    p,
    { containerGroupId: 'g', status: 'Running', containers: [running('b')] },
    NOW,
  );
  assert.deepEqual(
    s.containerStatuses.map((c) => [c.name, c.ready, Object.keys(c.state)[0]]),
    [
      ['a', false, 'waiting'],
      ['b', true, 'running'],
    ],
  );
  assert.equal(s.conditions.find((c) => c.type === 'ContainersReady')?.status, 'False');
});

test('a running container ECI reports not ready (probe failing) keeps Ready false', () => {
  const s = podStatusFromGroup(
    pod(),
    { containerGroupId: 'g', status: 'Running', containers: [running('app', { ready: false })] },
    NOW,
  );
  assert.equal(s.containerStatuses[0]?.ready, false);
  assert.equal(s.containerStatuses[0]?.started, true);
  assert.equal(s.conditions.find((c) => c.type === 'Ready')?.status, 'False');
});

test('init containers: Initialized is False until they all exit 0', () => {
  const p = pod({ initContainers: [{ name: 'init', image: 'busybox' }] });
  const waiting = podStatusFromGroup(
    p,
    {
      containerGroupId: 'g',
      status: 'Pending',
      initContainers: [{ name: 'init', currentState: { state: 'Running' } }],
    },
    NOW,
  );
  const init = waiting.conditions.find((c) => c.type === 'Initialized');
  assert.deepEqual([init?.status, init?.reason], ['False', 'ContainersNotInitialized']);
  assert.equal(init?.message, 'containers with incomplete status: [init]');
  assert.equal(waiting.initContainerStatuses?.[0]?.started, true);
  const done = podStatusFromGroup(
    p,
    {
      containerGroupId: 'g',
      status: 'Pending',
      initContainers: [{ name: 'init', currentState: { state: 'Terminated', exitCode: 0 } }],
    },
    NOW,
  );
  assert.equal(done.conditions.find((c) => c.type === 'Initialized')?.status, 'True');
  assert.equal(done.initContainerStatuses?.[0]?.state.terminated?.reason, 'Completed');
  assert.equal(podStatusFromGroup(pod(), { status: 'Pending' }, NOW).initContainerStatuses, undefined);
});

test('Expired and ScheduleFailed explain themselves', () => {
  const expired = podStatusFromGroup(pod(), { containerGroupId: 'g', status: 'Expired' }, NOW);
  assert.deepEqual([expired.phase, expired.reason], ['Failed', 'Expired']);
  const failed = podStatusFromGroup(
    pod(),
    {
      containerGroupId: 'g',
      status: 'ScheduleFailed',
      events: [
        { type: 'Normal', message: 'scheduling' },
        { type: 'Warning', reason: 'NoStock', message: 'no stock in cn-hangzhou-h' },
      ],
    },
    NOW,
  );
  assert.deepEqual([failed.phase, failed.reason], ['Failed', 'ProviderFailed']);
  assert.match(failed.message ?? '', /no stock in cn-hangzhou-h/);
});

test('readiness gates hold Ready false until their condition is True', () => {
  const group: EciGroupView = { containerGroupId: 'g', status: 'Running', containers: [running('app')] };
  const gated = pod({ readinessGates: [{ conditionType: 'example.com/lb' }] });
  const s = podStatusFromGroup(gated, group, NOW);
  assert.equal(s.conditions.find((c) => c.type === 'ContainersReady')?.status, 'True');
  const ready = s.conditions.find((c) => c.type === 'Ready');
  assert.deepEqual([ready?.status, ready?.reason], ['False', 'ReadinessGatesNotReady']);
  gated.status = { conditions: [{ type: 'example.com/lb', status: 'True' }] };
  const open = podStatusFromGroup(gated, group, NOW);
  assert.equal(open.conditions.find((c) => c.type === 'Ready')?.status, 'True');
  assert.ok(
    open.conditions.some((c) => c.type === 'example.com/lb'),
    'foreign conditions are kept',
  );
});

test('transition times and startTime are kept when nothing changed; statusDiff is empty then', () => {
  const group: EciGroupView = {
    containerGroupId: 'g',
    status: 'Running',
    intranetIp: '10.1.1.1',
    containers: [running('app')],
  };
  const first = podStatusFromGroup(pod(), group, NOW);
  // What the client library hands back: Date objects with milliseconds, other key order, empty strings.
  const stored = JSON.parse(JSON.stringify(first)) as Record<string, unknown>;
  const asApi = {
    ...stored,
    startTime: new Date(first.startTime!),
    conditions: first.conditions.map((c) => ({
      lastTransitionTime: new Date(c.lastTransitionTime!),
      status: c.status,
      type: c.type,
      lastProbeTime: null,
    })),
    containerStatuses: first.containerStatuses.map((c) => ({ ...c, imageID: '' })),
  };
  const p = pod({}, asApi as unknown as V1Pod['status']);
  const later = new Date(NOW.getTime() + 60_000);
  const second = podStatusFromGroup(p, group, later);
  assert.deepEqual(
    second.conditions.map((c) => c.lastTransitionTime),
    first.conditions.map((c) => c.lastTransitionTime),
  );
  assert.deepEqual(statusDiff(p.status, second), {});
  const changed = podStatusFromGroup(p, { ...group, status: 'Succeeded', containers: [] }, later);
  const diff = statusDiff(p.status, changed);
  assert.deepEqual(Object.keys(diff).sort(), ['conditions', 'containerStatuses', 'phase']);
  assert.equal(
    changed.conditions.find((c) => c.type === 'Ready')?.lastTransitionTime,
    rfc3339(later),
    'a flipped condition gets a new transition time',
  );
});

test('statusDiff clears a stale reason and message (null in the patch)', () => {
  const p = pod(
    {},
    { phase: 'Pending', reason: 'ProviderFailed', message: 'Throttling', qosClass: 'BestEffort' },
  );
  const desired = podStatusFromGroup(p, { containerGroupId: 'g', status: 'Pending' }, NOW);
  const diff = statusDiff(p.status, desired);
  assert.equal(diff.reason, null);
  assert.equal(diff.message, null);
  assert.equal('qosClass' in diff, false, 'fields set by others are left alone');
  assert.equal('phase' in diff, false);
});

test('rfc3339 and canonical', () => {
  assert.equal(rfc3339('2026-01-01T00:00:05.999Z'), '2026-01-01T00:00:05Z');
  assert.equal(rfc3339(''), undefined);
  assert.equal(rfc3339('nope'), undefined);
  assert.equal(rfc3339(undefined), undefined);
  assert.equal(canonical({ b: 1, a: { d: null, c: '' } }), canonical({ a: {}, b: 1 }));
  assert.notEqual(canonical({ a: [1, 2] }), canonical({ a: [2, 1] }));
});

// Kubelet parity (issue 18 findings, issue 9).
test('app containers wait with PodInitializing while the init containers run, as on a kubelet', () => {
  const p = pod({ initContainers: [{ name: 'init', image: 'busybox' }] });
  const s = podStatusFromGroup(
    p,
    {
      containerGroupId: 'g',
      status: 'Pending',
      initContainers: [{ name: 'init', currentState: { state: 'Running' } }],
    },
    NOW,
  );
  assert.deepEqual(s.containerStatuses[0]?.state, { waiting: { reason: 'PodInitializing' } });
  // Without init containers a container being created says so.
  const plain = podStatusFromGroup(pod(), { containerGroupId: 'g', status: 'Pending' }, NOW);
  assert.deepEqual(plain.containerStatuses[0]?.state, { waiting: { reason: 'ContainerCreating' } });
});

test('a Ready condition turned True loses its stale reason and message in the patch', () => {
  const p = pod(
    {},
    {
      phase: 'Pending',
      conditions: [
        {
          type: 'Ready',
          status: 'False',
          reason: 'ContainersNotReady',
          message: 'containers with unready status: [app]',
          lastTransitionTime: new Date('2026-01-01T00:00:00Z'),
        },
      ],
    },
  );
  const desired = podStatusFromGroup(
    p,
    { containerGroupId: 'g', status: 'Running', containers: [running('app')] },
    NOW,
  );
  const ready = desired.conditions.find((c) => c.type === 'Ready');
  assert.deepEqual(ready, { type: 'Ready', status: 'True', lastTransitionTime: rfc3339(NOW) });
  const diff = statusDiff(p.status, desired) as { conditions: Array<Record<string, unknown>> };
  const patched = diff.conditions.find((c) => c.type === 'Ready');
  assert.deepEqual(patched, {
    type: 'Ready',
    status: 'True',
    reason: null,
    message: null,
    lastTransitionTime: rfc3339(NOW),
  });
  // Once written, Ready stays as desired and is not patched again.
  const after = {
    ...p.status,
    conditions: desired.conditions.map((c) => ({ ...c, lastTransitionTime: NOW })),
  };
  assert.equal(statusDiff(after, desired).conditions, undefined);
});

test('readiness gate messages name the gate, as generate.go does', () => {
  const group: EciGroupView = { containerGroupId: 'g', status: 'Running', containers: [running('app')] };
  const gated = pod({ readinessGates: [{ conditionType: 'example.com/lb' }] });
  const absent = podStatusFromGroup(gated, group, NOW).conditions.find((c) => c.type === 'Ready');
  assert.equal(
    absent?.message,
    'corresponding condition of pod readiness gate "example.com/lb" does not exist.',
  );
  gated.status = { conditions: [{ type: 'example.com/lb', status: 'False' }] };
  const off = podStatusFromGroup(gated, group, NOW).conditions.find((c) => c.type === 'Ready');
  assert.equal(off?.message, 'the status of pod readiness gate "example.com/lb" is not "True", but False');
});

test('status and condition messages are cut at 1024 bytes like Event notes, never inside a character', () => {
  const long = 'é'.repeat(2000);
  const s = podStatusFromGroup(
    pod(),
    { containerGroupId: 'g', status: 'ScheduleFailed', events: [{ type: 'Warning', message: long }] },
    NOW,
  );
  assert.ok(
    Buffer.byteLength(s.message ?? '') <= MAX_MESSAGE_BYTES,
    String(Buffer.byteLength(s.message ?? '')),
  );
  assert.match(s.message ?? '', /^ECI could not schedule the container group: é+ \.\.\.$/);
  const waiting = mapContainerState({ state: 'Waiting', reason: 'ErrImagePull', message: long }, undefined);
  assert.ok(Buffer.byteLength(waiting.waiting?.message ?? '') <= MAX_MESSAGE_BYTES);
  const terminated = mapContainerState({ state: 'Terminated', exitCode: 1, message: long }, 'id');
  assert.ok(Buffer.byteLength(terminated.terminated?.message ?? '') <= MAX_MESSAGE_BYTES);
  assert.equal(boundedMessage('short'), 'short');
  assert.equal(boundedMessage('x'.repeat(MAX_MESSAGE_BYTES)), 'x'.repeat(MAX_MESSAGE_BYTES));
});

test('a pod waiting for a mandatory ConfigMap: its container waits with CreateContainerConfigError, as on a kubelet', () => {
  const p = pod({
    initContainers: [{ name: 'init', image: 'busybox' }],
    containers: [
      { name: 'app', image: 'nginx', envFrom: [{ configMapRef: { name: 'settings' } }] },
      { name: 'side', image: 'envoy' },
    ],
  });
  const missing = [
    {
      kind: 'ConfigMap' as const,
      name: 'settings',
      optional: false,
      field: 'spec.containers[0].envFrom[0].configMapRef',
    },
    {
      kind: 'Secret' as const,
      name: 'opt',
      optional: true,
      field: 'spec.containers[1].envFrom[0].secretRef',
    },
  ];
  const s = podStatusForMissingReferences(p, missing, NOW);
  assert.equal(s.phase, 'Pending');
  assert.deepEqual(
    s.containerStatuses.map((c) => c.state.waiting),
    [
      { reason: 'CreateContainerConfigError', message: 'configmap "settings" not found' },
      { reason: 'PodInitializing' },
    ],
  );
  assert.deepEqual(
    s.initContainerStatuses?.map((c) => c.state.waiting),
    [{ reason: 'PodInitializing' }],
  );
  assert.deepEqual(
    s.conditions.map((c) => [c.type, c.status]),
    [
      ['PodScheduled', 'True'],
      ['Initialized', 'False'],
      ['ContainersReady', 'False'],
      ['Ready', 'False'],
    ],
  );
  // A missing volume source holds every container in ContainerCreating (the kubelet's FailedMount).
  const volume = podStatusForMissingReferences(
    pod(),
    [{ kind: 'Secret', name: 'tls', optional: false, field: 'spec.volumes[0].secret' }],
    NOW,
  );
  assert.deepEqual(volume.containerStatuses[0]?.state, { waiting: { reason: 'ContainerCreating' } });
});

test('app containers ECI reports as ContainerCreating still wait with PodInitializing behind a running init container', () => {
  const p = pod({ initContainers: [{ name: 'init', image: 'busybox' }] });
  const s = podStatusFromGroup(
    p,
    {
      containerGroupId: 'g',
      status: 'Pending',
      initContainers: [{ name: 'init', currentState: { state: 'Running' } }],
      containers: [{ name: 'app', currentState: { state: 'Waiting', reason: 'ContainerCreating' } }],
    },
    NOW,
  );
  assert.deepEqual(s.containerStatuses[0]?.state, { waiting: { reason: 'PodInitializing' } });
  // Once the init container exited 0, ECI's generic "being created" is still the kubelet's
  // PodInitializing in a pod with init containers; a specific reason is ECI's own.
  const after = podStatusFromGroup(
    p,
    {
      containerGroupId: 'g',
      status: 'Pending',
      initContainers: [{ name: 'init', currentState: { state: 'Terminated', exitCode: 0 } }],
      containers: [{ name: 'app', currentState: { state: 'Waiting', reason: 'ContainerCreating' } }],
    },
    NOW,
  );
  assert.deepEqual(after.containerStatuses[0]?.state.waiting?.reason, 'PodInitializing');
  const pulling = podStatusFromGroup(
    p,
    {
      containerGroupId: 'g',
      status: 'Pending',
      initContainers: [{ name: 'init', currentState: { state: 'Terminated', exitCode: 0 } }],
      containers: [
        { name: 'app', currentState: { state: 'Waiting', reason: 'ErrImagePull', message: 'no' } },
      ],
    },
    NOW,
  );
  assert.deepEqual(pulling.containerStatuses[0]?.state, {
    waiting: { reason: 'ErrImagePull', message: 'no' },
  });
});

test('an init container is ready once it exited 0; a failed one is not; a sidecar is ready while it runs', () => {
  const p = pod({
    initContainers: [
      { name: 'ok', image: 'busybox' },
      { name: 'bad', image: 'busybox' },
      { name: 'side', image: 'busybox', restartPolicy: 'Always' },
    ],
  });
  const s = podStatusFromGroup(
    p,
    {
      containerGroupId: 'g',
      status: 'Running',
      initContainers: [
        { name: 'ok', currentState: { state: 'Terminated', exitCode: 0 } },
        { name: 'bad', currentState: { state: 'Terminated', exitCode: 1 } },
        { name: 'side', currentState: { state: 'Running' } },
      ],
    },
    NOW,
  );
  assert.deepEqual(
    s.initContainerStatuses?.map((c) => [c.name, c.ready]),
    [
      ['ok', true],
      ['bad', false],
      ['side', true],
    ],
  );
  // 'bad' exited 1: app containers still wait behind it.
  assert.equal(s.containerStatuses[0]?.state.waiting?.reason, 'PodInitializing');
});

test('while ECI is still placing a group with init containers, its app containers wait with PodInitializing', () => {
  const p = pod({ initContainers: [{ name: 'init', image: 'busybox' }] });
  const s = podStatusFromGroup(
    p,
    {
      containerGroupId: 'g',
      status: 'Scheduling',
      containers: [{ name: 'app', currentState: { state: 'Waiting', reason: 'ContainerCreating' } }],
    },
    NOW,
  );
  assert.equal(s.containerStatuses[0]?.state.waiting?.reason, 'PodInitializing');
});

test('a container a kubelet would not configure waits with CreateContainerConfigError and the reason', () => {
  const s = podStatusForMissingReferences(pod(), [], NOW, [
    {
      field: 'spec.containers[0].volumeMounts[0].subPathExpr',
      message: 'error SubPath `/tmp` must not be an absolute path',
    },
  ]);
  assert.equal(s.phase, 'Pending');
  assert.deepEqual(s.containerStatuses[0]?.state.waiting, {
    reason: 'CreateContainerConfigError',
    message: 'error SubPath `/tmp` must not be an absolute path',
  });
});

test('an init container waiting behind an earlier one that has not exited 0 waits with PodInitializing', () => {
  const p = pod({
    initContainers: [
      { name: 'init1', image: 'busybox' },
      { name: 'init2', image: 'busybox' },
    ],
  });
  const s = podStatusFromGroup(
    p,
    {
      containerGroupId: 'g',
      status: 'Pending',
      initContainers: [
        { name: 'init1', currentState: { state: 'Waiting', reason: 'ContainerCreating' } },
        { name: 'init2', currentState: { state: 'Waiting', reason: 'ContainerCreating' } },
      ],
    },
    NOW,
  );
  assert.deepEqual(
    s.initContainerStatuses?.map((c) => c.state.waiting?.reason),
    ['PodInitializing', 'PodInitializing'],
  );
});

test('a sidecar ECI runs among the app containers reports there, and its readiness holds ContainersReady and Ready', () => {
  const p = pod({
    initContainers: [
      { name: 'init', image: 'busybox' },
      { name: 'side', image: 'agnhost', restartPolicy: 'Always' },
    ],
  });
  const group = (sideReady: boolean): EciGroupView => ({
    containerGroupId: 'g',
    status: 'Running',
    initContainers: [{ name: 'init', currentState: { state: 'Terminated', exitCode: 0 } }],
    containers: [running('app'), running('side', { ready: sideReady, restartCount: 2 })],
  });
  const unready = podStatusFromGroup(p, group(false), NOW);
  const side = unready.initContainerStatuses?.find((c) => c.name === 'side');
  assert.equal(side?.state.running !== undefined, true);
  assert.equal(side?.ready, false);
  assert.equal(side?.restartCount, 2);
  const cond = (type: string) => unready.conditions.find((c) => c.type === type);
  assert.equal(cond('Initialized')?.status, 'True');
  assert.equal(cond('ContainersReady')?.status, 'False');
  assert.equal(cond('ContainersReady')?.message, 'containers with unready status: [side]');
  assert.equal(cond('Ready')?.status, 'False');
  // The app container list stays the pod's own containers.
  assert.deepEqual(
    unready.containerStatuses.map((c) => c.name),
    ['app'],
  );
  const ready = podStatusFromGroup(p, group(true), NOW);
  assert.equal(ready.conditions.find((c) => c.type === 'Ready')?.status, 'True');
});

test('a RestartNever pod whose init container failed: app containers ECI ended without starting still wait with PodInitializing', () => {
  const p = pod({
    restartPolicy: 'Never',
    initContainers: [
      { name: 'init1', image: 'busybox' },
      { name: 'init2', image: 'busybox' },
    ],
  });
  const s = podStatusFromGroup(
    p,
    {
      containerGroupId: 'g',
      status: 'Failed',
      initContainers: [
        {
          name: 'init1',
          currentState: { state: 'Terminated', exitCode: 0, startTime: '2026-01-01T00:00:01Z' },
        },
        {
          name: 'init2',
          currentState: { state: 'Terminated', exitCode: 1, startTime: '2026-01-01T00:00:02Z' },
        },
      ],
      containers: [
        {
          name: 'app',
          currentState: {
            state: 'Terminated',
            exitCode: 0,
            reason: 'PodInitializing',
            finishTime: '2026-01-01T00:00:03Z',
          },
        },
      ],
    },
    NOW,
  );
  assert.equal(s.phase, 'Failed');
  assert.deepEqual(s.containerStatuses[0]?.state, { waiting: { reason: 'PodInitializing' } });
  const initialized = s.conditions.find((c) => c.type === 'Initialized');
  assert.equal(initialized?.status, 'False');
  assert.equal(initialized?.message, 'containers with incomplete status: [init2]');
});
