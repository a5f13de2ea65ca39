// CreateContainerGroup, DescribeContainerGroups, DescribeContainerGroupStatus,
// DescribeContainerGroupEvents, DeleteContainerGroup, RestartContainerGroup,
// UpdateContainerGroup.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { EmulatorCore } from '../core.ts';
import { newId } from '../core.ts';
import { Errors } from '../errors.ts';
import { newContainerRuntime } from '../lifecycle/container-state.ts';
import { addEvent } from '../lifecycle/group-record.ts';
import { beginDelete, beginRestart, beginUpdate, canRestart, UPDATABLE } from '../lifecycle/operations.ts';
import type { ContainerGroup } from '../model.ts';
import type { VSwitchConfig } from '../options.ts';
import { parseParams, unflatten } from '../params.ts';
import { renderEvent, renderGroup, renderPodStatus } from '../render.ts';
import { DEFAULT_SPEC, roundUpSpec } from '../specs.ts';
import {
  checkCreateRules,
  createContainerGroupSchema,
  requestedResources,
  type CreateContainerGroupParams,
} from '../validate-create.ts';
import { bool, int, jsonStringArray, num, str, tagList } from '../wire.ts';
import { imageCacheHitMessage, matchImageCache } from './images.ts';
import type { ActionHandler } from './types.ts';

function resolveSpec(p: CreateContainerGroupParams): { cpu: number; memory: number } {
  if (p.InstanceType) return { cpu: p.Cpu ?? DEFAULT_SPEC.cpu, memory: p.Memory ?? DEFAULT_SPEC.memory };
  const asked = requestedResources(p);
  if (!asked) return DEFAULT_SPEC;
  const spec = roundUpSpec(asked.cpu, asked.memory);
  if (!spec) {
    throw Errors.invalidParameter(
      p.Cpu !== undefined || p.Memory !== undefined ? 'Cpu' : 'Container.1.Cpu',
      `No supported specification covers ${asked.cpu} vCPU / ${asked.memory} GiB.`,
    );
  }
  return spec;
}

interface Placement {
  vsw: VSwitchConfig;
  /** Set when the zone is out of stock in schedule-failed mode: the group will end ScheduleFailed. */
  scheduleFailure?: string;
}

function place(core: EmulatorCore, p: CreateContainerGroupParams): Placement {
  const candidates = p.VSwitchId.split(',').map((s) => {
    const v = core.vSwitch(s.trim());
    if (!v) throw Errors.vSwitchNotFound();
    return v;
  });
  const sg = core.opts.securityGroups.find((s) => s.securityGroupId === p.SecurityGroupId);
  if (!sg) throw Errors.securityGroupNotFound();
  if (candidates.some((v) => v.vpcId !== sg.vpcId)) throw Errors.securityGroupVpcMismatch();
  let usable = candidates;
  if (p.ZoneId) {
    if (!core.opts.zones.includes(p.ZoneId)) throw Errors.zoneNotFound();
    usable = candidates.filter((v) => v.zoneId === p.ZoneId);
  }
  const [first] = usable;
  if (!first) throw Errors.invalidParameter('ZoneId', 'The specified vSwitch is not in the specified zone.');
  // Like ECI's multi-zone creation: the first vSwitch whose zone has stock.
  const inStock = usable.find((v) => !core.outOfStock.has(v.zoneId));
  if (inStock) return { vsw: inStock };
  if (usable.every((v) => core.outOfStock.get(v.zoneId) === 'schedule-failed')) {
    return {
      vsw: first,
      scheduleFailure: `Schedule eci failed: NoStock: the resource is out of stock in zone ${first.zoneId}`,
    };
  }
  throw Errors.noStock(first.zoneId);
}

