import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Pod } from '@kubernetes/client-node';
import { nextAction as decide, recheckAfter } from '../../../../reconciler/controller/next-action.ts';
import { failurePhase, pendingDeadline } from '../../../../reconciler/controller/policy.ts';

const T0 = Date.parse('2026-01-01T00:00:00Z');

function pod(
  opts: {
    phase?: string;
    deleting?: Date;
    annotations?: Record<string, string>;
    restartPolicy?: string;
    reason?: string;
  } = {},
): V1Pod {
  return {
    metadata: {
      name: 'p',
      namespace: 'ns',
      uid: 'u',
      creationTimestamp: new Date(T0),
      deletionTimestamp: opts.deleting,
      annotations: opts.annotations,
    },
    spec: { containers: [{ name: 'c', image: 'i' }], restartPolicy: opts.restartPolicy },
    status: { phase: opts.phase ?? 'Pending', reason: opts.reason },
  };
}

test('a new Pending pod without a group is created', () => {
  assert.deepEqual(decide(pod(), undefined, T0), { kind: 'create' });
  const noStatus = pod();
  delete noStatus.status;
  assert.deepEqual(decide(noStatus, undefined, T0), { kind: 'create' });
});

test('a pod with an instance id but no known group is looked up, never created again', () => {
  const p = pod({ annotations: { 'k8s.aliyun.com/eci-instance-id': 'eci-1' } });
  assert.deepEqual(decide(p, undefined, T0), { kind: 'lookup', id: 'eci-1' });
});

test('a pod that failed in the provider is retried (fail-back) once its backoff is over; a Running pod is not created', () => {
  const failed = pod({ reason: 'ProviderFailed' });
  assert.deepEqual(decide(failed, undefined, T0), { kind: 'create' });
  assert.deepEqual(decide(failed, undefined, T0, { retryCreateAt: T0 + 4000 }), {
    kind: 'wait',
    afterMs: 4000,
  });
  assert.deepEqual(decide(failed, undefined, T0 + 4000, { retryCreateAt: T0 + 4000 }), { kind: 'create' });
  assert.deepEqual(decide(pod({ phase: 'Running' }), undefined, T0), { kind: 'none' });
});

test('an instance id the pod does not own is not looked up again: the pod gets its own group', () => {
  const p = pod({ annotations: { 'k8s.aliyun.com/eci-instance-id': 'eci-victim' } });
  assert.deepEqual(decide(p, undefined, T0, { refusedInstanceId: 'eci-victim' }), { kind: 'create' });
  assert.deepEqual(decide(p, undefined, T0, { refusedInstanceId: 'eci-other' }), {
    kind: 'lookup',
    id: 'eci-victim',
  });
});

test('a known group with a description syncs status; without one, waits for the poller', () => {
  assert.deepEqual(decide(pod(), { id: 'g', group: { status: 'Running' } }, T0), { kind: 'sync-status' });
  assert.deepEqual(decide(pod(), { id: 'g' }, T0), { kind: 'none' });
});

test('a group that vanished fails the pod', () => {
  const action = decide(pod({ phase: 'Running' }), { id: 'g', gone: true }, T0);
  assert.equal(action.kind, 'fail');
  if (action.kind === 'fail') {
    assert.equal(action.reason, 'ProviderFailed');
    assert.match(action.message, /container group g no longer exists/);
    assert.equal(action.deleteGroup, false);
  }
});

