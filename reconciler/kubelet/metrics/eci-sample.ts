// ECI's DescribeMultiContainerGroupMetric answer, read at the boundary: one sample per group
// (ECI returns only the newest record of each), every figure checked. A figure that is not a
// finite, non-negative number is dropped alone (it reads as "not reported"); a record without
// a readable Timestamp is dropped whole, since a figure without its time cannot be rated.
// Field names: docs/metrics.md ("Where each figure comes from").
import { z } from 'zod';

export interface CpuFigures {
  usageNanoCores?: number;
  /** Cumulative CPU time of the container (or the group) since it started. */
  usageCoreNanoSeconds?: number;
}

export interface MemoryFigures {
  workingSetBytes?: number;
  usageBytes?: number;
  rssBytes?: number;
  availableBytes?: number;
}

export interface InterfaceFigures {
  name: string;
  rxBytes?: number;
  rxErrors?: number;
  txBytes?: number;
  txErrors?: number;
}

export interface FsFigures {
  capacityBytes?: number;
  usedBytes?: number;
  availableBytes?: number;
}

export interface ContainerSample {
  name: string;
  cpu: CpuFigures;
  memory: MemoryFigures;
}

/** One group's newest record. */
export interface GroupSample {
  groupId: string;
  /** When ECI took the sample (ms since the epoch). */
  timeMs: number;
  cpu: CpuFigures;
  memory: MemoryFigures;
  interfaces: InterfaceFigures[];
  fs?: FsFigures;
  containers: ContainerSample[];
}

/** A figure: kept when it is a finite number >= 0, else read as absent. */
const figure = z.number().finite().nonnegative().optional().catch(undefined);
const text = z.string().optional().catch(undefined);

const cpuSchema = z
  .object({ usageNanoCores: figure, usageCoreNanoSeconds: figure })
  .optional()
  .catch(undefined);
const memorySchema = z
  .object({ workingSet: figure, usageBytes: figure, rss: figure, availableBytes: figure })
  .optional()
  .catch(undefined);
const list = <T extends z.ZodType>(item: T) =>
  z.array(item.optional().catch(undefined)).optional().catch(undefined);

// Property names as the SDK models them (@alicloud/eci20180808: `CPU` keeps its capitals).
const recordSchema = z.object({
  timestamp: z.string(),
  CPU: cpuSchema,
  memory: memorySchema,
  network: z
    .object({
      interfaces: list(
        z.object({ name: text, rxBytes: figure, rxErrors: figure, txBytes: figure, txErrors: figure }),
      ),
    })
    .optional()
    .catch(undefined),
  filesystem: list(z.object({ capacity: figure, usage: figure, available: figure })),
  containers: list(z.object({ name: z.string().min(1), CPU: cpuSchema, memory: memorySchema })),
});

const monitorDataSchema = z.object({
  containerGroupId: z.string().min(1),
  records: z.array(z.unknown()).optional().catch(undefined),
});

type ParsedRecord = z.infer<typeof recordSchema>;

function cpuOf(c: z.infer<typeof cpuSchema>): CpuFigures {
  return { usageNanoCores: c?.usageNanoCores, usageCoreNanoSeconds: c?.usageCoreNanoSeconds };
}

function memoryOf(m: z.infer<typeof memorySchema>): MemoryFigures {
  return {
    workingSetBytes: m?.workingSet,
    usageBytes: m?.usageBytes,
    rssBytes: m?.rss,
    availableBytes: m?.availableBytes,
  };
}

function sampleOf(groupId: string, r: ParsedRecord, timeMs: number): GroupSample {
  const fs = r.filesystem?.find((f) => f !== undefined);
  return {
    groupId,
    timeMs,
    cpu: cpuOf(r.CPU),
    memory: memoryOf(r.memory),
    interfaces: (r.network?.interfaces ?? [])
      .filter((i) => i !== undefined)
      .map((i, n) => ({
        name: i.name || `eth${n}`,
        rxBytes: i.rxBytes,
        rxErrors: i.rxErrors,
        txBytes: i.txBytes,
        txErrors: i.txErrors,
      })),
    fs: fs && { capacityBytes: fs.capacity, usedBytes: fs.usage, availableBytes: fs.available },
    containers: (r.containers ?? [])
      .filter((c) => c !== undefined)
      .map((c) => ({ name: c.name, cpu: cpuOf(c.CPU), memory: memoryOf(c.memory) })),
  };
}

/**
 * Pure: the newest readable sample of each group in a DescribeMultiContainerGroupMetric answer
 * (`MonitorDatas`). Groups with no record (not running) yield none; `unreadable` counts records
 * dropped for want of a time.
 */
export function samplesOf(monitorDatas: readonly unknown[]): { samples: GroupSample[]; unreadable: number } {
  const samples: GroupSample[] = [];
  let unreadable = 0;
  for (const raw of monitorDatas) {
    const data = monitorDataSchema.safeParse(raw);
    if (!data.success) {
      unreadable++;
      continue;
    }
    let newest: { r: ParsedRecord; t: number } | undefined;
    for (const rawRecord of data.data.records ?? []) {
      const r = recordSchema.safeParse(rawRecord);
      const t = r.success ? Date.parse(r.data.timestamp) : NaN;
      if (!r.success || Number.isNaN(t)) {
        unreadable++;
        continue;
      }
      if (!newest || t > newest.t) newest = { r: r.data, t };
    }
    if (newest) samples.push(sampleOf(data.data.containerGroupId, newest.r, newest.t));
  }
  return { samples, unreadable };
}
