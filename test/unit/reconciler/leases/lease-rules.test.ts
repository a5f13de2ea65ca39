// The replicas' Lease rules: when a Lease may be taken, what is written, how nodes spread.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  decideLease,
  heldSpec,
  leaseTimingProblem,
  releasedSpec,
  replicaLeaseName,
  spreadPlan,
  type LeaseRecord,
} from '../../../../reconciler/leases/lease-rules.ts';

const lease = (holder: string, durationMs = 15_000): LeaseRecord => ({
  holder,
  durationMs,
  transitions: 2,
  resourceVersion: '7',
});

test('decideLease: who may take a Lease, by the observer’s clock', () => {
  const cases: [string, LeaseRecord | undefined, number, number, ReturnType<typeof decideLease>][] = [
    ['no Lease yet: create it', undefined, 0, 0, { kind: 'acquire' }],
    ['mine: renew', lease('me'), 0, 60_000, { kind: 'renew' }],
    ['released (no holder): take it at once', lease(''), 1000, 1000, { kind: 'acquire' }],
    ['another holder, seen just now', lease('r2'), 1000, 1000, { kind: 'held', holder: 'r2' }],
    [
      'another holder, unchanged for less than the duration',
      lease('r2'),
      1000,
      15_999,
      { kind: 'held', holder: 'r2' },
    ],
    [
      'another holder, unchanged for the whole duration: a takeover',
      lease('r2'),
      1000,
      16_000,
      { kind: 'acquire', from: 'r2' },
    ],
  ];
  for (const [name, record, observedAt, now, want] of cases) {
    assert.deepEqual(decideLease(record, 'me', observedAt, now), want, name);
  }
});

test('heldSpec: acquiring counts a transition and stamps acquireTime; renewing keeps both', () => {
  const t0 = new Date('2026-01-01T00:00:00Z');
  const t1 = new Date('2026-01-01T00:00:02Z');
  const fresh = heldSpec(undefined, 'me', 15_000, t0);
  assert.equal(fresh.holderIdentity, 'me');
  assert.equal(fresh.leaseDurationSeconds, 15);
  assert.equal(fresh.leaseTransitions, 0, 'the first holder is not a transition');
  assert.equal(fresh.acquireTime?.getTime(), t0.getTime());
  const renewed = heldSpec(fresh, 'me', 15_000, t1);
  assert.equal(renewed.leaseTransitions, 0);
  assert.equal(renewed.acquireTime?.getTime(), t0.getTime(), 'acquireTime kept on renewal');
  assert.equal(renewed.renewTime?.getTime(), t1.getTime());
  const taken = heldSpec({ ...fresh, holderIdentity: 'r2' }, 'me', 15_000, t1);
  assert.equal(taken.leaseTransitions, 1);
  assert.equal(taken.acquireTime?.getTime(), t1.getTime());
  const afterRelease = heldSpec(releasedSpec(taken, t1), 'r3', 1500, t1);
  assert.equal(afterRelease.leaseTransitions, 2, 'taking a released Lease is a transition too');
  assert.equal(afterRelease.leaseDurationSeconds, 2, 'whole seconds, rounded up');
});

test('releasedSpec: no holder, so the next replica may take it at once', () => {
  const spec = releasedSpec({ holderIdentity: 'me', leaseTransitions: 4 }, new Date(0));
  assert.equal(spec.holderIdentity, undefined);
  assert.equal(spec.leaseTransitions, 4);
  assert.equal(decideLease({ ...lease(''), durationMs: 1000 }, 'r2', 0, 0).kind, 'acquire');
});

test('spreadPlan: each replica aims at ceil(nodes / live replicas) and hands over one at a time', () => {
  const cases: [string, number, string[], number, ReturnType<typeof spreadPlan>][] = [
    ['alone: take everything', 3, [], 1, { target: 3, mayAcquire: 3, handOver: undefined }],
    ['three of three, one each', 3, ['n1'], 3, { target: 1, mayAcquire: 0, handOver: undefined }],
    [
      'holding all three when two more join: hand one over',
      3,
      ['n0', 'n1', 'n2'],
      3,
      { target: 1, mayAcquire: 0, handOver: 'n2' },
    ],
    [
      'a replica died: the survivors may take one more',
      3,
      ['n0'],
      2,
      { target: 2, mayAcquire: 1, handOver: undefined },
    ],
    [
      'five nodes, two replicas: three each at most',
      5,
      ['a', 'b', 'c'],
      2,
      { target: 3, mayAcquire: 0, handOver: undefined },
    ],
    ['more replicas than nodes', 2, ['a'], 4, { target: 1, mayAcquire: 0, handOver: undefined }],
    ['no live count: counted as one', 2, [], 0, { target: 2, mayAcquire: 2, handOver: undefined }],
  ];
  for (const [name, n, held, live, want] of cases) assert.deepEqual(spreadPlan(n, held, live), want, name);
});

test('spreadPlan: the targets always leave room for every node', () => {
  for (let nodes = 1; nodes <= 12; nodes++) {
    for (let live = 1; live <= 6; live++) {
      assert.ok(spreadPlan(nodes, [], live).target * live >= nodes, `${nodes} nodes, ${live} replicas`);
    }
  }
});

test('leaseTimingProblem: the duration outlives the renew deadline, which outlives the retry period', () => {
  assert.equal(
    leaseTimingProblem({ leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2000 }),
    undefined,
  );
  assert.match(
    leaseTimingProblem({ leaseDurationMs: 10_000, renewDeadlineMs: 10_000, retryPeriodMs: 2000 }) ?? '',
    /--lease-duration must be longer than --renew-deadline/,
  );
  assert.match(
    leaseTimingProblem({ leaseDurationMs: 15_000, renewDeadlineMs: 2000, retryPeriodMs: 2000 }) ?? '',
    /--renew-deadline must be longer than --retry-period/,
  );
  assert.match(
    leaseTimingProblem({ leaseDurationMs: 900, renewDeadlineMs: 600, retryPeriodMs: 200 }) ?? '',
    /at least 1s/,
  );
});

test('replicaLeaseName: any identity becomes a valid object name', () => {
  assert.equal(replicaLeaseName('eci-virtual-node-0'), 'eci-virtual-node-replica-eci-virtual-node-0');
  assert.equal(replicaLeaseName('My_Host.local'), 'eci-virtual-node-replica-my-host.local');
  assert.equal(replicaLeaseName('__'), 'eci-virtual-node-replica-unnamed');
});
