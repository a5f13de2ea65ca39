// Pure: the reporter's JSON lines of every shard → per-shard totals, the failing tests and
// the durations to store; and the summary text printed at the end of a run.
import { z } from 'zod';
import type { ReporterRecord } from './reporter.ts';

const recordSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('file'), file: z.string(), seconds: z.number() }),
  z.object({
    kind: z.literal('counts'),
    file: z.string(),
    tests: z.number(),
    passed: z.number(),
    failed: z.number(),
    skipped: z.number(),
  }),
  z.object({ kind: z.literal('failure'), file: z.string(), test: z.string(), error: z.string().optional() }),
]);

export interface ShardResult {
  shard: number;
  files: number;
  filesFailed: number;
  tests: number;
  passed: number;
  failed: number;
  skipped: number;
  /** "file: test > subtest" of every failing test, then its error's first lines, indented. */
  failures: string[];
  /** Wall seconds per finished file. */
  seconds: Record<string, number>;
  exitCode: number;
}

/** Parses one shard's reporter output; lines that are not records are ignored. */
export function parseRecords(text: string): ReporterRecord[] {
  const out: ReporterRecord[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      const parsed = recordSchema.safeParse(JSON.parse(line));
      if (parsed.success) out.push(parsed.data);
    } catch {
      // a partial last line of a killed run
    }
  }
  return out;
}

export function shardResult(
  shard: number,
  records: readonly ReporterRecord[],
  exitCode: number,
  relative: (file: string) => string,
): ShardResult {
  const r: ShardResult = {
    shard,
    files: 0,
    filesFailed: 0,
    tests: 0,
    passed: 0,
    failed: 0,
    skipped: 0,
    failures: [],
    seconds: {},
    exitCode,
  };
  const failedFiles = new Set<string>();
  for (const rec of records) {
    const file = relative(rec.file);
    if (rec.kind === 'file') {
      r.files += 1;
      r.seconds[file] = Math.round(rec.seconds * 10) / 10;
    } else if (rec.kind === 'counts') {
      r.tests += rec.tests;
      r.passed += rec.passed;
      r.failed += rec.failed;
      r.skipped += rec.skipped;
      if (rec.failed > 0) failedFiles.add(file);
    } else {
      const why = rec.error ? `\n${rec.error.replace(/^/gm, '      ')}` : '';
      r.failures.push(`${file}: ${rec.test}${why}`);
      failedFiles.add(file);
    }
  }
  r.filesFailed = failedFiles.size;
  return r;
}

/** The stored durations after a run: measured files updated, files that no longer exist dropped. */
export function mergedDurations(
  stored: Readonly<Record<string, number>>,
  measured: Readonly<Record<string, number>>,
  existing: ReadonlySet<string>,
): Record<string, number> {
  const all = { ...stored, ...measured };
  return Object.fromEntries(
    Object.keys(all)
      .filter((f) => existing.has(f))
      .sort()
      .map((f) => [f, all[f] as number]),
  );
}

export function summaryText(results: readonly ShardResult[], wallSeconds: number): string {
  const lines = ['', 'integration summary'];
  for (const r of results) {
    const status =
      r.exitCode === 0 && r.failed === 0 && r.failures.length === 0 ? 'ok' : `FAILED (exit ${r.exitCode})`;
    lines.push(
      `  shard ${r.shard}: ${r.files} files (${r.filesFailed} failed), ${r.tests} tests: ${r.passed} passed, ${r.failed} failed, ${r.skipped} skipped: ${status}`,
    );
  }
  const failures = results.flatMap((r) => r.failures.map((f) => `  [shard ${r.shard}] ${f}`));
  if (failures.length > 0) lines.push('failing tests:', ...failures);
  lines.push(`wall time ${wallSeconds.toFixed(0)} s`);
  return lines.join('\n');
}
