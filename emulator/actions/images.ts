// CreateImageCache / DescribeImageCaches / DeleteImageCache (async states),
// DescribeRegions, and the retired template actions.
import { z } from 'zod';
import { newId, type EmulatorCore } from '../core.ts';
import { ApiError, Errors } from '../errors.ts';
import { IMAGE_PULL_FAILURE_MARKER } from '../process/image-table.ts';
import type { ImageCache } from '../model.ts';
import { parseParams, unflatten } from '../params.ts';
import { isoTime } from '../render.ts';
import { int, list, str, tagList } from '../wire.ts';
import type { ActionHandler } from './types.ts';

const createSchema = z
  .object({
    RegionId: str.optional(),
    ImageCacheName: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]{0,126}[a-z0-9]$/, 'must be 2 to 128 lowercase letters, digits and hyphens'),
    Image: list(z.string().min(1)).min(1).max(20, 'at most 20 images'),
    SecurityGroupId: z.string().min(1),
    VSwitchId: z.string().min(1),
    ImageCacheSize: int.refine((n) => n >= 20 && n <= 2000, 'must be between 20 and 2000 GiB').optional(),
    RetentionDays: int.refine((n) => n >= 1, 'must be at least 1').optional(),
    EliminationStrategy: z.enum(['LRU', '']).optional(),
    ClientToken: z.string().max(64).optional(),
    Tag: tagList.optional(),
    ZoneId: str.optional(),
  })
  .catchall(z.unknown());

/** Status is a function of time: Preparing, then Creating, then Ready (or Failed). */
export function imageCacheStatus(
  c: ImageCache,
  now: number,
): { status: ImageCache['status']; progress: string } {
  if (c.status === 'Failed') return { status: 'Failed', progress: '0%' };
  if (now >= c.readyAt) return { status: 'Ready', progress: '100%' };
  const span = Math.max(1, c.readyAt - c.createdAt);
  const done = Math.floor(((now - c.createdAt) / span) * 100);
  return { status: done < 20 ? 'Preparing' : 'Creating', progress: `${Math.max(0, Math.min(99, done))}%` };
}

/** What ECI says in the group's events when a create uses a cache (its wording, as ACK pods show it). */
export function imageCacheHitMessage(id: string): string {
  return `[eci.imagecache]Successfully hit image cache ${id}, eci will be scheduled with this image cache.`;
}

/**
 * The Ready cache a create uses: the one ImageSnapshotId names (by cache or snapshot id), or
 * with AutoMatchImageCache the one holding most of the containers' images (newest first).
 */
export function matchImageCache(
  core: EmulatorCore,
  p: {
    ImageSnapshotId?: string | undefined;
    AutoMatchImageCache?: boolean | undefined;
    Container: { Image: string }[];
  },
  now: number,
): ImageCache | undefined {
  const ready = Object.values(core.state.imageCaches)
    .filter((c) => imageCacheStatus(c, now).status === 'Ready')
    .sort((a, b) => b.createdAt - a.createdAt);
  let hit: ImageCache | undefined;
  if (p.ImageSnapshotId) {
    hit = ready.find((c) => c.id === p.ImageSnapshotId || c.snapshotId === p.ImageSnapshotId);
  } else if (p.AutoMatchImageCache) {
    const score = (c: ImageCache) => p.Container.filter((x) => c.images.includes(x.Image)).length;
    hit = ready.reduce<ImageCache | undefined>(
      (best, c) => (score(c) > (best ? score(best) : 0) ? c : best),
      undefined,
    );
  }
  if (hit) hit.lastMatchedAt = now;
  return hit;
}

export const createImageCache: ActionHandler = (core, params) => {
  const p = parseParams(createSchema, unflatten(params));
  core.checkRegion(p.RegionId);
  if (!core.vSwitch(p.VSwitchId)) throw Errors.vSwitchNotFound();
  if (!core.opts.securityGroups.some((s) => s.securityGroupId === p.SecurityGroupId)) {
    throw Errors.securityGroupNotFound();
  }
  return core.idempotent('CreateImageCache', p.ClientToken, params, () => {
    const now = core.now();
    const id = newId('imc');
    const failed = p.Image.some((i) => i.includes(IMAGE_PULL_FAILURE_MARKER));
    const cache: ImageCache = {
      id,
      name: p.ImageCacheName,
      images: p.Image,
      size: p.ImageCacheSize ?? 20,
      status: failed ? 'Failed' : 'Preparing',
      createdAt: now,
      readyAt: now + core.opts.timing.imageCacheMs,
      retentionDays: p.RetentionDays,
      containerGroupId: newId('eci'),
      snapshotId: newId('s'),
      tags: (p.Tag ?? []).map((t) => ({ Key: t.Key, Value: t.Value ?? '' })),
      events: [],
      eliminationStrategy: p.EliminationStrategy ?? '',
    };
    core.state.imageCaches[id] = cache;
    core.changed();
    return { ImageCacheId: id, ContainerGroupId: cache.containerGroupId };
  });
};

