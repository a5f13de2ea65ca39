// The replicas' Lease rounds on an in-memory store with compare-and-swap writes and a hand
// clock: spreading, hand-over, takeover after expiry, the renew deadline, leadership.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeConfig, V1Lease, V1LeaseSpec } from '@kubernetes/client-node';
import { ReplicaLeases } from '../../../../reconciler/leases/replica-leases.ts';
import {
  LEADER_LEASE,
  LEASE_KIND_LABEL,
  nodeLeaseName,
  type LeaseKind,
} from '../../../../reconciler/leases/lease-rules.ts';
import { createLogger } from '../../../../shared/logger.ts';

/** Leases in memory: a write carrying a stale resourceVersion loses, as on the API server. */
class MemoryLeases {
  readonly leases = new Map<string, V1Lease>();
  private rv = 0;
  /** While set, every call hangs (an API server that stopped answering). */
  hang = false;
  private hung = new Promise<never>(() => {});

  list(): Promise<Map<string, V1Lease>> {
    if (this.hang) return this.hung;
    return Promise.resolve(new Map([...this.leases].map(([k, v]) => [k, structuredClone(v)])));
  }

  write(name: string, kind: LeaseKind, current: V1Lease | undefined, spec: V1LeaseSpec): Promise<boolean> {
    if (this.hang) return this.hung;
    const stored = this.leases.get(name);
    if (stored?.metadata?.resourceVersion !== current?.metadata?.resourceVersion)
      return Promise.resolve(false);
    this.leases.set(name, {
      metadata: { name, labels: { [LEASE_KIND_LABEL]: kind }, resourceVersion: String(++this.rv) },
      spec,
    });
    return Promise.resolve(true);
  }

  delete(name: string): Promise<void> {
    this.leases.delete(name);
    return Promise.resolve();
  }

  holder(name: string): string {
    return this.leases.get(name)?.spec?.holderIdentity ?? '';
  }
}

const NODES = ['vn-0', 'vn-1', 'vn-2'];
const TIMING = { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2000 };

function replica(id: string, store: MemoryLeases, clock: { now: number }) {
  const log: string[] = [];
  const leases = new ReplicaLeases({
    ...TIMING,
    kc: undefined as unknown as KubeConfig,
    namespace: 'ns',
    replicaId: id,
    nodes: NODES,
    store,
    now: () => clock.now,
    log: createLogger('test', { level: 'silent' }),
    hooks: {
      acquired: (node, from) => {
        log.push(`acquired ${node}${from ? ` from ${from}` : ''}`);
        return Promise.resolve();
      },
      handOver: (node) => {
        log.push(`handOver ${node}`);
        return Promise.resolve();
      },
      lost: (node) => log.push(`lost ${node}`),
      leader: (is) => log.push(is ? 'leader' : 'not leader'),
    },
  });
  return { leases, log };
}

const holders = (store: MemoryLeases) => NODES.map((n) => store.holder(nodeLeaseName(n)));

test('alone: every node and the leadership; a second replica gets an even share by hand-over', async () => {
  const store = new MemoryLeases();
  const clock = { now: 0 };
  const a = replica('a', store, clock);
  const b = replica('b', store, clock);
  await a.leases.tick();
  assert.deepEqual(holders(store), ['a', 'a', 'a']);
  assert.equal(store.holder(LEADER_LEASE), 'a');
  assert.deepEqual(a.log, ['acquired vn-0', 'acquired vn-1', 'acquired vn-2', 'leader']);
  for (let round = 0; round < 4; round++) {
    clock.now += TIMING.retryPeriodMs;
    await b.leases.tick();
    await a.leases.tick();
  }
  // ceil(3 / 2) = 2: a hands one over (its work stopped first), b takes it once released.
  assert.deepEqual(a.leases.heldNodes.length, 2);
  assert.deepEqual(b.leases.heldNodes, ['vn-2']);
  assert.ok(a.log.indexOf('handOver vn-2') >= 0);
  assert.ok(b.log.includes('acquired vn-2'), 'a released Lease is taken, not a takeover');
  assert.deepEqual(holders(store), ['a', 'a', 'b']);
  assert.equal(a.leases.isLeader, true);
  assert.equal(b.leases.isLeader, false);
});