export const createContainerGroup: ActionHandler = (core, params) => {
  const p = parseParams(createContainerGroupSchema, unflatten(params));
  const regionId = core.checkRegion(p.RegionId);
  checkCreateRules(p);
  const spec = resolveSpec(p);
  if (p.DryRun) {
    place(core, p);
    throw Errors.dryRunPassed();
  }
  // A retry with a known token gets the first answer even if stock has changed since.
  return core.idempotent('CreateContainerGroup', p.ClientToken, params, () => {
    const placement = place(core, p);
    const now = core.now();
    const id = newId('eci');
    const g: ContainerGroup = {
      id,
      name: p.ContainerGroupName,
      regionId,
      zoneId: placement.vsw.zoneId,
      vSwitchId: placement.vsw.vSwitchId,
      vpcId: placement.vsw.vpcId,
      securityGroupId: p.SecurityGroupId,
      intranetIp: core.allocateIp(placement.vsw),
      eniId: newId('eni'),
      status: 'Scheduling',
      createdAt: now,
      updatedAt: now,
      phaseEndsAt: now + core.opts.timing.schedulingMs,
      scheduleFailure: placement.scheduleFailure,
      cpu: spec.cpu,
      memory: spec.memory,
      instanceType: p.InstanceType ?? '',
      restartPolicy: p.RestartPolicy ?? 'Always',
      spotStrategy: p.SpotStrategy ?? 'NoSpot',
      spotPriceLimit: p.SpotPriceLimit ?? 0,
      tags: (p.Tag ?? []).map((t) => ({ Key: t.Key, Value: t.Value ?? '' })),
      request: p,
      containers: p.Container.map((c) => newContainerRuntime(c.Name, false)),
      initContainers: (p.InitContainer ?? []).map((c) => newContainerRuntime(c.Name, true)),
      events: [],
      eventSeq: 0,
      ...(core.processes ? { runtime: 'process' as const } : {}),
    };
    addEvent(g, now, 'Normal', 'Creating', `Creating container group ${g.name}`);
    const cache = matchImageCache(core, p, now);
    if (cache) addEvent(g, now, 'Normal', 'SuccessfulHitImageCache', imageCacheHitMessage(cache.id));
    core.state.groups[id] = g;
    core.changed();
    return { ContainerGroupId: id };
  });
};

function matchesTags(
  g: ContainerGroup,
  tags: { Key: string; Value?: string | undefined }[] | undefined,
): boolean {
  return (tags ?? []).every((t) =>
    g.tags.some((x) => x.Key === t.Key && (t.Value === undefined || x.Value === t.Value)),
  );
}

/** Cursor paging: NextToken is the id of the last group returned. */
function page<T extends { id: string }>(
  items: T[],
  limit: number,
  nextToken: string | undefined,
): { items: T[]; next: string } {
  let start = 0;
  if (nextToken) {
    const i = items.findIndex((x) => x.id === nextToken);
    if (i < 0) throw Errors.invalidParameter('NextToken', 'The token does not belong to this query.');
    start = i + 1;
  }
  const slice = items.slice(start, start + limit);
  const last = slice[slice.length - 1];
  return { items: slice, next: start + limit < items.length && last ? last.id : '' };
}

const describeSchema = z
  .object({
    RegionId: str.optional(),
    ZoneId: str.optional(),
    VSwitchId: str.optional(),
    ContainerGroupIds: jsonStringArray.optional(),
    ContainerGroupName: str.optional(),
    Status: str.optional(),
    Tag: tagList.optional(),
    Limit: int.refine((n) => n >= 1, 'must be at least 1').optional(),
    NextToken: str.optional(),
    WithEvent: bool.optional(),
    ResourceGroupId: str.optional(),
  })
  .catchall(z.unknown());

function filterGroups(
  core: EmulatorCore,
  f: {
    ZoneId?: string | undefined;
    VSwitchId?: string | undefined;
    ContainerGroupIds?: string[] | undefined;
    ContainerGroupName?: string | undefined;
    Status?: string | undefined;
    Tag?: { Key: string; Value?: string | undefined }[] | undefined;
  },
): ContainerGroup[] {
  const ids = f.ContainerGroupIds ? new Set(f.ContainerGroupIds) : undefined;
  return (f.ContainerGroupIds ? core.groupsByIds(f.ContainerGroupIds) : core.groups()).filter(
    (g) =>
      (!ids || ids.has(g.id)) &&
      (!f.ZoneId || g.zoneId === f.ZoneId) &&
      (!f.VSwitchId || g.vSwitchId === f.VSwitchId) &&
      (!f.ContainerGroupName || g.name === f.ContainerGroupName) &&
      (!f.Status || g.status === f.Status) &&
      matchesTags(g, f.Tag),
  );
}

/** The documented maximum page size of DescribeContainerGroups; larger Limits are clamped. */
export const DESCRIBE_MAX_LIMIT = 20;

