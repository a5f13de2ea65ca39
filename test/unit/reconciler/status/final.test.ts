// The last status of a pod being deleted (reconciler/status/final.ts), as a kubelet writes it
// before the pod goes: containers ended with ECI's exit codes or as ContainerStatusUnknown,
// the phase terminal, Ready false.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Container, V1Pod } from '@kubernetes/client-node';
import { finalPodStatus, type EciGroupView } from '../../../../reconciler/status.ts';

const NOW = new Date('2026-01-01T00:01:00Z');

function pod(containers: string[], initContainers: V1Container[] = []): V1Pod {
  return {
    metadata: { name: 'p', namespace: 'ns', uid: 'u1' },
    spec: { containers: containers.map((name) => ({ name, image: 'busybox' })), initContainers },
    status: { phase: 'Running' },
  };
}

const running = (name: string) => ({
  name,
  ready: true,
  currentState: { state: 'Running', startTime: '2026-01-01T00:00:05Z' },
});
const exited = (name: string, exitCode: number) => ({
  name,
  ready: false,
  currentState: {
    state: 'Terminated',
    exitCode,
    reason: exitCode === 0 ? 'Completed' : 'Error',
    startTime: '2026-01-01T00:00:05Z',
    finishTime: '2026-01-01T00:00:50Z',
  },
});
const group = (status: string, containers: object[], initContainers?: object[]): EciGroupView => ({
  containerGroupId: 'eci-1',
  status,
  containers,
  initContainers,
});

const NOT_LOCATED = {
  terminated: {
    exitCode: 137,
    reason: 'ContainerStatusUnknown',
    message: 'The container could not be located when the pod was terminated',
    containerID: undefined as string | undefined,
  },
};

test('final status: the phase is terminal, Succeeded only when every app container exited 0', () => {
  const table: [string, V1Pod, EciGroupView, string][] = [
    [
      'all exited 0 while Terminating',
      pod(['a', 'b']),
      group('Terminating', [exited('a', 0), exited('b', 0)]),
      'Succeeded',
    ],
    ['one exited 1', pod(['a', 'b']), group('Terminating', [exited('a', 0), exited('b', 1)]), 'Failed'],
    [
      'one still running when the group went',
      pod(['a', 'b']),
      group('Terminating', [exited('a', 0), running('b')]),
      'Failed',
    ],
    ['ECI reported nothing of one', pod(['a', 'b']), group('Terminating', [exited('a', 0)]), 'Failed'],
    ['ECI said Failed', pod(['a']), group('Failed', [exited('a', 0)]), 'Failed'],
    ['ECI said Succeeded', pod(['a']), group('Succeeded', [exited('a', 0)]), 'Succeeded'],
  ];
  for (const [name, p, g, phase] of table) {
    const s = finalPodStatus(p, g, NOW);
    assert.equal(s.phase, phase, name);
    const ready = s.conditions.find((c) => c.type === 'Ready');
    assert.equal(ready?.status, 'False', name);
    assert.ok(
      s.containerStatuses.every((c) => c.state.terminated && !c.ready),
      `${name}: every container ended, none ready`,
    );
  }
});

test('final status: ECI exit codes and times are kept; a container it last saw running ends as ContainerStatusUnknown 137', () => {
  const s = finalPodStatus(pod(['a', 'b', 'c']), group('Terminating', [exited('a', 143), running('b')]), NOW);
  const [a, b, c] = s.containerStatuses;
  assert.deepEqual(
    [a?.state.terminated?.exitCode, a?.state.terminated?.reason, a?.state.terminated?.finishedAt],
    [143, 'Error', '2026-01-01T00:00:50Z'],
  );
  NOT_LOCATED.terminated.containerID = b?.containerID;
  assert.deepEqual(b?.state, NOT_LOCATED, 'running when last seen');
  assert.equal(c?.state.terminated?.reason, 'ContainerStatusUnknown', 'never reported by ECI');
  assert.equal(c?.state.terminated?.exitCode, 137);
  assert.equal(s.startTime, '2026-01-01T00:00:05Z', 'the start time stays');
});

test('final status: init containers end up to the last one that started; app containers behind them stay waiting', () => {
  const inits: V1Container[] = [
    { name: 'i1', image: 'busybox' },
    { name: 'i2', image: 'busybox' },
    { name: 'i3', image: 'busybox' },
  ];
  const s = finalPodStatus(
    pod(['a'], inits),
    group('Pending', [{ name: 'a' }], [exited('i1', 0), running('i2'), { name: 'i3' }]),
    NOW,
  );
  const [i1, i2, i3] = s.initContainerStatuses ?? [];
  assert.equal(i1?.state.terminated?.exitCode, 0);
  assert.equal(i2?.state.terminated?.reason, 'ContainerStatusUnknown');
  assert.ok(i3?.state.waiting, 'never started: not ended');
  assert.ok(
    s.containerStatuses[0]?.state.waiting,
    'the pod never initialized: its app container keeps waiting',
  );
  assert.equal(s.phase, 'Failed');
});

test('final status: a sidecar ECI runs among the app containers ends too; it does not decide the phase', () => {
  const sidecar: V1Container = { name: 'side', image: 'busybox', restartPolicy: 'Always' };
  const s = finalPodStatus(
    pod(['a'], [sidecar]),
    group('Terminating', [running('side'), exited('a', 0)], []),
    NOW,
  );
  assert.equal(s.phase, 'Succeeded');
  assert.equal(s.initContainerStatuses?.[0]?.state.terminated?.reason, 'ContainerStatusUnknown');
});
