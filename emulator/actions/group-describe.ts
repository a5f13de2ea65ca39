// DescribeContainerGroups, DescribeContainerGroupStatus and DescribeContainerGroupEvents:
// the filters and the cursor paging they share.
import { z } from 'zod';
import type { EmulatorCore } from '../core.ts';
import { Errors } from '../errors.ts';
import type { ContainerGroup } from '../model.ts';
import { parseParams, unflatten } from '../params.ts';
import { renderEvent, renderGroup, renderPodStatus } from '../render.ts';
import { bool, int, jsonStringArray, str, tagList } from '../wire.ts';
import type { ActionHandler } from './types.ts';
import { shownGroupStatus } from '../lifecycle/container-state.ts';

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
      (!f.Status || shownGroupStatus(g) === f.Status) &&
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
