import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { runWorkers, TerminalError, TokenBucket, WorkQueue } from '../../../reconciler/workqueue.ts';
import { backoffDelay } from '../../../shared/backoff.ts';

test('backoff doubles from 5 ms and caps at 5 min', () => {
  const delays = [0, 1, 2, 3, 10, 15, 16, 17, 100, 5000].map((n) => backoffDelay(n, 5, 300_000));
  assert.deepEqual(delays, [5, 10, 20, 40, 5120, 163_840, 300_000, 300_000, 300_000, 300_000]);
  assert.equal(backoffDelay(-1, 5, 300_000), 0);
});

test('token bucket: burst then refill at the rate', () => {
  let now = 0;
  const bucket = new TokenBucket(20, 100, () => now);
  const takeAll = () => {
    let taken = 0;
    while (bucket.reserve() === 0) taken++;
    return taken;
  };
  // Each round ends with one reservation 50 ms (1/20 s) ahead, paid from the next refill.
  assert.equal(takeAll(), 100);
  now += 500; // 10 tokens, one of them already reserved
  assert.equal(takeAll(), 9);
  now += 100_000; // never above burst
  assert.equal(takeAll(), 100);
  assert.equal(bucket.reserve(), 100, 'a second reservation ahead waits two refill periods');
});

test('token bucket reserve reports the wait for a future token', () => {
  let now = 0;
  const bucket = new TokenBucket(10, 2, () => now);
  assert.equal(bucket.reserve(), 0);
  assert.equal(bucket.reserve(), 0);
  assert.equal(bucket.reserve(), 100);
  assert.equal(bucket.reserve(), 200);
  now = 200;
  assert.equal(bucket.reserve(), 100);
  assert.throws(() => new TokenBucket(0, 1), /ratePerSec/);
});

test('a key added many times is queued once', async () => {
  const q = new WorkQueue<string>();
  q.add('a');
  q.add('b');
  q.add('a');
  q.add('a');
  assert.equal(q.length, 2);
  assert.equal(await q.get(), 'a');
  assert.equal(await q.get(), 'b');
  assert.equal(q.length, 0);
});

test('a key added while processing is re-queued only after done, never handed out twice', async () => {
  const q = new WorkQueue<string>();
  q.add('a');
  const first = await q.get();
  assert.equal(first, 'a');
  q.add('a');
  q.add('a');
  assert.equal(q.length, 0, 'not queued while being processed');
  assert.ok(q.isProcessing('a'));
  q.done('a');
  assert.equal(q.length, 1);
  assert.equal(await q.get(), 'a');
  q.done('a');
  assert.equal(q.length, 0);
});

test('has() covers queued, delayed and processing keys', async () => {
  const q = new WorkQueue<string>();
  assert.equal(q.has('a'), false);
  q.add('a');
  assert.equal(q.has('a'), true);
  await q.get();
  assert.equal(q.has('a'), true, 'processing');
  q.done('a');
  assert.equal(q.has('a'), false);
  q.addAfter('b', 1000);
  assert.equal(q.has('b'), true, 'delayed');
  q.shutdown();
});

test('get waits for an add and returns undefined after shutdown', async () => {
  const q = new WorkQueue<number>();
  const pending = q.get();
  q.add(7);
  assert.equal(await pending, 7);
  const waiting = q.get();
  q.shutdown();
  assert.equal(await waiting, undefined);
  assert.equal(await q.get(), undefined);
  q.add(8);
  assert.equal(q.length, 0);
});

test('addRateLimited backs off per key and forget resets', () => {
  const q = new WorkQueue<string>({ baseDelayMs: 5, maxDelayMs: 40, bucket: new TokenBucket(1000, 1000) });
  assert.deepEqual(
    [1, 2, 3, 4, 5].map(() => q.addRateLimited('a')),
    [5, 10, 20, 40, 40],
  );
  assert.equal(q.retries('a'), 5);
  assert.equal(q.addRateLimited('b'), 5, 'keys back off independently');
  q.forget('a');
  assert.equal(q.retries('a'), 0);
  assert.equal(q.addRateLimited('a'), 5);
  q.shutdown();
});

test('addRateLimited is limited by the global bucket once it is empty', () => {
  const now = 0;
  const q = new WorkQueue<string>({ baseDelayMs: 1, bucket: new TokenBucket(10, 1, () => now) });
  assert.equal(q.addRateLimited('a'), 1);
  assert.equal(q.addRateLimited('b'), 100);
  assert.equal(q.addRateLimited('c'), 200);
  q.shutdown();
});

test('addAfter delivers after the delay; the earlier of two pending delays wins', async () => {
  const q = new WorkQueue<string>();
  q.addAfter('a', 40);
  q.addAfter('a', 500);
  q.addAfter('b', 1);
  assert.equal(q.length, 0);
  assert.equal(q.delayed, 2);
  assert.equal(await q.get(), 'b');
  const started = Date.now();
  assert.equal(await q.get(), 'a');
  assert.ok(Date.now() - started < 450, 'the 40 ms add won over the 500 ms one');
  q.shutdown();
});

test('runWorkers: at most one worker per key, retries on throw until success', async () => {
  const q = new WorkQueue<string>({ baseDelayMs: 1, bucket: new TokenBucket(1000, 1000) });
  const active = new Set<string>();
  let overlap = false;
  const calls = new Map<string, number>();
  const run = runWorkers(q, 4, async (key) => {
    if (active.has(key)) overlap = true;
    active.add(key);
    calls.set(key, (calls.get(key) ?? 0) + 1);
    await sleep(2);
    active.delete(key);
    if (key === 'flaky' && calls.get(key)! < 3) throw new Error('transient');
  });
  for (let i = 0; i < 20; i++) {
    q.add('x');
    q.add('flaky');
    await sleep(1);
  }
  await sleep(50);
  q.shutdown();
  await run;
  assert.equal(overlap, false);
  assert.ok(calls.get('flaky')! >= 3);
  assert.equal(q.retries('flaky'), 0, 'success forgets the failures');
  assert.ok(calls.get('x')! < 20, 'adds during processing collapse');
});

test('runWorkers: requeueAfterMs schedules another pass, a throw backs off, a TerminalError is dropped', async () => {
  const q = new WorkQueue<string>({ baseDelayMs: 1, bucket: new TokenBucket(1000, 1000) });
  const seen: string[] = [];
  const run = runWorkers(q, 1, async (key) => {
    seen.push(key);
    if (key === 'again' && seen.filter((k) => k === 'again').length < 2) return { requeueAfterMs: 5 };
    if (key === 'retry' && seen.filter((k) => k === 'retry').length < 2) throw new Error('transient');
    if (key === 'terminal') throw new TerminalError('never retried');
  });
  q.add('again');
  q.add('retry');
  q.add('terminal');
  await sleep(60);
  q.shutdown();
  await run;
  assert.equal(seen.filter((k) => k === 'again').length, 2);
  assert.equal(seen.filter((k) => k === 'retry').length, 2);
  assert.equal(seen.filter((k) => k === 'terminal').length, 1);
  assert.equal(q.retries('terminal'), 0);
});