test('a replica that stops renewing: dropped by its own watchdog at the renew deadline, taken over only after the lease duration', async () => {
  const store = new MemoryLeases();
  const clock = { now: 0 };
  const a = replica('a', store, clock);
  const b = replica('b', store, clock);
  await a.leases.tick();
  await b.leases.tick();
  // a's API server stops answering (a round hangs) while b's keeps working.
  const aStore = store;
  const stuck = new MemoryLeases();
  stuck.hang = true;
  (a.leases as unknown as { store: MemoryLeases }).store = stuck;
  void a.leases.tick();
  let aLostAt: number | undefined;
  let bTookAt: number | undefined;
  for (let t = 500; t <= 30_000; t += 500) {
    clock.now = t;
    a.leases.enforceDeadline(t);
    if (aLostAt === undefined && a.leases.heldNodes.length === 0) aLostAt = t;
    if (t % TIMING.retryPeriodMs === 0) await b.leases.tick();
    if (bTookAt === undefined && holders(aStore).every((h) => h === 'b')) bTookAt = t;
  }
  assert.ok(aLostAt !== undefined && bTookAt !== undefined, `lost at ${aLostAt}, taken at ${bTookAt}`);
  assert.ok(aLostAt <= TIMING.renewDeadlineMs + 500, 'a stops acting at its renew deadline');
  assert.ok(bTookAt >= TIMING.leaseDurationMs, 'b takes over only once the Lease expired');
  assert.ok(aLostAt < bTookAt, 'never two holders acting at once');
  assert.deepEqual(a.log.slice(-4), ['lost vn-0', 'lost vn-1', 'lost vn-2', 'not leader']);
  assert.ok(b.log.includes('acquired vn-0 from a'), 'a takeover names the previous holder');
  assert.equal(aStore.holder(LEADER_LEASE), 'b');
});

test('a Lease another replica wrote over is dropped on the next round', async () => {
  const store = new MemoryLeases();
  const clock = { now: 0 };
  const a = replica('a', store, clock);
  await a.leases.tick();
  const lease = store.leases.get(nodeLeaseName('vn-1'))!;
  store.leases.set(nodeLeaseName('vn-1'), {
    ...lease,
    metadata: { ...lease.metadata, resourceVersion: '999' },
    spec: { ...lease.spec, holderIdentity: 'intruder' },
  });
  clock.now += TIMING.retryPeriodMs;
  await a.leases.tick();
  assert.ok(a.log.includes('lost vn-1'));
  assert.equal(a.leases.holds('vn-1'), false);
});

test('stop: work handed over, every Lease released, presence removed', async () => {
  const store = new MemoryLeases();
  const clock = { now: 0 };
  const a = replica('a', store, clock);
  await a.leases.tick();
  await a.leases.stop();
  assert.deepEqual(holders(store), ['', '', '']);
  assert.equal(store.holder(LEADER_LEASE), '');
  assert.deepEqual(
    [...store.leases.keys()].filter((k) => k.includes('replica')),
    [],
    'presence Lease deleted',
  );
  assert.deepEqual(a.log.filter((l) => l.startsWith('handOver')).length, 3);
});

test('restarted under the same identity (kill -9, then the StatefulSet pod again): its Leases are taken back at once', async () => {
  const store = new MemoryLeases();
  const clock = { now: 0 };
  const before = replica('a', store, clock);
  await before.leases.tick();
  // The process dies without releasing; its successor has the same name.
  clock.now += 1000;
  const after = replica('a', store, clock);
  await after.leases.tick();
  assert.deepEqual(after.leases.heldNodes, NODES);
  assert.deepEqual(after.log.slice(0, 3), ['acquired vn-0', 'acquired vn-1', 'acquired vn-2']);
});

test('stop while a node is still starting (its registration retrying): the hand-over ends the start, stop returns', async () => {
  const store = new MemoryLeases();
  let endStart: () => void = () => {};
  const leases = new ReplicaLeases({
    ...TIMING,
    kc: undefined as unknown as KubeConfig,
    namespace: 'ns',
    replicaId: 'a',
    nodes: ['vn-0'],
    store,
    now: () => 0,
    log: createLogger('test', { level: 'silent' }),
    hooks: {
      acquired: () => new Promise<void>((resolve) => (endStart = resolve)),
      handOver: () => {
        endStart();
        return Promise.resolve();
      },
      lost: () => {},
      leader: () => {},
    },
  });
  await leases.tick();
  assert.equal(leases.holds('vn-0'), true);
  await leases.stop();
  assert.equal(store.holder(nodeLeaseName('vn-0')), '', 'released');
});
