import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { TestEvent } from 'node:test/reporters';
import { errorExcerpt, recordsOf, type ReporterRecord } from '../../../scripts/test-integration/reporter.ts';
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
      details: {
        duration_ms: 5,
        error: {
          failureType: 'testCodeFailure',
          message: 'test failed',
          cause: {
            message: 'no API request was refused\n+ actual - expected\n\n+ [\n+   "pods is forbidden"\n+ ]',
          },
        },
      },
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
      {
        kind: 'failure',
        file: FILE,
        test: 'suite > case',
        error: 'no API request was refused\n+ actual - expected\n+ [\n+   "pods is forbidden"\n+ ]',
      },
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
    { kind: 'failure', file: '/r/b.test.ts', test: 'suite > case', error: 'Timed out\nafter 30 s' },
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
    failures: ['b.test.ts: suite > case\n      Timed out\n      after 30 s'],
    seconds: { 'a.test.ts': 12.3, 'b.test.ts': 40 },
    exitCode: 1,
  });
  const summary = summaryText([r], 61.2);
  assert.match(
    summary,
    /shard 2: 2 files \(1 failed\), 5 tests: 4 passed, 1 failed, 0 skipped: FAILED \(exit 1\)/,
  );
  assert.match(summary, /\[shard 2\] b\.test\.ts: suite > case\n {6}Timed out\n {6}after 30 s\n/);
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

test("errorExcerpt: the thrown error under node:test's wrapper, blank lines dropped, at most 8 lines of 240 characters", () => {
  assert.equal(errorExcerpt({ message: 'test failed', cause: { message: 'a\n\nb' } }), 'a\nb');
  assert.equal(errorExcerpt({ message: 'plain' }), 'plain');
  assert.equal(errorExcerpt({ cause: 'a string thrown' }), 'a string thrown');
  assert.equal(errorExcerpt(undefined), undefined);
  assert.equal(errorExcerpt({ cause: { message: '' } }), undefined);
  const long = errorExcerpt({
    cause: { message: `${'x'.repeat(500)}\n${Array.from({ length: 20 }, (_, i) => `l${i}`).join('\n')}` },
  })!;
  const lines = long.split('\n');
  assert.equal(lines.length, 8);
  assert.equal(lines[0], `${'x'.repeat(240)}…`);
  assert.equal(lines[7], 'l6');
});
