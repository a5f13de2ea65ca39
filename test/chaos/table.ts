// Pure: the suite's result table, one row per scenario, as Markdown (the same text goes to
// the terminal and into docs/reliability.md).

export interface ScenarioRow {
  scenario: string;
  workload: string;
  fault: string;
  /** Seconds from the heal to every invariant holding; undefined when it never did. */
  recoverySeconds?: number;
  duplicates: number;
  orphans: number;
  lost: number;
  statusMismatches: number;
  /** Exits of processes the scenario did not kill. */
  crashes: number;
  /** `ok`, `FAIL`, or why the row did not run (e.g. `needs replicas`). */
  result: string;
  /** One line of what was seen beyond the counts. */
  note?: string;
}

const HEADER = [
  'scenario',
  'workload',
  'fault',
  'recovery (s)',
  'duplicates',
  'orphans',
  'lost',
  'status ≠ group',
  'crashes',
  'result',
  'note',
];

const cell = (v: string | number | undefined) => (v === undefined ? '–' : String(v).replaceAll('|', '\\|'));

/** A skipped row shows dashes, not zeros: nothing was counted. */
function cells(r: ScenarioRow): string[] {
  const ran = r.result === 'ok' || r.result === 'FAIL';
  const count = (n: number) => (ran ? n : undefined);
  return [
    r.scenario,
    r.workload,
    r.fault,
    r.recoverySeconds === undefined ? undefined : r.recoverySeconds.toFixed(1),
    count(r.duplicates),
    count(r.orphans),
    count(r.lost),
    count(r.statusMismatches),
    count(r.crashes),
    r.result,
    r.note,
  ].map(cell);
}

export function renderTable(rows: readonly ScenarioRow[]): string {
  const lines = [HEADER, HEADER.map(() => '---'), ...rows.map(cells)];
  return lines.map((l) => `| ${l.join(' | ')} |`).join('\n');
}

/** A row holds when it ran and counted nothing wrong. */
export function rowHolds(r: ScenarioRow): boolean {
  return (
    r.result !== 'FAIL' &&
    (r.result !== 'ok' || r.duplicates + r.orphans + r.lost + r.statusMismatches + r.crashes === 0)
  );
}
