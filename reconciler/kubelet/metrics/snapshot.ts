// The node's figures at one instant, built from the measured targets and their ECI samples:
// the one model both /stats/summary (summary.ts) and /metrics/resource (resource-metrics.ts)
// render, as the kubelet renders both from one stats provider. Pure.
import type { CpuFigures, FsFigures, GroupSample, InterfaceFigures, MemoryFigures } from './eci-sample.ts';
import type { MetricsTarget } from './targets.ts';

export interface ContainerStats {
  name: string;
  startMs?: number;
  cpu: CpuFigures;
  memory: MemoryFigures;
}

export interface PodStats {
  namespace: string;
  name: string;
  uid: string;
  startMs?: number;
  /** When ECI took the sample (ms). */
  timeMs: number;
  cpu: CpuFigures;
  memory: MemoryFigures;
  interfaces: InterfaceFigures[];
  fs?: FsFigures;
  containers: ContainerStats[];
}

export interface NodeStats {
  name: string;
  /** When the node's CPU counter started (this process's start). */
  startMs: number;
  timeMs: number;
  cpu: Required<CpuFigures>;
  memory: { workingSetBytes: number; usageBytes: number; rssBytes: number };
}

export interface Snapshot {
  node: NodeStats;
  pods: PodStats[];
  /** Batches or records that could not be read: the kubelet's scrape_error. */
  errors: number;
}

/**
 * The node's cumulative CPU must never go down (metrics-server refuses a decreasing counter),
 * yet pods come and go. So it is this process's running total: each pod adds what its own
 * counter grew since the last sample (all of it when first seen or after a reset), and a pod
 * that leaves takes nothing back. Only pods still on the node are remembered; one whose sample
 * is missing this time (a failed batch) keeps its last value, so it is not counted twice.
 */
export interface NodeCpuCounter {
  totalNanoSeconds: number;
  byPod: ReadonlyMap<string, number>;
}

export const EMPTY_COUNTER: NodeCpuCounter = { totalNanoSeconds: 0, byPod: new Map() };

export function advanceNodeCpu(
  prev: NodeCpuCounter,
  pods: readonly { uid: string; usageCoreNanoSeconds?: number }[],
  stillOnNode: ReadonlySet<string> = new Set(),
): NodeCpuCounter {
  let total = prev.totalNanoSeconds;
  const byPod = new Map<string, number>();
  for (const [uid, v] of prev.byPod) if (stillOnNode.has(uid)) byPod.set(uid, v);
  for (const p of pods) {
    const now = p.usageCoreNanoSeconds;
    if (now === undefined) continue;
    const before = prev.byPod.get(p.uid);
    total += before === undefined || now < before ? now : now - before;
    byPod.set(p.uid, now);
  }
  return { totalNanoSeconds: total, byPod };
}

const sum = (xs: readonly (number | undefined)[]) => xs.reduce<number>((a, x) => a + (x ?? 0), 0);

/** The pod's figures from its group's sample; containers as ECI lists them (the running ones). */
function podStats(t: MetricsTarget, s: GroupSample): PodStats {
  return {
    namespace: t.namespace,
    name: t.name,
    uid: t.uid,
    startMs: t.startMs,
    timeMs: s.timeMs,
    cpu: s.cpu,
    memory: s.memory,
    interfaces: s.interfaces,
    fs: s.fs,
    containers: s.containers.map((c) => ({
      name: c.name,
      startMs: t.containerStartMs.get(c.name),
      cpu: c.cpu,
      memory: c.memory,
    })),
  };
}

export function buildSnapshot(input: {
  nodeName: string;
  nodeStartMs: number;
  nowMs: number;
  targets: readonly MetricsTarget[];
  samples: readonly GroupSample[];
  counter: NodeCpuCounter;
  errors: number;
}): { snapshot: Snapshot; counter: NodeCpuCounter } {
  const byGroup = new Map(input.samples.map((s) => [s.groupId, s]));
  const pods: PodStats[] = [];
  for (const t of input.targets) {
    const s = byGroup.get(t.groupId);
    if (s) pods.push(podStats(t, s));
  }
  pods.sort((a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name));
  const counter = advanceNodeCpu(
    input.counter,
    pods.map((p) => ({ uid: p.uid, usageCoreNanoSeconds: p.cpu.usageCoreNanoSeconds })),
    new Set(input.targets.map((t) => t.uid)),
  );
  const newest = Math.max(0, ...pods.map((p) => p.timeMs));
  return {
    counter,
    snapshot: {
      node: {
        name: input.nodeName,
        startMs: input.nodeStartMs,
        timeMs: newest || input.nowMs,
        cpu: {
          usageNanoCores: sum(pods.map((p) => p.cpu.usageNanoCores)),
          usageCoreNanoSeconds: counter.totalNanoSeconds,
        },
        memory: {
          workingSetBytes: sum(pods.map((p) => p.memory.workingSetBytes)),
          usageBytes: sum(pods.map((p) => p.memory.usageBytes)),
          rssBytes: sum(pods.map((p) => p.memory.rssBytes)),
        },
      },
      pods,
      errors: input.errors,
    },
  };
}
