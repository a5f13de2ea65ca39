// The status poller against an in-memory provider: a group flagged just after its create
// is fetched on the next tick, and stays flagged when a tick fails (issue 9 fix 5); the full
// listing runs beside the incremental poll and never overwrites what a later poll saw (issue 13).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { EciGroup } from '../../../../reconciler/provider/eci-client.ts';
import { createLogger } from '../../../../shared/logger.ts';
import { StatusPoller, staleFiltered } from '../../../../reconciler/provider/status-poller.ts';
import { PodTracker } from '../../../../reconciler/tracker.ts';
import { ownershipTags } from '../../../../reconciler/ownership.ts';

const owner = (nodeName: string, id: string) => ({
  clusterId: 'c1',
  nodeName,
  namespace: 'ns',
  podName: id,
  podUid: `uid-${id}`,
});

function setup() {
  const woken: string[] = [];
  const tracker = new PodTracker({ clusterId: 'c1', nodes: new Set(['vn']), wake: (uid) => woken.push(uid) });
  const described: string[][] = [];
  let failNext = 0;
  const provider = {
    ownedPages: async function* (): AsyncGenerator<EciGroup[]> {},
    changedSince: async () => [] as { id: string; status: string }[],
    describeMany: async (ids: string[]): Promise<EciGroup[]> => {
      described.push(ids);
      if (failNext > 0) {
        failNext--;
        throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
      }
      return ids.map((id) => ({ containerGroupId: id, status: 'Running' }) as EciGroup);
    },
  };
  const poller = new StatusPoller({
    provider,
    target: tracker,
    intervalMs: 10,
    resyncIntervalMs: 3_600_000,
    gcIntervalMs: 3_600_000,
    log: createLogger('test', { level: 'silent' }),
  });
  return { tracker, poller, described, woken, failOnce: () => (failNext = 1) };
}

test('a just-created group is fetched on the next tick even if ECI reports no change', async () => {
  const { tracker, poller, described, woken } = setup();
  await poller.tick();
  tracker.bindGroup('u1', 'eci-1', undefined, { fresh: true });
  await poller.tick();
  assert.deepEqual(described, [['eci-1']]);
  assert.equal(tracker.get('u1')?.record?.group?.status, 'Running');
  assert.ok(woken.includes('u1'));
  assert.deepEqual(tracker.dirtyIds(), []);
});

test('a failed poll keeps the dirty ids for the next tick (not the 60 s resync)', async () => {
  const { tracker, poller, described, failOnce } = setup();
  await poller.tick();
  tracker.bindGroup('u1', 'eci-1', undefined, { fresh: true });
  failOnce();
  await assert.rejects(poller.tick(), /socket hang up/);
  assert.deepEqual(tracker.dirtyIds(), ['eci-1'], 'still flagged');
  await poller.tick();
  assert.deepEqual(described, [['eci-1'], ['eci-1']]);
  assert.equal(tracker.get('u1')?.record?.group?.status, 'Running');
  assert.deepEqual(tracker.dirtyIds(), []);
});

test('the full listing goes node by node: the served nodes, every node when sweeping, the sweep per node', async () => {
  const tracker = new PodTracker({ clusterId: 'c1', nodes: new Set(['vn-a']), wake: () => {} });
  const listed: (string | undefined)[] = [];
  const swept: (string | undefined)[] = [];
  const group = (id: string, node: string) =>
    ({ containerGroupId: id, status: 'Running', tags: ownershipTags(owner(node, id)) }) as EciGroup;
  const provider = {
    ownedPages: async function* (node?: string): AsyncGenerator<EciGroup[]> {
      listed.push(node);
      yield node === 'vn-a' ? [group('eci-a', 'vn-a')] : node === 'vn-b' ? [group('eci-b', 'vn-b')] : [];
    },
    changedSince: async () => [] as { id: string; status: string }[],
    describeMany: async (): Promise<EciGroup[]> => [],
  };
  let leader = false;
  const poller = new StatusPoller({
    provider,
    target: tracker,
    onFullList: async (groups, node) => swept.push(`${node}:${groups.map((g) => g.containerGroupId).join()}`),
    sweeps: () => leader,
    scope: (sweeping) => (sweeping ? ['vn-a', 'vn-b'] : ['vn-a']),
    intervalMs: 10,
    resyncIntervalMs: 0,
    gcIntervalMs: 0,
    log: createLogger('test', { level: 'silent' }),
  });
  await poller.fullList();
  assert.deepEqual(listed, ['vn-a'], 'not the leader: only the served node, no sweep');
  assert.deepEqual(swept, []);
  assert.equal(tracker.uidOfGroup('eci-a'), 'uid-eci-a', 'the served node’s group is tracked');
  leader = true;
  listed.length = 0;
  await poller.fullList();
  assert.deepEqual(listed, ['vn-a', 'vn-b']);
  assert.deepEqual(swept, ['vn-a:eci-a', 'vn-b:eci-b']);
  assert.equal(tracker.uidOfGroup('eci-b'), undefined, 'another node’s group is swept, not tracked');
  assert.equal(tracker.get('uid-eci-a')?.record?.gone, undefined, 'listed on its node: not gone');
});

