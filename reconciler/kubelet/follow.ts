// Pure parts of `logs -f`: ECI has no log stream, only DescribeContainerLog with SinceSeconds
// and Timestamps (https://help.aliyun.com/document_detail/90344.htm), so following means
// polling a window that reaches back over the last line sent, and dropping what was sent
// already. Lines carry their timestamps on the wire from ECI; they are compared by time (to
// the nanosecond), and lines sharing the last timestamp are matched by content and count, so
// a line repeated within the same instant is neither dropped nor doubled.

export interface LogLine {
  /** The RFC 3339 timestamp as ECI wrote it, or '' when the line had none. */
  ts: string;
  /** [seconds since the epoch, nanoseconds] for ordering; a line without a timestamp inherits the previous one's. */
  at: [number, number];
  /** The line without its timestamp, with its newline if it had one. */
  text: string;
}

/** What has been sent so far: the last instant, and the lines sent at exactly that instant. */
export interface FollowCursor {
  at: [number, number] | undefined;
  atLast: Map<string, number>;
}

export const START: FollowCursor = { at: undefined, atLast: new Map() };

/** The boundary set is bounded: a flood of identical-instant lines cannot grow it past this. */
const MAX_BOUNDARY_LINES = 10_000;

const TS = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2}) /;

/** Pure: the timestamped lines of a DescribeContainerLog answer (asked with Timestamps=true). */
export function parseTimestampedLines(content: string): LogLine[] {
  const lines: LogLine[] = [];
  let previous: [number, number] = [0, 0];
  for (const raw of content.match(/[^\n]*\n|[^\n]+$/g) ?? []) {
    const m = TS.exec(raw);
    const seconds = m ? Date.parse(`${m[1]}${m[3]}`) / 1000 : NaN;
    if (!m || Number.isNaN(seconds)) {
      lines.push({ ts: '', at: previous, text: raw });
      continue;
    }
    const at: [number, number] = [seconds, Number((m[2] ?? '').padEnd(9, '0'))];
    previous = at;
    lines.push({ ts: raw.slice(0, m[0].length - 1), at, text: raw.slice(m[0].length) });
  }
  return lines;
}

function compare(a: [number, number], b: [number, number]): number {
  return a[0] - b[0] || a[1] - b[1];
}

/**
 * Pure: the lines of a fresh poll not sent yet, and the cursor after sending them. Lines
 * before the cursor's instant were sent; at the instant, as many copies of a line as were
 * sent are skipped.
 */
export function newLines(
  cursor: FollowCursor,
  polled: LogLine[],
): { lines: LogLine[]; cursor: FollowCursor } {
  const seen = new Map(cursor.atLast);
  const lines: LogLine[] = [];
  let at = cursor.at;
  let atLast = new Map(cursor.atLast);
  for (const line of polled) {
    if (cursor.at && compare(line.at, cursor.at) < 0) continue;
    if (cursor.at && compare(line.at, cursor.at) === 0) {
      const left = seen.get(line.text) ?? 0;
      if (left > 0) {
        seen.set(line.text, left - 1);
        continue;
      }
    }
    lines.push(line);
    if (!at || compare(line.at, at) > 0) {
      at = line.at;
      atLast = new Map();
    }
    if (atLast.size < MAX_BOUNDARY_LINES) atLast.set(line.text, (atLast.get(line.text) ?? 0) + 1);
  }
  return { lines, cursor: { at, atLast } };
}

/**
 * Pure: the SinceSeconds of the next poll: back to one second before the last line sent
 * (ECI counts whole seconds), or `fallback` before anything was sent.
 */
export function nextSinceSeconds(
  cursor: FollowCursor,
  nowMs: number,
  fallback: number | undefined,
): number | undefined {
  if (!cursor.at) return fallback;
  return Math.max(1, Math.ceil(nowMs / 1000 - cursor.at[0]) + 1);
}

/** Pure: the bytes to send for `lines`, with or without their timestamps. */
export function render(lines: LogLine[], timestamps: boolean): string {
  return lines.map((l) => (timestamps && l.ts ? `${l.ts} ${l.text}` : l.text)).join('');
}