test('deleting: delete the group, wait while it terminates, force it at the grace deadline, then finalize', () => {
  const deleting = pod({ phase: 'Running', deleting: new Date(T0 + 30_000) });
  assert.deepEqual(decide(deleting, { id: 'g', group: { status: 'Running' } }, T0), {
    kind: 'delete-group',
    then: 'finalize-pod',
  });
  const requested = { id: 'g', group: { status: 'Terminating' }, deleteRequested: true };
  // While it terminates the status keeps flowing from ECI (readiness, containers ending).
  assert.deepEqual(decide(deleting, requested, T0), { kind: 'sync-terminating', afterMs: 1000 });
  assert.deepEqual(decide(deleting, requested, T0 + 29_500), { kind: 'sync-terminating', afterMs: 500 });
  // Then the last status (from the group's last view) is written before the pod goes.
  const table: [string, Parameters<typeof decide>[1], number, ReturnType<typeof decide>][] = [
    // A kubelet kills what still runs when the grace is over: ECI is told to stop the group at once.
    ['grace over', requested, T0 + 30_000, { kind: 'delete-group', then: 'finalize-pod', force: true }],
    [
      'group gone since its last view',
      { ...requested, gone: true },
      T0,
      { kind: 'finalize-pod', finalStatus: true },
    ],
    [
      'group ended',
      { ...requested, group: { status: 'Succeeded' } },
      T0,
      { kind: 'finalize-pod', finalStatus: true },
    ],
    ['never described', { id: 'g', deleteRequested: true }, T0, { kind: 'wait', afterMs: 1000 }],
    ['gone, never described', { id: 'g', gone: true }, T0, { kind: 'finalize-pod', finalStatus: false }],
    ['no group at all', undefined, T0, { kind: 'finalize-pod', finalStatus: false }],
  ];
  for (const [name, record, now, want] of table) assert.deepEqual(decide(deleting, record, now), want, name);
  // Forced: ECI gets a moment to report the containers stopped, then the last status is written.
  const forced = { triedAt: T0 + 30_000, accepted: true };
  assert.deepEqual(decide(deleting, requested, T0 + 31_000, {}, forced), {
    kind: 'sync-terminating',
    afterMs: 1000,
  });
  assert.deepEqual(decide(deleting, requested, T0 + 40_000, {}, forced), {
    kind: 'finalize-pod',
    finalStatus: true,
  });
});

test('deleting with a grace shortened by a second delete: the group is forced at the new, earlier deadline', () => {
  const requested = { id: 'g', group: { status: 'Terminating' }, deleteRequested: true };
  const at = (deadline: number) => pod({ phase: 'Running', deleting: new Date(deadline) });
  assert.deepEqual(decide(at(T0 + 30_000), requested, T0 + 15_000), {
    kind: 'sync-terminating',
    afterMs: 1000,
  });
  assert.deepEqual(decide(at(T0 + 15_000), requested, T0 + 15_000), {
    kind: 'delete-group',
    then: 'finalize-pod',
    force: true,
  });
  // Deleted for the first time with no grace left (a force delete of a pod with a finalizer).
  assert.deepEqual(decide(at(T0), { id: 'g', group: { status: 'Running' } }, T0), {
    kind: 'delete-group',
    then: 'finalize-pod',
    force: true,
  });
});

test('deleting a pod that already finished: its status stays as it ended (no final status over it)', () => {
  for (const phase of ['Succeeded', 'Failed']) {
    const done = pod({ phase, deleting: new Date(T0 + 30_000) });
    const requested = { id: 'g', group: { status: 'Terminating' }, deleteRequested: true };
    assert.deepEqual(decide(done, requested, T0), { kind: 'wait', afterMs: 1000 });
    assert.deepEqual(decide(done, { ...requested, gone: true }, T0), {
      kind: 'finalize-pod',
      finalStatus: false,
    });
  }
});

test('a finished pod keeps its status and its group (for its logs) until the pod is deleted', () => {
  for (const phase of ['Succeeded', 'Failed']) {
    assert.deepEqual(decide(pod({ phase }), { id: 'g', group: { status: phase } }, T0), { kind: 'none' });
    assert.deepEqual(
      decide(pod({ phase, deleting: new Date(T0) }), { id: 'g', group: { status: phase } }, T0),
      {
        kind: 'delete-group',
        then: 'finalize-pod',
      },
    );
    assert.deepEqual(decide(pod({ phase }), { id: 'g', deleteRequested: true }, T0), { kind: 'none' });
    assert.deepEqual(decide(pod({ phase }), undefined, T0), { kind: 'none' });
  }
});

