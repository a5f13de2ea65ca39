// DescribeContainerLog, ExecContainerCommand, DescribeContainerGroupMetric,
// DescribeMultiContainerGroupMetric: what the simulated containers printed,
// what a command would print, and usage figures that move over time.
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { Errors } from '../errors.ts';
import type { ContainerGroup, ContainerRuntime } from '../model.ts';
import { parseParams, unflatten } from '../params.ts';
import { isoTime } from '../render.ts';
import { execSync } from '../process/exec.ts';
import { programOf } from '../simulation.ts';
import { bool, int, jsonStringArray, str } from '../wire.ts';
import type { EmulatorCore } from '../core.ts';
import type { ActionHandler } from './types.ts';

const logSchema = z
  .object({
    RegionId: str.optional(),
    ContainerGroupId: z.string().min(1),
    ContainerName: z.string().min(1),
    Tail: int.refine((n) => n >= 0, 'must not be negative').optional(),
    SinceSeconds: int.refine((n) => n >= 0, 'must not be negative').optional(),
    StartTime: str.optional(),
    LimitBytes: int.refine((n) => n > 0, 'must be positive').optional(),
    Timestamps: bool.optional(),
    LastTime: bool.optional(),
  })
  .catchall(z.unknown());

function findContainer(g: ContainerGroup, name: string): ContainerRuntime {
  const c = [...g.containers, ...g.initContainers].find((x) => x.name === name);
  if (!c) throw Errors.containerNotFound(name);
  return c;
}

/** Nanosecond-style RFC 3339 like the kubelet's --timestamps. */
function logTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000000Z');
}

export const describeContainerLog: ActionHandler = (core, params) => {
  const p = parseParams(logSchema, unflatten(params));
  core.checkRegion(p.RegionId);
  const g = core.group(p.ContainerGroupId);
  const c = findContainer(g, p.ContainerName);
  const now = core.now();
  let lines = (p.LastTime ? c.previousLogs : c.logs).filter((l) => l.ts <= now);
  const sinceSeconds = p.SinceSeconds;
  if (sinceSeconds !== undefined) lines = lines.filter((l) => l.ts >= now - sinceSeconds * 1000);
  if (p.StartTime) {
    const from = Date.parse(p.StartTime);
    if (Number.isNaN(from)) throw Errors.invalidParameter('StartTime', 'must be an ISO 8601 time');
    lines = lines.filter((l) => l.ts >= from);
  }
  if (p.Tail !== undefined) lines = p.Tail === 0 ? [] : lines.slice(-p.Tail);
  let content = lines.map((l) => `${p.Timestamps ? `${logTime(l.ts)} ` : ''}${l.text}\n`).join('');
  if (p.LimitBytes !== undefined) {
    const buf = Buffer.from(content, 'utf8');
    if (buf.length > p.LimitBytes) content = buf.subarray(0, p.LimitBytes).toString('utf8');
  }
  return { ContainerName: c.name, Content: content };
};

/** What a command prints in the simulation (echo lines; hostname; env; anything else prints nothing). */
export function simulateExec(g: ContainerGroup, containerName: string, command: string[]): string {
  const [first, ...rest] = command;
  if (first === 'hostname') return `${g.name}\n`;
  if (first === 'env' || first === 'printenv') {
    const spec = g.request.Container.find((c) => c.Name === containerName);
    return (spec?.EnvironmentVar ?? []).map((e) => `${e.Key}=${e.Value ?? ''}\n`).join('');
  }
  if (first === 'cat' && rest[0] === '/etc/hostname') return `${g.name}\n`;
  const out: string[] = [];
  for (const step of programOf(command, [])) {
    if (step.kind === 'echo') out.push(`${step.text}\n`);
    if (step.kind === 'exit' || step.kind === 'forever') break;
  }
  return out.join('');
}

const execSchema = z
  .object({
    RegionId: str.optional(),
    ContainerGroupId: z.string().min(1),
    ContainerName: z.string().min(1),
    Command: jsonStringArray.refine((a) => a.length > 0, 'must not be empty'),
    TTY: bool.optional(),
    Stdin: bool.optional(),
    Sync: bool.optional(),
  })
  .catchall(z.unknown());

