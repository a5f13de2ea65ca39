// Ginkgo's JSON report (--ginkgo.json-report) → one row per in-scope spec.
// Pure: reading and writing files is the caller's job.
import { z } from 'zod';
import { inScope, specFullText } from './spec-filter.ts';

const codeLocationSchema = z.object({ FileName: z.string().optional(), LineNumber: z.number().optional() });

const specReportSchema = z.object({
  ContainerHierarchyTexts: z.array(z.string()).nullish(),
  LeafNodeType: z.string(),
  LeafNodeText: z.string().optional().default(''),
  LeafNodeLabels: z.array(z.string()).nullish(),
  State: z.string(),
  RunTime: z.number().optional().default(0),
  Failure: z
    .object({ Message: z.string().optional().default(''), Location: codeLocationSchema.optional() })
    .optional(),
});

const suiteReportSchema = z.object({
  SuiteDescription: z.string().optional(),
  SuiteSucceeded: z.boolean().optional(),
  RunTime: z.number().optional(),
  SpecReports: z.array(specReportSchema).nullish(),
});

/** A report file holds one suite report per suite (one here). */
export const ginkgoReportSchema = z.array(suiteReportSchema);

export type Result = 'passed' | 'failed' | 'skipped' | 'not run' | 'not applicable';

export interface SpecRow {
  spec: string;
  result: Result;
  /** Seconds, one decimal. */
  durationSec: number;
  /** First line of the failure (or of the skip reason), for failures and skips. */
  detail?: string;
  /** file:line where it failed. */
  location?: string;
}

/** Ginkgo states → the table's results; interrupted or aborted specs did not run to an end. */
function resultOf(state: string): Result {
  switch (state) {
    case 'passed':
      return 'passed';
    case 'failed':
    case 'panicked':
    case 'timedout':
      return 'failed';
    case 'skipped':
      return 'skipped';
    default:
      return 'not run';
  }
}

const NANOS_PER_SEC = 1e9;
/** Ginkgo's message for specs running when --timeout elapsed. */
const SUITE_TIMEOUT = 'A suite timeout occurred';
const DETAIL_MAX = 200;

function firstLine(message: string): string {
  const line =
    message
      .split('\n')
      .map((l) => l.trim())
      .find((l) => l !== '') ?? '';
  return line.length > DETAIL_MAX ? `${line.slice(0, DETAIL_MAX - 1)}…` : line;
}

/**
 * Rows for the specs in scope, sorted by name. Specs claimed not applicable to ECI (keys of
 * `notApplicable`) are `not applicable` whatever ginkgo did with them: the run skips them.
 * Throws a message naming the field when the input is not a ginkgo JSON report.
 */
export function reportToRows(
  json: unknown,
  notApplicable: ReadonlyMap<string, string> = new Map(),
): SpecRow[] {
  const parsed = ginkgoReportSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`not a ginkgo JSON report: ${issue?.path.join('.') || '(root)'}: ${issue?.message}`);
  }
  const rows: SpecRow[] = [];
  for (const suite of parsed.data) {
    for (const s of suite.SpecReports ?? []) {
      if (s.LeafNodeType !== 'It') continue;
      const spec = specFullText(s.ContainerHierarchyTexts ?? [], s.LeafNodeText, s.LeafNodeLabels ?? []);
      if (!inScope(spec)) continue;
      if (notApplicable.has(spec)) {
        rows.push({ spec, result: 'not applicable', durationSec: 0 });
        continue;
      }
      let result = resultOf(s.State);
      // A spec in scope that ginkgo skipped without a Skip() message never started: the
      // suite was interrupted (--ginkgo.timeout) before reaching it.
      if (result === 'skipped' && !s.Failure?.Message) result = 'not run';
      // Cut off by the suite timeout: no verdict about the node either.
      if (s.State === 'timedout' && s.Failure?.Message.startsWith(SUITE_TIMEOUT)) result = 'not run';
      const row: SpecRow = { spec, result, durationSec: Math.round((s.RunTime / NANOS_PER_SEC) * 10) / 10 };
      if (result !== 'passed' && s.Failure) {
        row.detail = firstLine(s.Failure.Message);
        const loc = s.Failure.Location;
        if (loc?.FileName)
          row.location = `${loc.FileName.replace(/^.*\/test\/e2e\//, 'test/e2e/')}:${loc.LineNumber ?? 0}`;
      }
      rows.push(row);
    }
  }
  return rows.sort((a, b) => a.spec.localeCompare(b.spec));
}

export interface Counts {
  inScope: number;
  passed: number;
  failed: number;
  skipped: number;
  notRun: number;
  notApplicable: number;
}

export function countRows(rows: readonly SpecRow[], notApplicable: ReadonlyMap<string, string>): Counts {
  const count = (r: Result) => rows.filter((row) => row.result === r).length;
  return {
    inScope: rows.length,
    passed: count('passed'),
    failed: count('failed'),
    skipped: count('skipped'),
    notRun: count('not run'),
    notApplicable: rows.filter((r) => notApplicable.has(r.spec)).length,
  };
}

/** Plain-text table for the terminal: result, duration, spec. */
export function formatTable(rows: readonly SpecRow[]): string {
  const resultWidth = Math.max(6, ...rows.map((r) => r.result.length));
  const lines = [`${'RESULT'.padEnd(resultWidth)}  ${'SECONDS'.padStart(7)}  SPEC`];
  for (const r of rows) {
    lines.push(`${r.result.padEnd(resultWidth)}  ${r.durationSec.toFixed(1).padStart(7)}  ${r.spec}`);
  }
  return lines.join('\n');
}