export const describeContainerGroups: ActionHandler = (core, params) => {
  const p = parseParams(describeSchema, unflatten(params));
  core.checkRegion(p.RegionId);
  if ((p.ContainerGroupIds?.length ?? 0) > DESCRIBE_MAX_LIMIT) {
    throw Errors.invalidParameter('ContainerGroupIds', `At most ${DESCRIBE_MAX_LIMIT} ids are allowed.`);
  }
  const all = filterGroups(core, p);
  const { items, next } = page(all, Math.min(p.Limit ?? DESCRIBE_MAX_LIMIT, DESCRIBE_MAX_LIMIT), p.NextToken);
  return {
    TotalCount: all.length,
    NextToken: next,
    ContainerGroups: items.map((g) => renderGroup(g, p.WithEvent ?? true)),
  };
};

const statusSchema = z
  .object({
    RegionId: str.optional(),
    ZoneId: str.optional(),
    VSwitchId: str.optional(),
    ContainerGroupIds: jsonStringArray.optional(),
    Tag: tagList.optional(),
    Limit: int.refine((n) => n >= 1, 'must be at least 1').optional(),
    NextToken: str.optional(),
    SinceSecond: int.refine((n) => n >= 0, 'must not be negative').optional(),
    EventSource: str.optional(),
    ResourceGroupId: str.optional(),
  })
  .catchall(z.unknown());

/** Page size limits of the bulk status/event calls (emulator choice, documented in README). */
export const STATUS_MAX_LIMIT = 500;

function bulkFilter(core: EmulatorCore, p: z.output<typeof statusSchema>, bySince = true): ContainerGroup[] {
  core.checkRegion(p.RegionId);
  if ((p.ContainerGroupIds?.length ?? 0) > STATUS_MAX_LIMIT) {
    throw Errors.invalidParameter('ContainerGroupIds', `At most ${STATUS_MAX_LIMIT} ids are allowed.`);
  }
  const since = p.SinceSecond !== undefined ? core.now() - p.SinceSecond * 1000 : undefined;
  return filterGroups(core, p).filter((g) => !bySince || since === undefined || g.updatedAt >= since);
}

export const describeContainerGroupStatus: ActionHandler = (core, params) => {
  const p = parseParams(statusSchema, unflatten(params));
  const all = bulkFilter(core, p);
  const { items, next } = page(all, Math.min(p.Limit ?? STATUS_MAX_LIMIT, STATUS_MAX_LIMIT), p.NextToken);
  return { TotalCount: all.length, NextToken: next, Data: items.map(renderPodStatus) };
};

export const describeContainerGroupEvents: ActionHandler = (core, params) => {
  const p = parseParams(statusSchema, unflatten(params));
  const since = p.SinceSecond !== undefined ? core.now() - p.SinceSecond * 1000 : undefined;
  // Groups with an event (first or repeated) inside the SinceSecond window.
  const all = bulkFilter(core, p, false).filter(
    (g) => since === undefined || g.events.some((e) => e.last >= since),
  );
  const { items } = page(all, Math.min(p.Limit ?? STATUS_MAX_LIMIT, STATUS_MAX_LIMIT), p.NextToken);
  const data = items.map((g) => ({
    ContainerGroupId: g.id,
    Name: g.name,
    Namespace: '',
    uuid: g.id,
    Annotations: '{}',
    Events: g.events
      .filter((e) => since === undefined || e.last >= since)
      .map((e) => {
        // This model has no Name: the event's name is Metadata.Name.
        const { Name: _n, ...rest } = renderEvent(e);
        return {
          ...rest,
          Metadata: { Name: e.name, Namespace: '' },
          Source: { Component: 'eci', Host: g.intranetIp },
          ReportingComponent: 'eci',
          ReportingInstance: g.zoneId,
          involvedObject: {
            Kind: e.object ? 'Container' : 'ContainerGroup',
            Name: e.object || g.name,
            Namespace: '',
            Uid: g.id,
            ApiVersion: 'v1',
          },
        };
      }),
  }));
  // The response model has no NextToken: callers page by narrowing ContainerGroupIds.
  return { TotalCount: all.length, Data: data };
};

const idSchema = z
  .object({ RegionId: str.optional(), ContainerGroupId: z.string().min(1), ClientToken: str.optional() })
  .catchall(z.unknown());

// Force: ECI cleans the group up without waiting for its graceful termination
// (https://www.alibabacloud.com/help/en/eci/developer-reference/api-eci-2018-08-08-deletecontainergroup),
// also when a plain delete already has it Terminating.
const deleteSchema = idSchema.extend({ Force: bool.optional() });

