// A node:test reporter for scripts/test-integration.ts: one JSON line per finished file
// (its wall seconds and counts) and per failing test (its full name), so the run can print
// one summary and refresh test/integration/durations.json. The spec reporter beside it
// prints what a person reads.
import { resolve } from 'node:path';
import type { TestEvent } from 'node:test/reporters';

export type ReporterRecord =
  | { kind: 'file'; file: string; seconds: number }
  | { kind: 'counts'; file: string; tests: number; passed: number; failed: number; skipped: number }
  | { kind: 'failure'; file: string; test: string };

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
      return [{ kind: 'failure', file: file ?? '(no file)', test: path }];
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
