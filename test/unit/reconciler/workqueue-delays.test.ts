import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { DueKeys, WorkQueue } from '../../../reconciler/workqueue.ts';

test('due keys come out earliest first; an earlier time moves a key, a later one does not', () => {
  const due = new DueKeys<string>();
  const table: [string, number, boolean][] = [
    ['c', 30, true],
    ['a', 10, true],
    ['b', 20, true],
    ['c', 5, true], // earlier: moved
    ['a', 50, false], // later: kept at 10
    ['d', 20, true],
  ];
  for (const [key, at, changed] of table) assert.equal(due.schedule(key, at), changed, `${key}@${at}`);
  assert.equal(due.size, 4);
  assert.equal(due.next(), 5);
  assert.deepEqual(due.takeDue(4), []);
  assert.deepEqual(due.takeDue(10), ['c', 'a']);
  assert.equal(due.has('c'), false, 'its stale entry at 30 is not a second due time');
  assert.deepEqual(due.takeDue(100).sort(), ['b', 'd']);
  assert.equal(due.next(), undefined);
  assert.equal(due.size, 0);
});

test('many random due times come out in order', () => {
  const due = new DueKeys<number>();
  const times = Array.from({ length: 2000 }, (_, i) => ({ key: i, at: (i * 7919) % 1013 }));
  for (const { key, at } of times) due.schedule(key, at);
  const out = due.takeDue(2000);
  assert.equal(out.length, 2000);
  const at = new Map(times.map((t) => [t.key, t.at]));
  for (let i = 1; i < out.length; i++) assert.ok(at.get(out[i - 1]!)! <= at.get(out[i]!)!);
});

const timeouts = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

test('a thousand delayed keys share one timer and are all delivered', async () => {
  const q = new WorkQueue<string>();
  const before = timeouts();
  for (let i = 0; i < 1000; i++) q.addAfter(`k${i}`, 20 + (i % 30));
  assert.equal(q.delayed, 1000);
  assert.ok(timeouts() - before <= 1, `${timeouts() - before} timers for 1000 delayed keys`);
  const got = new Set<string>();
  while (got.size < 1000) {
    const key = await q.get();
    got.add(key!);
    q.done(key!);
  }
  assert.equal(q.delayed, 0);
  q.shutdown();
});

test('shutdown clears the delayed keys and their timer', async () => {
  const q = new WorkQueue<string>();
  q.addAfter('a', 30);
  q.shutdown();
  assert.equal(q.delayed, 0);
  await sleep(50);
  assert.equal(q.length, 0);
});
