// Pure: which integration test files run on which shard, and in what order. Longest
// processing time first (LPT): the longest unit goes to the least-loaded shard, using the
// per-file seconds of the last measured run (test/integration/durations.json).

export interface PlanInput {
  files: readonly string[];
  /** Seconds per file from the last measured run; unknown files count as the median. */
  durations: Readonly<Record<string, number>>;
  shards: number;
  /** Files placed (and run) before every other file, e.g. the long chaos subset. */
  startsFirst: (file: string) => boolean;
  /** Files that must all run on one shard, one after another (they watch host-wide state). */
  sameShard: (file: string) => boolean;
}

export interface Shard {
  files: string[];
  /** Expected seconds: the sum of the files' durations. */
  seconds: number;
}

/**
 * Pure: whether a test file's source runs emulators in process mode (real processes): those
 * create bridges, veths and network namespaces on the host, and some files assert on what
 * appeared there since they started, so all of them share one shard.
 */
export function usesProcessMode(source: string): boolean {
  return /skipUnlessProcessMode|probeProcessMode|startProcessEmulator|containers: '(process|auto)'|'--containers',\s*'(process|auto)'/.test(
    source,
  );
}

/** Used when no file has a measured duration yet. */
const FALLBACK_SECONDS = 10;

export function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

interface Unit {
  files: string[];
  seconds: number;
  first: boolean;
}

const bySecondsDesc = <T extends { seconds: number }>(a: T, b: T) => b.seconds - a.seconds;

export function planShards(input: PlanInput): Shard[] {
  const known = input.files.map((f) => input.durations[f]).filter((s): s is number => s !== undefined);
  const typical = median(known) ?? FALLBACK_SECONDS;
  const seconds = (f: string) => input.durations[f] ?? typical;

  const together = input.files.filter((f) => input.sameShard(f)).sort((a, b) => seconds(b) - seconds(a));
  const units: Unit[] = input.files
    .filter((f) => !input.sameShard(f))
    .map((f) => ({ files: [f], seconds: seconds(f), first: input.startsFirst(f) }));
  if (together.length > 0) {
    units.push({
      files: together,
      seconds: together.reduce((sum, f) => sum + seconds(f), 0),
      first: together.some((f) => input.startsFirst(f)),
    });
  }
  // Ties keep the files' given order (Array.prototype.sort is stable).
  units.sort((a, b) => Number(b.first) - Number(a.first) || bySecondsDesc(a, b));

  const shards: Shard[] = Array.from({ length: Math.max(1, input.shards) }, () => ({
    files: [],
    seconds: 0,
  }));
  for (const unit of units) {
    const target = shards.reduce((least, s) => (s.seconds < least.seconds ? s : least));
    target.files.push(...unit.files);
    target.seconds += unit.seconds;
  }
  return shards.filter((s) => s.files.length > 0);
}
