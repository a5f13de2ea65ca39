import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DELETE_POLL_MS,
  FORCE_SETTLE_MS,
  terminationStep,
  type ForceState,
  type TerminationStep,
} from '../../../../reconciler/controller/termination.ts';
import type { GroupRecord } from '../../../../reconciler/tracker.ts';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const running: GroupRecord = { id: 'g', group: { status: 'Running' } };
const terminating: GroupRecord = { id: 'g', group: { status: 'Terminating' }, deleteRequested: true };
const ended: GroupRecord = { ...terminating, group: { status: 'Succeeded' } };
const never: GroupRecord = { id: 'g', deleteRequested: true };

test('a pod deleted with grace: the group is deleted gracefully, watched until the deadline, then forced', () => {
  const deadline = T0 + 30_000;
  const table: [string, GroupRecord, number, ForceState, TerminationStep][] = [
    ['first delete within the grace', running, T0, {}, { kind: 'delete', force: false }],
    ['ending within the grace', terminating, T0, {}, { kind: 'watch', afterMs: DELETE_POLL_MS }],
    ['the last half second', terminating, deadline - 500, {}, { kind: 'watch', afterMs: 500 }],
    ['ended by itself (preStop, SIGTERM)', ended, T0 + 10_000, {}, { kind: 'done' }],
    ['grace over, still running: Force', terminating, deadline, {}, { kind: 'delete', force: true }],
    ['never described, grace over: Force', never, deadline, {}, { kind: 'delete', force: true }],
    [
      'forced: ECI gets time to report the containers stopped',
      terminating,
      deadline + 2000,
      { triedAt: deadline, accepted: true },
      { kind: 'watch', afterMs: DELETE_POLL_MS },
    ],
    [
      'forced and reported ended',
      ended,
      deadline + 2000,
      { triedAt: deadline, accepted: true },
      { kind: 'done' },
    ],
    [
      'forced but never reported: the pod goes after the settle time',
      terminating,
      deadline + FORCE_SETTLE_MS,
      { triedAt: deadline, accepted: true },
      { kind: 'done' },
    ],
    [
      'Force refused: tried again within the settle time',
      terminating,
      deadline + 3000,
      { triedAt: deadline },
      { kind: 'delete', force: true },
    ],
    [
      'Force refused until the settle time is over: the pod goes',
      terminating,
      deadline + FORCE_SETTLE_MS,
      { triedAt: deadline },
      { kind: 'done' },
    ],
  ];
  for (const [name, record, now, force, want] of table)
    assert.deepEqual(terminationStep(deadline, record, now, force), want, name);
});

test('a grace shortened by a second delete moves the Force earlier; a finished group is never forced', () => {
  // Deleted with 30 s at T0, then again with 10 s at T0+5s: the API server moves the deadline to T0+15s.
  const first = T0 + 30_000;
  const second = T0 + 15_000;
  assert.deepEqual(terminationStep(first, terminating, T0 + 15_000), {
    kind: 'watch',
    afterMs: DELETE_POLL_MS,
  });
  assert.deepEqual(terminationStep(second, terminating, T0 + 15_000), { kind: 'delete', force: true });
  // Shortened below the time already spent (a force delete: grace 0, the deadline is now).
  assert.deepEqual(terminationStep(T0 + 5_000, terminating, T0 + 5_000), { kind: 'delete', force: true });
  // A first delete that comes when no grace is left forces at once, unless the group has finished.
  assert.deepEqual(terminationStep(T0, running, T0), { kind: 'delete', force: true });
  assert.deepEqual(terminationStep(T0, { id: 'g', group: { status: 'Succeeded' } }, T0), {
    kind: 'delete',
    force: false,
  });
});

test('a pod gone from the API (grace 0): a group still running is forced, a finished one deleted plainly', () => {
  const table: [string, GroupRecord, ForceState, TerminationStep][] = [
    ['running', running, {}, { kind: 'delete', force: true }],
    ['never described', { id: 'g' }, {}, { kind: 'delete', force: true }],
    ['finished', { id: 'g', group: { status: 'Failed' } }, {}, { kind: 'delete', force: false }],
    ['deleted gracefully before, still ending', terminating, {}, { kind: 'delete', force: true }],
    ['deleted and ended', ended, {}, { kind: 'done' }],
    ['forced already', terminating, { triedAt: T0, accepted: true }, { kind: 'done' }],
    ['Force refused: tried again', terminating, { triedAt: T0 }, { kind: 'delete', force: true }],
  ];
  for (const [name, record, force, want] of table)
    assert.deepEqual(terminationStep(undefined, record, T0 + 1000, force), want, name);
});
