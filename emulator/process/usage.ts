// Real CPU and memory figures for process-mode containers, from /proc: every
// process in the container's PID namespace, utime+stime and RSS. Sampled on the
// runtime's tick so metric history has points to answer from.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

export interface UsageSample {
  t: number;
  /** CPU time of every process in the container so far, ns. */
  cpuNs: number;
  rssBytes: number;
}

function sysconf(name: string, fallback: number): number {
  try {
    const v = Number(execFileSync('getconf', [name], { encoding: 'utf8' }).trim());
    return Number.isFinite(v) && v > 0 ? v : fallback;
  } catch {
    return fallback;
  }
}

const CLK_TCK = sysconf('CLK_TCK', 100);
const PAGE_SIZE = sysconf('PAGESIZE', 4096);

/** Pure: utime+stime (ns) and RSS (bytes) from a /proc/PID/stat line. */
export function parseStat(stat: string): { cpuNs: number; rssBytes: number } | undefined {
  // The command name may hold spaces and parentheses: fields start after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  const rss = Number(fields[21]);
  if (![utime, stime, rss].every(Number.isFinite)) return undefined;
  return { cpuNs: ((utime + stime) * 1e9) / CLK_TCK, rssBytes: rss * PAGE_SIZE };
}

/** PID namespace → its processes, one /proc scan for every container at once. */
export function pidsByNamespace(): Map<string, number[]> {
  const out = new Map<string, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const ns = readlinkSync(`/proc/${entry}/ns/pid`);
      out.set(ns, [...(out.get(ns) ?? []), Number(entry)]);
    } catch {
      // exited meanwhile
    }
  }
  return out;
}

export function sampleContainer(
  pid1: number,
  byNs: Map<string, number[]>,
  t: number,
): UsageSample | undefined {
  let ns: string;
  try {
    ns = readlinkSync(`/proc/${pid1}/ns/pid`);
  } catch {
    return undefined;
  }
  let cpuNs = 0;
  let rssBytes = 0;
  for (const pid of byNs.get(ns) ?? []) {
    try {
      const s = parseStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
      if (s) {
        cpuNs += s.cpuNs;
        rssBytes += s.rssBytes;
      }
    } catch {
      // exited meanwhile
    }
  }
  return { t, cpuNs, rssBytes };
}

export interface RealUsage {
  cpu: { Limit: number; Load: number; UsageNanoCores: number; UsageCoreNanoSeconds: number };
  memory: { AvailableBytes: number; UsageBytes: number; WorkingSet: number; Rss: number; Cache: number };
  up: number;
}

/**
 * Pure: the metric figures at time `t` from a container's samples (oldest first):
 * the newest sample at or before `t`, its rate against the one before it.
 */
export function usageFromSamples(
  samples: readonly UsageSample[],
  t: number,
  startTime: number,
  cores: number,
  memBytes: number,
): RealUsage | undefined {
  let i = samples.length - 1;
  while (i >= 0 && (samples[i]?.t ?? 0) > t) i--;
  const at = samples[i];
  if (!at) return undefined;
  const prev = samples[i - 1];
  // ns of CPU per ms of wall time × 1000 = ns per s = nano-cores.
  const nanoCores =
    prev && at.t > prev.t ? Math.max(0, ((at.cpuNs - prev.cpuNs) / (at.t - prev.t)) * 1000) : 0;
  return {
    cpu: {
      Limit: Math.round(cores * 1000),
      Load: cores > 0 ? Math.round((nanoCores / (cores * 1e9)) * 100) : 0,
      UsageNanoCores: Math.round(nanoCores),
      UsageCoreNanoSeconds: Math.round(at.cpuNs),
    },
    memory: {
      AvailableBytes: Math.max(0, Math.round(memBytes - at.rssBytes)),
      UsageBytes: at.rssBytes,
      WorkingSet: at.rssBytes,
      Rss: at.rssBytes,
      Cache: 0,
    },
    up: Math.max(0, at.t - startTime) / 1000,
  };
}