test('a pod gone from the API takes its group with it', () => {
  // Gone from the API means grace 0 (a force delete): what still runs is stopped at once.
  assert.deepEqual(decide(undefined, { id: 'g' }, T0), { kind: 'delete-group', then: 'forget', force: true });
  assert.deepEqual(decide(undefined, { id: 'g', group: { status: 'Succeeded' } }, T0), {
    kind: 'delete-group',
    then: 'forget',
  });
  assert.deepEqual(decide(undefined, { id: 'g', deleteRequested: true }, T0), {
    kind: 'delete-group',
    then: 'forget',
    force: true,
  });
  const forced = { triedAt: T0, accepted: true };
  assert.deepEqual(decide(undefined, { id: 'g', deleteRequested: true }, T0, {}, forced), { kind: 'forget' });
  assert.deepEqual(
    decide(undefined, { id: 'g', group: { status: 'Succeeded' }, deleteRequested: true }, T0),
    { kind: 'forget' },
  );
  assert.deepEqual(decide(undefined, { id: 'g', gone: true }, T0), { kind: 'forget' });
  assert.deepEqual(decide(undefined, undefined, T0), { kind: 'forget' });
});

test('failure phase: Never, fail-fast or pod-fail-on-create-err fail the pod, otherwise it stays Pending', () => {
  assert.equal(
    failurePhase(pod({ annotations: { 'k8s.aliyun.com/pod-fail-on-create-err': 'true' } })),
    'Failed',
  );
  assert.equal(
    failurePhase(pod({ annotations: { 'k8s.aliyun.com/pod-fail-on-create-err': 'false' } })),
    'Pending',
  );
  assert.equal(
    failurePhase(pod({ annotations: { 'k8s.aliyun.com/eci-fail-strategy': 'fail-sometimes' } })),
    'Pending',
    'an invalid value counts as unset',
  );
  assert.equal(failurePhase(pod()), 'Pending');
  assert.equal(failurePhase(pod({ restartPolicy: 'Always' })), 'Pending');
  assert.equal(failurePhase(pod({ restartPolicy: 'Never' })), 'Failed');
  assert.equal(
    failurePhase(pod({ annotations: { 'k8s.aliyun.com/eci-fail-strategy': 'fail-fast' } })),
    'Failed',
  );
  assert.equal(
    failurePhase(pod({ annotations: { 'k8s.aliyun.com/eci-fail-strategy': 'fail-back' } })),
    'Pending',
  );
});

test('eci-max-pending-minute fails a pod pending too long, and asks for a recheck before that', () => {
  const p = pod({ annotations: { 'k8s.aliyun.com/eci-max-pending-minute': '10' } });
  assert.equal(pendingDeadline(p), T0 + 600_000);
  assert.equal(recheckAfter(p, T0 + 60_000), 540_000);
  assert.deepEqual(decide(p, undefined, T0 + 60_000), { kind: 'create' });
  const late = decide(p, { id: 'g', group: { status: 'Pending' } }, T0 + 600_000);
  assert.equal(late.kind, 'fail');
  if (late.kind === 'fail') {
    assert.equal(late.reason, 'PendingTimeout');
    assert.equal(late.deleteGroup, true);
  }
  // A group that already runs is not failed even if the pod status lags.
  assert.deepEqual(decide(p, { id: 'g', group: { status: 'Running' } }, T0 + 600_000), {
    kind: 'sync-status',
  });
  // A pod failing its create under fail-back is bounded too.
  const retrying = decide(p, undefined, T0 + 600_000, { retryCreateAt: T0 + 700_000 });
  assert.equal(retrying.kind, 'fail');
  // Parsed with the annotation table's bounds (10-1440), as the webhook validated it.
  for (const bad of ['', 'x', '-1', '0', '5', '1441']) {
    assert.equal(
      pendingDeadline(pod({ annotations: { 'k8s.aliyun.com/eci-max-pending-minute': bad } })),
      undefined,
    );
  }
  assert.equal(recheckAfter(pod(), T0), undefined);
  assert.equal(recheckAfter(undefined, T0), undefined);
});