export const execContainerCommand: ActionHandler = (core, params, ctx) => {
  const p = parseParams(execSchema, unflatten(params));
  core.checkRegion(p.RegionId);
  const g = core.group(p.ContainerGroupId);
  const c = findContainer(g, p.ContainerName);
  if (g.status !== 'Running' || c.current.state !== 'Running') throw Errors.incorrectStatus(g.status);
  const pid = core.processes?.containerPid(g.id, c.name);
  if (p.Sync) {
    return { SyncResponse: pid ? execSync(pid, p.Command).output : simulateExec(g, c.name, p.Command) };
  }
  const token = randomBytes(16).toString('hex');
  core.execSessions.set(token, {
    token,
    containerGroupId: g.id,
    containerName: c.name,
    command: p.Command,
    stdin: p.Stdin === true,
    expiresAt: core.now() + 60_000,
  });
  return {
    WebSocketUri: `${ctx.tls ? 'wss' : 'ws'}://${ctx.host}/_exec/${token}`,
    HttpUrl: `${ctx.tls ? 'https' : 'http'}://${ctx.host}/_exec/${token}`,
  };
};

/** Deterministic, smoothly varying usage so metrics "move over time". */
function limitsOf(g: ContainerGroup, c: ContainerRuntime): { cores: number; memBytes: number } {
  const spec = g.request.Container.find((s) => s.Name === c.name);
  return {
    cores: spec?.Cpu ?? g.cpu / Math.max(1, g.containers.length),
    memBytes: (spec?.Memory ?? g.memory / Math.max(1, g.containers.length)) * 2 ** 30,
  };
}

/** A container's own load phase (radians) and working-set growth (2 to 6 KiB/s), from its name. */
function characterOf(name: string): { phase: number; growth: number } {
  let h = 0;
  for (const ch of name) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return { phase: ((h % 628) / 100) % (2 * Math.PI), growth: 2048 + ((h >>> 10) % 4097) };
}

export function usageAt(g: ContainerGroup, c: ContainerRuntime, t: number) {
  const { cores, memBytes } = limitsOf(g, c);
  const start = c.current.startTime ?? t;
  const up = Math.max(0, t - start) / 1000;
  // Each container has its own phase and growth, so the containers of one group differ.
  const { phase, growth } = characterOf(c.name);
  const load = 0.1 + 0.05 * Math.sin(up / 30 + phase);
  const nanoCores = Math.round(cores * load * 1e9);
  const workingSet = Math.round(Math.min(memBytes * 0.8, 16 * 2 ** 20 + up * growth));
  return {
    cpu: {
      Limit: Math.round(cores * 1000),
      Load: Math.round(load * 100),
      UsageNanoCores: nanoCores,
      // The integral of the rate above, so the counter's slope is the reported usage, as on a real container.
      UsageCoreNanoSeconds: Math.round(
        cores * 1e9 * (0.1 * up + 1.5 * (Math.cos(phase) - Math.cos(up / 30 + phase))),
      ),
    },
    memory: {
      AvailableBytes: Math.round(memBytes - workingSet),
      UsageBytes: workingSet + 4 * 2 ** 20,
      WorkingSet: workingSet,
      Rss: Math.round(workingSet * 0.8),
      Cache: 4 * 2 ** 20,
    },
    up,
  };
}

function record(core: EmulatorCore, g: ContainerGroup, t: number, diskIoName: 'ReadIO' | 'ReadIo') {
  const running = g.containers.filter((c) => c.current.state === 'Running');
  // Process mode measures real processes (emulator/process/usage.ts); the rest is modelled.
  const measured = (c: ContainerRuntime) => {
    const { cores, memBytes } = limitsOf(g, c);
    return core.processes?.usage(g, c, t, cores, memBytes);
  };
  const per = running.map((c) => ({ c, u: measured(c) ?? usageAt(g, c, t) }));
  const sum = (f: (u: ReturnType<typeof usageAt>) => number) => per.reduce((a, x) => a + f(x.u), 0);
  const up = Math.max(0, ...per.map((x) => x.u.up));
  return {
    Timestamp: isoTime(t),
    CPU: {
      Limit: Math.round(g.cpu * 1000),
      Load: Math.round(sum((u) => u.cpu.Load) / Math.max(1, per.length)),
      UsageNanoCores: sum((u) => u.cpu.UsageNanoCores),
      UsageCoreNanoSeconds: sum((u) => u.cpu.UsageCoreNanoSeconds),
    },
    Memory: {
      AvailableBytes: Math.round(g.memory * 2 ** 30 - sum((u) => u.memory.WorkingSet)),
      UsageBytes: sum((u) => u.memory.UsageBytes),
      WorkingSet: sum((u) => u.memory.WorkingSet),
      Rss: sum((u) => u.memory.Rss),
      Cache: sum((u) => u.memory.Cache),
    },
    Network: {
      Interfaces: [
        {
          Name: 'eth0',
          RxBytes: Math.round(up * 2048),
          TxBytes: Math.round(up * 1024),
          RxPackets: Math.round(up * 4),
          TxPackets: Math.round(up * 2),
          RxErrors: 0,
          TxErrors: 0,
          RxDrops: 0,
          TxDrops: 0,
        },
      ],
    },
    Containers: per.map(({ c, u }) => ({ Name: c.name, CPU: u.cpu, Memory: u.memory })),
    Disk: [
      {
        Device: '/dev/vda',
        ReadBytes: Math.round(up * 512),
        WriteBytes: Math.round(up * 256),
        [diskIoName]: Math.round(up),
        [diskIoName === 'ReadIO' ? 'WriteIO' : 'WriteIo']: Math.round(up / 2),
      },
    ],
    Filesystem: [
      {
        FsName: '/dev/vda1',
        Capacity: 30 * 2 ** 30,
        Usage: Math.round(200 * 2 ** 20 + up * 1024),
        Available: Math.round(30 * 2 ** 30 - 200 * 2 ** 20 - up * 1024),
        // Only DescribeContainerGroupMetric's model has Category.
        ...(diskIoName === 'ReadIO' ? { Category: 'system' } : {}),
      },
    ],
  };
}