/** A listing that answers only when the test says so (ECI paging through thousands of groups). */
function slowListing() {
  let release: (groups: EciGroup[]) => void = () => {};
  const calls: (string | undefined)[] = [];
  async function* ownedPages(node?: string): AsyncGenerator<EciGroup[]> {
    calls.push(node);
    yield await new Promise<EciGroup[]>((resolve) => (release = resolve));
  }
  return { ownedPages, calls, release: (groups: EciGroup[]) => release(groups) };
}

async function until(what: string, ok: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !ok(); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(ok(), what);
}

const groupOf = (id: string, status: string) =>
  ({ containerGroupId: id, status, tags: ownershipTags(owner('vn', id)) }) as EciGroup;

test('the incremental poll keeps running while a full listing is in progress', async () => {
  const tracker = new PodTracker({ clusterId: 'c1', nodes: new Set(['vn']), wake: () => {} });
  tracker.bindGroup('u1', 'eci-1', groupOf('eci-1', 'Running'), { node: 'vn' });
  const listing = slowListing();
  let polls = 0;
  const poller = new StatusPoller({
    provider: {
      ownedPages: listing.ownedPages,
      changedSince: async () => (polls++, [{ id: 'eci-1', status: 'Failed' }]),
      describeMany: async (ids: string[]) => ids.map((id) => groupOf(id, 'Failed')),
    },
    target: tracker,
    intervalMs: 5,
    resyncIntervalMs: 3_600_000,
    gcIntervalMs: 3_600_000,
    log: createLogger('test', { level: 'silent' }),
  });
  poller.start();
  await until('the listing started', () => listing.calls.length === 1);
  await until('polls ran during the listing', () => polls >= 3);
  assert.equal(tracker.get('u1')?.record?.group?.status, 'Failed', 'the change reached the tracker');
  listing.release([]);
  await poller.stop();
});

test('a listing that answers after a poll does not overwrite the fresher status', async () => {
  const tracker = new PodTracker({ clusterId: 'c1', nodes: new Set(['vn']), wake: () => {} });
  tracker.bindGroup('u1', 'eci-1', groupOf('eci-1', 'Running'), { node: 'vn' });
  tracker.bindGroup('u2', 'eci-2', groupOf('eci-2', 'Pending'), { node: 'vn' });
  const listing = slowListing();
  const poller = new StatusPoller({
    provider: {
      ownedPages: listing.ownedPages,
      changedSince: async () => [{ id: 'eci-1', status: 'Failed' }],
      describeMany: async (ids: string[]) => ids.map((id) => groupOf(id, 'Failed')),
    },
    target: tracker,
    intervalMs: 5,
    resyncIntervalMs: 3_600_000,
    gcIntervalMs: 3_600_000,
    log: createLogger('test', { level: 'silent' }),
  });
  const full = poller.fullList();
  await until('the listing started', () => listing.calls.length === 1);
  await poller.tick(); // sees eci-1 fail while the listing is out
  listing.release([groupOf('eci-1', 'Running'), groupOf('eci-2', 'Running')]); // read before the failure
  await full;
  assert.equal(tracker.get('u1')?.record?.group?.status, 'Failed', 'not put back to Running');
  assert.equal(tracker.get('u2')?.record?.group?.status, 'Running', 'the rest of the listing applies');
});

test('staleFiltered drops the listed groups a poll saw after the listing asked', () => {
  const g = (id: string) => ({ containerGroupId: id }) as EciGroup;
  const cases: [string, Map<string, number>, number, string[]][] = [
    ['nothing fresh', new Map(), 100, ['a', 'b']],
    ['seen after the request', new Map([['a', 150]]), 100, ['b']],
    ['seen before the request', new Map([['a', 50]]), 100, ['a', 'b']],
    ['seen at the same instant: the poll wins', new Map([['b', 100]]), 100, ['a']],
  ];
  for (const [name, fresh, listedAt, want] of cases)
    assert.deepEqual(
      staleFiltered([g('a'), g('b')], fresh, listedAt).map((x) => x.containerGroupId),
      want,
      name,
    );
});

test('the listing applies each page as it comes; the sweep still gets the node’s whole listing', async () => {
  const tracker = new PodTracker({ clusterId: 'c1', nodes: new Set(['vn']), wake: () => {} });
  const swept: string[][] = [];
  const seenBeforeSecondPage: (string | undefined)[] = [];
  const poller = new StatusPoller({
    provider: {
      ownedPages: async function* (): AsyncGenerator<EciGroup[]> {
        yield [groupOf('eci-1', 'Running')];
        seenBeforeSecondPage.push(tracker.uidOfGroup('eci-1'));
        yield [groupOf('eci-2', 'Running')];
      },
      changedSince: async () => [],
      describeMany: async () => [],
    },
    target: tracker,
    onFullList: async (groups) => swept.push(groups.map((g) => g.containerGroupId!)),
    intervalMs: 5,
    resyncIntervalMs: 0,
    gcIntervalMs: 0,
    log: createLogger('test', { level: 'silent' }),
  });
  await poller.fullList();
  assert.deepEqual(seenBeforeSecondPage, ['uid-eci-1'], 'the first page was applied before the second came');
  assert.deepEqual(swept, [['eci-1', 'eci-2']]);
  assert.equal(tracker.uidOfGroup('eci-2'), 'uid-eci-2');
});
