// Pure: the ImageCache resource (deploy/crds/imagecaches.eci.alibabacloud.com.yaml) as the
// controller reads it. Field names follow Alibaba Cloud's "kubernetes ImageCache API" page;
// where this code had to choose, docs/updates.md says so.
import type { KubernetesObject } from '@kubernetes/client-node';
import { z } from 'zod';

export const IMAGE_CACHE_API = {
  group: 'eci.alibabacloud.com',
  version: 'v1',
  plural: 'imagecaches',
  kind: 'ImageCache',
} as const;

/** Keeps the object until its ECI image cache is deleted. */
export const IMAGE_CACHE_FINALIZER = 'eci-virtual-node/image-cache';

/**
 * The cluster id (`--cluster-id`) of the reconciler that handles the object: set when it takes
 * the object, or beforehand by the user; another install sharing the API server leaves it alone.
 */
export const IMAGE_CACHE_OWNER_ANNOTATION = 'eci-virtual-node/cluster-id';

/** Placement annotations of ACK's image cache documentation ("Image cache annotations"). */
export const IMAGE_CACHE_ANNOTATIONS = {
  vSwitchIds: 'k8s.aliyun.com/vswitch-ids',
  securityGroupId: 'k8s.aliyun.com/security-group-id',
} as const;

const secretRef = z
  .string()
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?:[a-z0-9]([-.a-z0-9]*[a-z0-9])?$/, 'must be namespace:secretName');

export const imageCacheSpecSchema = z.object({
  images: z
    .array(z.string().min(1, 'must not be empty'))
    .min(1, 'needs at least one image')
    .max(20, 'at most 20 images'),
  imagePullSecrets: z.array(secretRef).optional(),
  imageCacheSize: z.number().int().min(20).max(32768).optional(),
  retentionDays: z.number().int().min(1).max(65536).optional(),
});

export type ImageCacheSpec = z.infer<typeof imageCacheSpecSchema>;

export interface ImageCacheEvent {
  type?: string;
  reason?: string;
  message?: string;
  count?: number;
  firstTimestamp?: string;
  lastTimestamp?: string;
}

export interface ImageCacheStatus {
  phase?: string;
  progress?: string;
  imageCacheId?: string;
  reason?: string;
  message?: string;
  startTime?: string;
  lastUpdatedTime?: string;
  expireDateTime?: string;
  events?: ImageCacheEvent[];
}

export interface ImageCacheObject extends KubernetesObject {
  spec?: unknown;
  status?: ImageCacheStatus;
}

/** The spec, or one message naming each bad field (`spec.images[0]: must not be empty`). */
export function parseSpec(
  spec: unknown,
): { ok: true; spec: ImageCacheSpec } | { ok: false; message: string } {
  const r = imageCacheSpecSchema.safeParse(spec ?? {});
  if (r.success) return { ok: true, spec: r.data };
  const message = r.error.issues
    .map(
      (i) =>
        `spec${i.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('')}: ${i.message}`,
    )
    .join('; ');
  return { ok: false, message };
}

/** A valid ImageCacheName (2–128 of [a-z0-9-], no hyphen at either end) from the object's name. */
export function eciImageCacheName(name: string): string {
  const out = name
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-+/g, '-')
    .slice(0, 128)
    .replace(/^-+|-+$/g, '');
  return out.length >= 2 ? out : `imc-${out}`.replace(/-+$/, '');
}

/** `namespace:name` → its parts. */
export function splitSecretRef(ref: string): { namespace: string; name: string } {
  const i = ref.indexOf(':');
  return { namespace: ref.slice(0, i), name: ref.slice(i + 1) };
}
