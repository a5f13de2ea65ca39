import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { TestEvent } from 'node:test/reporters';
import { recordsOf, type ReporterRecord } from '../../../scripts/test-integration/reporter.ts';
import {
  mergedDurations,
  parseRecords,
  shardResult,
  summaryText,
} from '../../../scripts/test-integration/results.ts';

const FILE = `${process.cwd()}/test/integration/x/a.test.ts`;
const ev = (type: string, data: Record<string, unknown>) => ({ type, data }) as unknown as TestEvent;

test('reporter: a file is the nesting-0 test named as the file was given; failing leaves get their full name', () => {
  const names: string[] = [];
  const events = [
    ev('test:start', { name: 'suite', nesting: 0, file: FILE }),
    ev('test:start', { name: 'case', nesting: 1, file: FILE }),
    ev('test:fail', {
      name: 'case',
      nesting: 1,
      file: FILE,
      details: { duration_ms: 5, error: { failureType: 'testCodeFailure' } },
    }),
    ev('test:fail', {
      name: 'suite',
      nesting: 0,
      file: FILE,
      details: { duration_ms: 6, error: { failureType: 'subtestsFailed' } },
    }),
    ev('test:complete', { name: 'suite', nesting: 0, file: FILE, details: { duration_ms: 6 } }),
    ev('test:summary', {
      file: FILE,
      counts: { tests: 3, passed: 1, skipped: 1, todo: 0, cancelled: 0, suites: 1, topLevel: 1 },
    }),
    ev('test:complete', {
      name: 'test/integration/x/a.test.ts',
      nesting: 0,
      file: FILE,
      details: { duration_ms: 12_345 },
    }),
    ev('test:summary', { file: undefined, counts: { tests: 3, passed: 1, skipped: 1, todo: 0 } }),
  ];
  assert.deepEqual(
    events.flatMap((e) => recordsOf(e, names)),
    [
      { kind: 'failure', file: FILE, test: 'suite > case' },
      { kind: 'counts', file: FILE, tests: 3, passed: 1, failed: 1, skipped: 1 },
      { kind: 'file', file: FILE, seconds: 12.345 },
    ],
  );
});

test('results: records of a shard add up; junk lines are skipped', () => {
  const records: ReporterRecord[] = [
    { kind: 'file', file: '/r/a.test.ts', seconds: 12.34 },
    { kind: 'counts', file: '/r/a.test.ts', tests: 3, passed: 3, failed: 0, skipped: 0 },
    { kind: 'file', file: '/r/b.test.ts', seconds: 40 },
    { kind: 'counts', file: '/r/b.test.ts', tests: 2, passed: 1, failed: 1, skipped: 0 },
    { kind: 'failure', file: '/r/b.test.ts', test: 'suite > case' },
  ];
  const text = `${records.map((r) => JSON.stringify(r)).join('\n')}\nnot json\n{"kind":"other"}\n{"kind":"fi`;
  assert.deepEqual(parseRecords(text), records);
  const r = shardResult(2, records, 1, (f) => f.replace('/r/', ''));
  assert.deepEqual(r, {
    shard: 2,
    files: 2,
    filesFailed: 1,
    tests: 5,
    passed: 4,
    failed: 1,
    skipped: 0,
    failures: ['b.test.ts: suite > case'],
    seconds: { 'a.test.ts': 12.3, 'b.test.ts': 40 },
    exitCode: 1,
  });
  const summary = summaryText([r], 61.2);
  assert.match(
    summary,
    /shard 2: 2 files \(1 failed\), 5 tests: 4 passed, 1 failed, 0 skipped: FAILED \(exit 1\)/,
  );
  assert.match(summary, /\[shard 2\] b\.test\.ts: suite > case/);
  assert.match(summary, /wall time 61 s/);
});

test('durations: measured files replace stored ones, files gone are dropped, keys sorted', () => {
  assert.deepEqual(mergedDurations({ b: 1, gone: 9, c: 3 }, { b: 2, a: 5 }, new Set(['a', 'b', 'c'])), {
    a: 5,
    b: 2,
    c: 3,
  });
  assert.deepEqual(Object.keys(mergedDurations({ z: 1 }, { a: 1, m: 1 }, new Set(['a', 'm', 'z']))), [
    'a',
    'm',
    'z',
  ]);
});