const describeSchema = z
  .object({
    RegionId: str.optional(),
    ImageCacheId: str.optional(),
    ImageCacheName: str.optional(),
    SnapshotId: str.optional(),
    Image: str.optional(),
    MatchImage: list(str).optional(),
    Tag: tagList.optional(),
    Limit: int.refine((n) => n >= 1, 'must be at least 1').optional(),
    NextToken: str.optional(),
  })
  .catchall(z.unknown());

export const describeImageCaches: ActionHandler = (core, params) => {
  const p = parseParams(describeSchema, unflatten(params));
  const regionId = core.checkRegion(p.RegionId);
  const now = core.now();
  const ids = p.ImageCacheId ? new Set(p.ImageCacheId.split(',')) : undefined;
  const all = Object.values(core.state.imageCaches)
    .filter(
      (c) =>
        (!ids || ids.has(c.id)) &&
        (!p.ImageCacheName || c.name === p.ImageCacheName) &&
        (!p.SnapshotId || c.snapshotId === p.SnapshotId) &&
        (!p.Image || c.images.includes(p.Image)) &&
        (!p.MatchImage || p.MatchImage.every((m) => c.images.includes(m))) &&
        (p.Tag ?? []).every((t) =>
          c.tags.some((x) => x.Key === t.Key && (t.Value === undefined || x.Value === t.Value)),
        ),
    )
    .sort((a, b) => b.createdAt - a.createdAt);
  const limit = Math.min(p.Limit ?? 10, 100);
  const start = p.NextToken ? Number(p.NextToken) : 0;
  if (!Number.isInteger(start) || start < 0) throw Errors.invalidParameter('NextToken');
  const items = all.slice(start, start + limit);
  return {
    TotalCount: all.length,
    NextToken: start + limit < all.length ? String(start + limit) : '',
    ImageCaches: items.map((c) => {
      const s = imageCacheStatus(c, now);
      return {
        ImageCacheId: c.id,
        ImageCacheName: c.name,
        ImageCacheSize: c.size,
        Images: c.images,
        Status: s.status,
        Progress: s.progress,
        SnapshotId: s.status === 'Ready' ? c.snapshotId : '',
        ContainerGroupId: c.containerGroupId,
        CreationTime: isoTime(c.createdAt),
        ExpireDateTime: c.retentionDays ? isoTime(c.createdAt + c.retentionDays * 86_400_000) : '',
        LastMatchedTime: isoTime(c.lastMatchedAt),
        EliminationStrategy: c.eliminationStrategy,
        FlashSnapshotId: '',
        RegionId: regionId,
        ResourceGroupId: '',
        Tags: c.tags,
        Events:
          s.status === 'Failed'
            ? [
                {
                  Count: 1,
                  Type: 'Warning',
                  Name: `${c.name}.failed`,
                  Reason: 'Failed',
                  Message: `Failed to pull image ${c.images.find((i) => i.includes(IMAGE_PULL_FAILURE_MARKER)) ?? ''}: not found`,
                  FirstTimestamp: isoTime(c.createdAt),
                  LastTimestamp: isoTime(c.createdAt),
                },
              ]
            : [],
      };
    }),
  };
};

const deleteSchema = z
  .object({ RegionId: str.optional(), ImageCacheId: z.string().min(1), ClientToken: str.optional() })
  .catchall(z.unknown());

export const deleteImageCache: ActionHandler = (core, params) => {
  const p = parseParams(deleteSchema, unflatten(params));
  core.checkRegion(p.RegionId);
  if (!core.state.imageCaches[p.ImageCacheId]) throw Errors.imageCacheNotFound();
  delete core.state.imageCaches[p.ImageCacheId];
  core.changed();
  return {};
};

export const describeRegions: ActionHandler = (core, params) => {
  const p = parseParams(z.object({ RegionId: str.optional() }).catchall(z.unknown()), unflatten(params));
  if (p.RegionId) core.checkRegion(p.RegionId);
  return {
    Regions: [
      {
        RegionId: core.opts.regionId,
        RegionEndpoint: `eci.${core.opts.regionId}.aliyuncs.com`,
        Zones: core.opts.zones,
        RecommendZones: core.opts.zones.filter((z) => !core.outOfStock.has(z)),
      },
    ],
  };
};

/** ECI answers a retired action like any action that does not exist. */
export const retired: ActionHandler = () => {
  throw new ApiError(
    404,
    'InvalidAction.NotFound',
    'Specified api is not found, please check your url and method. (This action has been retired.)',
  );
};

export const imageActions: Record<string, ActionHandler> = {
  CreateImageCache: createImageCache,
  DescribeImageCaches: describeImageCaches,
  DeleteImageCache: deleteImageCache,
  DescribeRegions: describeRegions,
};
