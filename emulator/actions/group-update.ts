// UpdateContainerGroup: RenewUpdate replaces and IncrementalUpdate merges what the request
// gives; a change to the containers recreates them (Updating), new ConfigFile contents alone
// are written in place (docs/updates.md).
import { z } from 'zod';
import { Errors } from '../errors.ts';
import { addEvent } from '../lifecycle/group-record.ts';
import { beginUpdate, UPDATABLE } from '../lifecycle/operations.ts';
import { parseParams, unflatten } from '../params.ts';
import {
  checkCreateRules,
  createContainerGroupSchema,
  type CreateContainerGroupParams,
} from '../validate-create.ts';
import { num, str, tagList } from '../wire.ts';
import { resolveSpec } from './group-create.ts';
import type { ActionHandler } from './types.ts';

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
