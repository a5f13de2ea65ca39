import { test } from 'node:test';
import assert from 'node:assert/strict';
import { batches, IDS_PER_DESCRIBE, sinceSeconds } from '../../../reconciler/provider/status-poller.ts';
import { eciEventKey, unseenEvents } from '../../../reconciler/events.ts';

test('ids are described 20 at a time, never one call per group', () => {
  const ids = Array.from({ length: 45 }, (_, i) => `eci-${i}`);
  const out = batches(ids);
  assert.equal(IDS_PER_DESCRIBE, 20);
  assert.deepEqual(
    out.map((b) => b.length),
    [20, 20, 5],
  );
  assert.deepEqual(out.flat(), ids);
  assert.deepEqual(batches([]), []);
});

test('the SinceSecond window covers the gap since the last poll with overlap', () => {
  assert.equal(sinceSeconds(0, 1000), 2);
  assert.equal(sinceSeconds(1000, 1300), 2);
  assert.equal(sinceSeconds(1000, 6500), 7);
  assert.equal(sinceSeconds(1000, 1000), 1);
});

test('ECI events are relayed once; a repeat (count/lastTimestamp change) is new', () => {
  const pulled = { name: 'g.1', reason: 'Pulled', message: 'pulled nginx', count: 1, lastTimestamp: 't1' };
  const started = { name: 'g.2', reason: 'Started', message: 'started', count: 1, lastTimestamp: 't1' };
  const first = unseenEvents([pulled], new Set());
  assert.deepEqual(first.fresh, [pulled]);
  const second = unseenEvents([pulled, started], first.seen);
  assert.deepEqual(second.fresh, [started]);
  const third = unseenEvents([pulled, started], second.seen);
  assert.deepEqual(third.fresh, []);
  const repeat = { ...pulled, count: 2, lastTimestamp: 't2' };
  assert.deepEqual(unseenEvents([repeat, started], third.seen).fresh, [repeat]);
  assert.notEqual(eciEventKey(pulled), eciEventKey(repeat));
  assert.deepEqual(unseenEvents(undefined, new Set()).fresh, []);
});
