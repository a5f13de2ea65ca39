// A node:test reporter for scripts/test-integration.ts: one JSON line per finished file
// (its wall seconds and counts) and per failing test (its full name and the first lines of
// its error, so a log's tail, all CI shows, says why), so the run can print
// one summary and refresh test/integration/durations.json. The spec reporter beside it
// prints what a person reads.
import { resolve } from 'node:path';
import type { TestEvent } from 'node:test/reporters';

export type ReporterRecord =
  | { kind: 'file'; file: string; seconds: number }
  | { kind: 'counts'; file: string; tests: number; passed: number; failed: number; skipped: number }
  | { kind: 'failure'; file: string; test: string; error?: string };

/** Lines and characters of a failure's error kept for the summary. */
const ERROR_LINES = 8;
const ERROR_LINE_CHARS = 240;

/** Pure: the first lines of a failing test's error (node:test wraps the thrown one as its `cause`). */
export function errorExcerpt(error: unknown): string | undefined {
  const e = error as { cause?: unknown; message?: unknown } | undefined;
  const inner = (e?.cause ?? e) as { message?: unknown } | undefined;
  const message = typeof inner?.message === 'string' ? inner.message : typeof inner === 'string' ? inner : '';
  const lines = message
    .split('\n')
    .map((l) => l.trimEnd())
    .filter((l) => l.trim() !== '')
    .slice(0, ERROR_LINES)
    .map((l) => (l.length > ERROR_LINE_CHARS ? `${l.slice(0, ERROR_LINE_CHARS)}…` : l));
  return lines.length > 0 ? lines.join('\n') : undefined;
}

/** Pure: the records one event yields; `names` holds the names of the tests started so far, by nesting. */
export function recordsOf(event: TestEvent, names: string[]): ReporterRecord[] {
  switch (event.type) {
    case 'test:start':
      names[event.data.nesting] = event.data.name;
      return [];
    case 'test:complete': {
      const { file, name, nesting, details } = event.data;
      // The runner reports each file (run in its own process) as a test named as it was given.
      if (file && nesting === 0 && resolve(name) === file) {
        return [{ kind: 'file', file, seconds: details.duration_ms / 1000 }];
      }
      return [];
    }
    case 'test:summary': {
      const { file, counts } = event.data;
      if (!file) return [];
      // Cancelled tests (a timeout, a file that crashed) count as failed.
      const failed = counts.tests - counts.passed - counts.skipped - counts.todo;
      return [
        { kind: 'counts', file, tests: counts.tests, passed: counts.passed, failed, skipped: counts.skipped },
      ];
    }
    case 'test:fail': {
      const { file, name, nesting, details } = event.data;
      // A suite fails because a test in it did: that test is reported on its own.
      if ((details.error as { failureType?: string }).failureType === 'subtestsFailed') return [];
      const path = [...names.slice(0, nesting), name].join(' > ');
      const error = errorExcerpt(details.error);
      return [{ kind: 'failure', file: file ?? '(no file)', test: path, ...(error ? { error } : {}) }];
    }
    default:
      return [];
  }
}

export default async function* reporter(source: AsyncIterable<TestEvent>): AsyncGenerator<string> {
  const names: string[] = [];
  for await (const event of source) {
    for (const record of recordsOf(event, names)) yield `${JSON.stringify(record)}\n`;
  }
}
