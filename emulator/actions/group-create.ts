// CreateContainerGroup: the spec resolved from the request (resolveSpec, which
// UpdateContainerGroup shares), the vSwitch the group is placed on, and the new group, Scheduling.
import type { EmulatorCore } from '../core.ts';
import { newId } from '../core.ts';
import { Errors } from '../errors.ts';
import { newContainerRuntime } from '../lifecycle/container-state.ts';
import { addEvent } from '../lifecycle/group-record.ts';
import type { ContainerGroup } from '../model.ts';
import type { VSwitchConfig } from '../options.ts';
import { parseParams, unflatten } from '../params.ts';
import { DEFAULT_SPEC, roundUpSpec } from '../specs.ts';
import {
  checkCreateRules,
  createContainerGroupSchema,
  requestedResources,
  type CreateContainerGroupParams,
} from '../validate-create.ts';
import { imageCacheHitMessage, matchImageCache } from './images.ts';
import type { ActionHandler } from './types.ts';

export function resolveSpec(p: CreateContainerGroupParams): { cpu: number; memory: number } {
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