export const deleteContainerGroup: ActionHandler = (core, params) => {
  const p = parseParams(deleteSchema, unflatten(params));
  core.checkRegion(p.RegionId);
  const g = core.group(p.ContainerGroupId);
  if (g.status !== 'Terminating') {
    beginDelete(g, core.now(), core.opts.timing);
    core.changed();
  }
  if (p.Force && killRunningProcesses(core, g) > 0) core.changed();
  return {};
};

/**
 * A forced delete in process mode: SIGKILL to every container still running (a preStop hook
 * in progress dies with it). The process runtime then reports the exits and ends Terminating;
 * simulated containers were stopped by beginDelete already.
 */
function killRunningProcesses(core: EmulatorCore, g: ContainerGroup): number {
  let killed = 0;
  for (const c of [...g.initContainers, ...g.containers]) {
    const pid = c.current.state === 'Running' ? core.processes?.containerPid(g.id, c.name) : undefined;
    if (pid === undefined) continue;
    try {
      process.kill(killTarget(pid), 'SIGKILL');
      killed++;
    } catch {
      // exited meanwhile
    }
  }
  return killed;
}

/**
 * The container's `unshare` when PID 1 runs under one (process/container-run.ts): killing it
 * takes PID 1 down (--kill-child) and the runtime sees the kill, exit code 137, as a kubelet
 * reports one; unshare reports a PID 1 killed under it as a plain exit 1. Else PID 1 itself.
 */
