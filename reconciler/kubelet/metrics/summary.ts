// GET /stats/summary: the kubelet's Summary API (k8s.io/kubelet/pkg/apis/stats/v1alpha1, JSON
// names as there) from one snapshot. Times are RFC 3339 at second precision, as metav1.Time
// marshals them. `onlyCpuAndMemory` is the kubelet's only_cpu_and_memory=true. Pure.
import type { CpuFigures, FsFigures, InterfaceFigures, MemoryFigures } from './eci-sample.ts';
import type { PodStats, Snapshot } from './snapshot.ts';

interface CpuJson {
  time: string;
  usageNanoCores?: number;
  usageCoreNanoSeconds?: number;
}

interface MemoryJson {
  time: string;
  availableBytes?: number;
  usageBytes?: number;
  workingSetBytes?: number;
  rssBytes?: number;
}

interface InterfaceJson {
  name: string;
  rxBytes?: number;
  rxErrors?: number;
  txBytes?: number;
  txErrors?: number;
}

interface NetworkJson extends InterfaceJson {
  time: string;
  interfaces: InterfaceJson[];
}

interface FsJson {
  time: string;
  availableBytes?: number;
  capacityBytes?: number;
  usedBytes?: number;
}

interface ContainerJson {
  name: string;
  startTime?: string;
  cpu: CpuJson;
  memory: MemoryJson;
}

interface PodJson {
  podRef: { name: string; namespace: string; uid: string };
  startTime?: string;
  containers: ContainerJson[];
  cpu: CpuJson;
  memory: MemoryJson;
  network?: NetworkJson;
  'ephemeral-storage'?: FsJson;
}

export interface SummaryJson {
  node: {
    nodeName: string;
    startTime: string;
    cpu: CpuJson;
    memory: MemoryJson;
  };
  pods: PodJson[];
}

/** metav1.Time's JSON form: RFC 3339, whole seconds, UTC. */
export function metaTime(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

const cpuJson = (time: string, c: CpuFigures): CpuJson => ({
  time,
  usageNanoCores: c.usageNanoCores,
  usageCoreNanoSeconds: c.usageCoreNanoSeconds,
});

const memoryJson = (time: string, m: MemoryFigures): MemoryJson => ({
  time,
  availableBytes: m.availableBytes,
  usageBytes: m.usageBytes,
  workingSetBytes: m.workingSetBytes,
  rssBytes: m.rssBytes,
});

const interfaceJson = (i: InterfaceFigures): InterfaceJson => ({
  name: i.name,
  rxBytes: i.rxBytes,
  rxErrors: i.rxErrors,
  txBytes: i.txBytes,
  txErrors: i.txErrors,
});

/** The kubelet puts the default interface (eth0) at the top and lists every one below. */
function networkJson(time: string, interfaces: readonly InterfaceFigures[]): NetworkJson | undefined {
  const main = interfaces.find((i) => i.name === 'eth0') ?? interfaces[0];
  if (!main) return undefined;
  return { time, ...interfaceJson(main), interfaces: interfaces.map(interfaceJson) };
}

const fsJson = (time: string, f: FsFigures): FsJson => ({
  time,
  availableBytes: f.availableBytes,
  capacityBytes: f.capacityBytes,
  usedBytes: f.usedBytes,
});

function podJson(p: PodStats, onlyCpuAndMemory: boolean): PodJson {
  const time = metaTime(p.timeMs);
  return {
    podRef: { name: p.name, namespace: p.namespace, uid: p.uid },
    startTime: p.startMs === undefined ? undefined : metaTime(p.startMs),
    containers: p.containers.map((c) => ({
      name: c.name,
      startTime: c.startMs === undefined ? undefined : metaTime(c.startMs),
      cpu: cpuJson(time, c.cpu),
      memory: memoryJson(time, c.memory),
    })),
    cpu: cpuJson(time, p.cpu),
    memory: memoryJson(time, p.memory),
    ...(onlyCpuAndMemory
      ? {}
      : {
          network: networkJson(time, p.interfaces),
          'ephemeral-storage': p.fs && fsJson(time, p.fs),
        }),
  };
}

export function summaryJson(s: Snapshot, onlyCpuAndMemory = false): SummaryJson {
  const time = metaTime(s.node.timeMs);
  return {
    node: {
      nodeName: s.node.name,
      startTime: metaTime(s.node.startMs),
      cpu: cpuJson(time, s.node.cpu),
      memory: memoryJson(time, s.node.memory),
    },
    pods: s.pods.map((p) => podJson(p, onlyCpuAndMemory)),
  };
}
