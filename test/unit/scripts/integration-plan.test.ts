import { test } from 'node:test';
import assert from 'node:assert/strict';
import { median, planShards, usesProcessMode } from '../../../scripts/test-integration/plan.ts';

const none = () => false;

test('median of the known durations', () => {
  for (const [values, want] of [
    [[], undefined],
    [[5], 5],
    [[9, 1, 5], 5],
    [[1, 2, 3, 10], 2.5],
  ] as const) {
    assert.equal(median(values), want, JSON.stringify(values));
  }
});

test('longest file first onto the least-loaded shard (LPT)', () => {
  const shards = planShards({
    files: ['a', 'b', 'c', 'd', 'e'],
    durations: { a: 10, b: 70, c: 40, d: 30, e: 20 },
    shards: 2,
    startsFirst: none,
    sameShard: none,
  });
  // b(70) → 1; c(40) → 2; d(30) → 2 (40 < 70); e(20) → 1 (70 = 70: the first); a(10) → 2
  assert.deepEqual(shards, [
    { files: ['b', 'e'], seconds: 90 },
    { files: ['c', 'd', 'a'], seconds: 80 },
  ]);
});

test('files without a measured duration count as the median of those with one', () => {
  const shards = planShards({
    files: ['known1', 'known2', 'known3', 'new'],
    durations: { known1: 100, known2: 20, known3: 10 },
    shards: 2,
    startsFirst: none,
    sameShard: none,
  });
  assert.deepEqual(shards, [
    { files: ['known1'], seconds: 100 },
    { files: ['known2', 'new', 'known3'], seconds: 50 },
  ]);
});

test('the files that start first lead their shard, however short', () => {
  const shards = planShards({
    files: ['chaos', 'long1', 'long2'],
    durations: { chaos: 5, long1: 60, long2: 50 },
    shards: 2,
    startsFirst: (f) => f === 'chaos',
    sameShard: none,
  });
  assert.equal(shards[0]?.files[0], 'chaos');
  assert.deepEqual(
    shards.map((s) => s.files),
    [['chaos', 'long2'], ['long1']],
  );
});

test('files that must share a shard land on one shard, longest first, placed as one unit', () => {
  const shards = planShards({
    files: ['p1', 'p2', 'p3', 'x', 'y'],
    durations: { p1: 10, p2: 30, p3: 20, x: 50, y: 40 },
    shards: 2,
    startsFirst: none,
    sameShard: (f) => f.startsWith('p'),
  });
  // the p unit weighs 60: it goes first, then x (50) and y (40) onto the lighter shard in turn
  assert.deepEqual(shards, [
    { files: ['p2', 'p3', 'p1'], seconds: 60 },
    { files: ['x', 'y'], seconds: 90 },
  ]);
});

test('more shards than files: empty shards are left out; one shard keeps every file', () => {
  const input = { durations: {}, startsFirst: none, sameShard: none };
  assert.deepEqual(
    planShards({ ...input, files: ['only'], shards: 4 }).map((s) => s.files),
    [['only']],
  );
  assert.deepEqual(
    planShards({ ...input, files: ['a', 'b', 'c'], shards: 1 }).map((s) => s.files),
    [['a', 'b', 'c']],
  );
  assert.deepEqual(planShards({ ...input, files: [], shards: 2 }), []);
});

test('process-mode test files are recognised by what they call', () => {
  for (const [source, want] of [
    ["test('x', { skip: skipUnlessProcessMode }, async () => {})", true],
    ['const probe = probeProcessMode();', true],
    ['t = await startProcessEmulator(231);', true],
    ["await startTestEmulator({ containers: 'process' })", true],
    ["await startTestEmulator({ containers: 'auto', zones })", true],
    ["spawn(process.execPath, ['emulator/main.ts', '--containers', 'process'])", true],
    ["await startStack({ emulator: { containers: 'simulation' } })", false],
    ["kubectl('top', 'pod', '--containers')", false],
  ] as const) {
    assert.equal(usesProcessMode(source), want, source);
  }
});