function killTarget(pid: number): number {
  try {
    const ppid = Number(/^PPid:\s*(\d+)$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
    if (ppid > 1 && readFileSync(`/proc/${ppid}/comm`, 'utf8').trim() === 'unshare') return ppid;
  } catch {
    // no /proc entry (exited): PID 1 it is
  }
  return pid;
}

export const restartContainerGroup: ActionHandler = (core, params) => {
  const p = parseParams(idSchema, unflatten(params));
  core.checkRegion(p.RegionId);
  return core.idempotent('RestartContainerGroup', p.ClientToken, params, () => {
    const g = core.group(p.ContainerGroupId);
    if (!canRestart(g)) throw Errors.incorrectStatus(g.status);
    beginRestart(g, core.now(), core.opts.timing);
    core.changed();
    return {};
  });
};

const updateSchema = createContainerGroupSchema
  .pick({
    Container: true,
    InitContainer: true,
    Volume: true,
    ImageRegistryCredential: true,
    DnsConfig: true,
  })
  .partial()
  .extend({
    RegionId: str.optional(),
    ContainerGroupId: z.string().min(1),
    ClientToken: createContainerGroupSchema.shape.ClientToken,
    RestartPolicy: createContainerGroupSchema.shape.RestartPolicy,
    Cpu: num.optional(),
    Memory: num.optional(),
    Tag: tagList.optional(),
    UpdateType: z
      .enum(['RenewUpdate', 'IncrementalUpdate'], { message: 'must be RenewUpdate or IncrementalUpdate' })
      .optional(),
  })
  .catchall(z.unknown());

/**
 * True when every volume given is a ConfigFileVolume that replaces a ConfigFileVolume of the
 * same name: only file contents change, which ECI applies without recreating containers
 * (the emulator's reading of an undocumented case, docs/updates.md).
 */
function isConfigFileRefresh(
  old: { Name: string; Type: string }[],
  given: { Name: string; Type: string }[],
): boolean {
  return given.every(
    (v) =>
      v.Type === 'ConfigFileVolume' && old.some((o) => o.Name === v.Name && o.Type === 'ConfigFileVolume'),
  );
}

/** IncrementalUpdate merges containers and volumes by name; RenewUpdate replaces what is given. */
function mergeByName<T extends { Name: string }>(old: T[], updates: T[], incremental: boolean): T[] {
  if (!incremental) return updates;
  const out = old.map((o) => {
    const u = updates.find((x) => x.Name === o.Name);
    return u ? { ...o, ...Object.fromEntries(Object.entries(u).filter(([, v]) => v !== undefined)) } : o;
  });
  for (const u of updates) if (!old.some((o) => o.Name === u.Name)) out.push(u);
  return out;
}

type Volume = NonNullable<CreateContainerGroupParams['Volume']>[number];

/**
 * UpdateContainerGroup's ConfigFileVolume carries no DefaultMode and no per-file Mode (the
 * SDK's update model has neither): an updated ConfigFile volume keeps the modes it was
 * created with, per path, so new contents do not change who may read the files.
 */
function keepFileModes(oldVolumes: readonly Volume[] | undefined) {
  return (v: Volume): Volume => {
    const old = oldVolumes?.find((o) => o.Name === v.Name)?.ConfigFileVolume;
    if (!old || !v.ConfigFileVolume) return v;
    const modeOf = new Map((old.ConfigFileToPath ?? []).map((f) => [f.Path, f.Mode]));
    return {
      ...v,
      ConfigFileVolume: {
        ...v.ConfigFileVolume,
        DefaultMode: v.ConfigFileVolume.DefaultMode ?? old.DefaultMode,
        ConfigFileToPath: v.ConfigFileVolume.ConfigFileToPath?.map((f) => ({
          ...f,
          Mode: f.Mode ?? modeOf.get(f.Path),
        })),
      },
    };
  };
}

export const updateContainerGroup: ActionHandler = (core, params) => {
  const p = parseParams(updateSchema, unflatten(params));
  core.checkRegion(p.RegionId);
  return core.idempotent('UpdateContainerGroup', p.ClientToken, params, () => {
    const g = core.group(p.ContainerGroupId);
    if (!UPDATABLE.has(g.status)) throw Errors.incorrectStatus(g.status);
    const incremental = (p.UpdateType ?? 'RenewUpdate') === 'IncrementalUpdate';
    const next: CreateContainerGroupParams = { ...g.request };
    if (p.Container) next.Container = mergeByName(g.request.Container, p.Container, incremental);
    if (p.InitContainer)
      next.InitContainer = mergeByName(g.request.InitContainer ?? [], p.InitContainer, incremental);
    if (p.Volume)
      next.Volume = mergeByName(
        g.request.Volume ?? [],
        p.Volume.map(keepFileModes(g.request.Volume)),
        incremental,
      );
    if (p.ImageRegistryCredential) next.ImageRegistryCredential = p.ImageRegistryCredential;
    if (p.DnsConfig) next.DnsConfig = p.DnsConfig;
    if (p.RestartPolicy) next.RestartPolicy = p.RestartPolicy;
    if (p.Cpu !== undefined) next.Cpu = p.Cpu;
    if (p.Memory !== undefined) next.Memory = p.Memory;
    checkCreateRules(next);
    const spec = resolveSpec(next);
    // New ConfigFile contents for existing ConfigFile volumes are written in place (docs/updates.md).
    const contentOnly = p.Volume !== undefined && isConfigFileRefresh(g.request.Volume ?? [], p.Volume);
    const recreate = Boolean(
      p.Container ||
      p.InitContainer ||
      (p.Volume && !contentOnly) ||
      p.Cpu !== undefined ||
      p.Memory !== undefined ||
      p.RestartPolicy,
    );
    if (p.Tag) {
      const tags = incremental ? [...g.tags] : [];
      for (const t of p.Tag) {
        const i = tags.findIndex((x) => x.Key === t.Key);
        const v = { Key: t.Key, Value: t.Value ?? '' };
        if (i >= 0) tags[i] = v;
        else tags.push(v);
      }
      g.tags = tags;
      next.Tag = tags;
      g.updatedAt = core.now();
    }
    g.request = next;
    g.cpu = spec.cpu;
    g.memory = spec.memory;
    g.restartPolicy = next.RestartPolicy ?? g.restartPolicy;
    if (recreate) beginUpdate(g, core.now(), core.opts.timing);
    else if (contentOnly) {
      addEvent(
        g,
        core.now(),
        'Normal',
        'VolumesUpdated',
        `Updated the contents of ${p.Volume?.length} volume(s)`,
      );
      g.updatedAt = core.now();
    }
    core.changed();
    return {};
  });
};

export const containerGroupActions: Record<string, ActionHandler> = {
  CreateContainerGroup: createContainerGroup,
  DescribeContainerGroups: describeContainerGroups,
  DescribeContainerGroupStatus: describeContainerGroupStatus,
  DescribeContainerGroupEvents: describeContainerGroupEvents,
  DeleteContainerGroup: deleteContainerGroup,
  RestartContainerGroup: restartContainerGroup,
  UpdateContainerGroup: updateContainerGroup,
};
