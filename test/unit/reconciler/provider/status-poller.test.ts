// The status poller against an in-memory provider: a group flagged just after its create
// is fetched on the next tick, and stays flagged when a tick fails (issue 9 fix 5).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { EciGroup } from '../../../../reconciler/provider/eci-client.ts';
import { createLogger } from '../../../../shared/logger.ts';
import { StatusPoller } from '../../../../reconciler/provider/status-poller.ts';
import { PodTracker } from '../../../../reconciler/tracker.ts';

function setup() {
  const woken: string[] = [];
  const tracker = new PodTracker({ clusterId: 'c1', nodes: new Set(['vn']), wake: (uid) => woken.push(uid) });
  const described: string[][] = [];
  let failNext = 0;
  const provider = {
    listOwned: async (): Promise<EciGroup[]> => [],
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
  await poller.tick(); // the first tick is the full listing
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
