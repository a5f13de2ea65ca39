// Pure: the next step of the ImageCache controller for one object, and the object's status
// from ECI's DescribeImageCaches answer.
import { rfc3339 } from '../status.ts';
import {
  IMAGE_CACHE_FINALIZER,
  IMAGE_CACHE_OWNER_ANNOTATION,
  parseSpec,
  type ImageCacheEvent,
  type ImageCacheObject,
  type ImageCacheSpec,
  type ImageCacheStatus,
} from './resource.ts';

/** ECI image cache states after which nothing changes without a new request. */
const FINAL_PHASES = new Set(['Ready', 'Failed']);

export type Step =
  /** Take the object: the finalizer and this cluster's id. */
  | { kind: 'add-finalizer' }
  /** Being deleted: DeleteImageCache, then the finalizer goes. */
  | { kind: 'delete-cache'; id: string }
  | { kind: 'remove-finalizer' }
  /** The spec is refused before ECI is called. */
  | { kind: 'invalid'; message: string }
  | { kind: 'create'; spec: ImageCacheSpec }
  /** Created and not final: describe it (and come back later while it is not final). */
  | { kind: 'describe'; id: string }
  | { kind: 'none' };

export function nextStep(obj: ImageCacheObject, clusterId: string): Step {
  const owner = obj.metadata?.annotations?.[IMAGE_CACHE_OWNER_ANNOTATION];
  if (owner !== undefined && owner !== clusterId) return { kind: 'none' };
  const finalizers = obj.metadata?.finalizers ?? [];
  const held = finalizers.includes(IMAGE_CACHE_FINALIZER);
  const id = obj.status?.imageCacheId;
  if (obj.metadata?.deletionTimestamp) {
    if (!held) return { kind: 'none' };
    return id ? { kind: 'delete-cache', id } : { kind: 'remove-finalizer' };
  }
  if (!held) return { kind: 'add-finalizer' };
  if (id) return FINAL_PHASES.has(obj.status?.phase ?? '') ? { kind: 'none' } : { kind: 'describe', id };
  const parsed = parseSpec(obj.spec);
  if (!parsed.ok) {
    return obj.status?.phase === 'Failed' && obj.status.message === parsed.message
      ? { kind: 'none' }
      : { kind: 'invalid', message: parsed.message };
  }
  return { kind: 'create', spec: parsed.spec };
}

/** The fields of a DescribeImageCaches cache this module reads (the SDK model fits). */
export interface EciImageCacheView {
  imageCacheId?: string;
  status?: string;
  progress?: string;
  creationTime?: string;
  expireDateTime?: string;
  /** ECI's events carry the fields the status keeps, under the same names. */
  events?: ImageCacheEvent[];
}

const orUndefined = (s: string | undefined) => (s ? s : undefined);

/** The object's status for what ECI reports (lastUpdatedTime is the writer's). */
export function statusFromCache(cache: EciImageCacheView): ImageCacheStatus {
  const events = (cache.events ?? []).map((e) =>
    dropEmpty({
      type: orUndefined(e.type),
      reason: orUndefined(e.reason),
      message: orUndefined(e.message),
      count: e.count,
      firstTimestamp: rfc3339(e.firstTimestamp),
      lastTimestamp: rfc3339(e.lastTimestamp),
    }),
  );
  const failure =
    cache.status === 'Failed' ? [...events].reverse().find((e) => e.type === 'Warning') : undefined;
  return dropEmpty({
    phase: orUndefined(cache.status),
    progress: orUndefined(cache.progress),
    imageCacheId: orUndefined(cache.imageCacheId),
    reason: failure?.reason,
    message: failure?.message,
    startTime: rfc3339(cache.creationTime),
    expireDateTime: rfc3339(cache.expireDateTime),
    events: events.length ? events : undefined,
  });
}

/** The status the object had; true when `next` says nothing new (lastUpdatedTime aside). */
export function sameStatus(current: ImageCacheStatus | undefined, next: ImageCacheStatus): boolean {
  const strip = (s: ImageCacheStatus | undefined) => JSON.stringify({ ...s, lastUpdatedTime: undefined });
  return strip(dropEmpty({ ...current })) === strip(next);
}

function dropEmpty<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