function runningSince(g: ContainerGroup): number | undefined {
  const starts = g.containers.map((c) => c.current.startTime).filter((x): x is number => x !== undefined);
  return g.status === 'Running' && starts.length > 0 ? Math.min(...starts) : undefined;
}

const metricSchema = z
  .object({
    RegionId: str.optional(),
    ContainerGroupId: z.string().min(1),
    StartTime: str.optional(),
    EndTime: str.optional(),
    Period: z
      .enum(['5', '15', '30', '60', '300', '600', '3600'], {
        message: 'must be one of 5, 15, 30, 60, 300, 600, 3600',
      })
      .optional(),
  })
  .catchall(z.unknown());

function parseTime(name: string, v: string | undefined, fallback: number): number {
  if (!v) return fallback;
  const t = Date.parse(v);
  if (Number.isNaN(t)) throw Errors.invalidParameter(name, 'must be an ISO 8601 time');
  return t;
}

export const describeContainerGroupMetric: ActionHandler = (core, params) => {
  const p = parseParams(metricSchema, unflatten(params));
  core.checkRegion(p.RegionId);
  const g = core.group(p.ContainerGroupId);
  const now = Math.floor(core.now() / 1000) * 1000; // whole seconds, the precision of Timestamp
  const end = Math.min(now, Math.floor(parseTime('EndTime', p.EndTime, now) / 1000) * 1000);
  const start = parseTime('StartTime', p.StartTime, end - 5 * 60_000);
  if (start > end) throw Errors.invalidParameter('StartTime', 'must not be after EndTime');
  const periodMs = Number(p.Period ?? '60') * 1000;
  const since = runningSince(g);
  const records = [];
  if (since !== undefined) {
    // Newest sample first is at `end`; walk back by Period while the group ran.
    for (let t = end; t >= Math.max(start, since) && records.length < 1440; t -= periodMs) {
      records.unshift(record(core, g, t, 'ReadIO'));
    }
  }
  return { ContainerGroupId: g.id, Records: records };
};

const multiSchema = z
  .object({
    RegionId: str.optional(),
    ContainerGroupIds: jsonStringArray.refine((a) => a.length <= 20, 'at most 20 ids'),
    MetricType: str.optional(),
    ResourceGroupId: str.optional(),
  })
  .catchall(z.unknown());

export const describeMultiContainerGroupMetric: ActionHandler = (core, params) => {
  const p = parseParams(multiSchema, unflatten(params));
  core.checkRegion(p.RegionId);
  // Sampled at a whole second, the precision of Timestamp: figures and time must agree, or a
  // rate over two samples (metrics-server's) is off by up to a second's worth of usage.
  const now = Math.floor(core.now() / 1000) * 1000;
  const wanted = new Set(p.ContainerGroupIds);
  const monitorDatas = core
    .groups()
    .filter((g) => wanted.has(g.id))
    .map((g) => ({
      ContainerGroupId: g.id,
      Records: runningSince(g) === undefined ? [] : [record(core, g, now, 'ReadIo')],
    }));
  return { MonitorDatas: monitorDatas };
};

export const observeActions: Record<string, ActionHandler> = {
  DescribeContainerLog: describeContainerLog,
  ExecContainerCommand: execContainerCommand,
  DescribeContainerGroupMetric: describeContainerGroupMetric,
  DescribeMultiContainerGroupMetric: describeMultiContainerGroupMetric,
};
