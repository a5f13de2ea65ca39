// The Kubernetes objects a pod's translation reads: ConfigMaps, Secrets, PVCs/PVs,
// service-account tokens (podReferences in reconciler/translate says which) and the
// Services a kubelet turns into environment variables (translate/service-env.ts). ConfigMaps,
// kube-root-ca.crt above all (every pod mounts it), are cached briefly in an LRU bounded
// by bytes, so a flood of large ConfigMaps cannot grow the process without limit. Secrets
// likewise: the content refresher re-reads every running pod's references once per interval,
// and the pods of one Deployment share theirs (one read per Secret per TTL, not per pod).
import type {
  CoreV1Api,
  V1ConfigMap,
  V1PersistentVolume,
  V1PersistentVolumeClaim,
  V1Pod,
  V1Secret,
  V1Service,
} from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { isNotFound, kubeStatusCode } from '../../shared/kube.ts';
import { podReferences } from '../translate.ts';

const CONFIGMAP_TTL_MS = 10_000;
/** The lifetime asked for every token: the kubelet's 3607 s (content refresh renews at 80 % of it). */
export const TOKEN_EXPIRATION_SECONDS = 3607;
/** Bytes of ConfigMap data the cache holds at most (a ConfigMap is at most 1 MiB). */
const CONFIGMAP_CACHE_BYTES = 16 * 1024 * 1024;
/** Bytes of Secret data the cache holds at most (a Secret is at most 1 MiB). */
const SECRET_CACHE_BYTES = 16 * 1024 * 1024;
/** Bytes of Service lists the cache holds at most. */
const SERVICE_CACHE_BYTES = 4 * 1024 * 1024;

/** An LRU of values with a size each, bounded by the sum of sizes; entries expire after `ttlMs`. */
export class ByteLru<V> {
  private readonly entries = new Map<string, { value: V; bytes: number; at: number }>();
  private total = 0;
  private readonly maxBytes: number;
  private readonly ttlMs: number;
  private readonly now: () => number;

  constructor(maxBytes: number, ttlMs: number, now: () => number = Date.now) {
    this.maxBytes = maxBytes;
    this.ttlMs = ttlMs;
    this.now = now;
  }

  get(key: string): V | undefined {
    const hit = this.entries.get(key);
    if (!hit) return undefined;
    this.entries.delete(key);
    if (this.now() - hit.at >= this.ttlMs) {
      this.total -= hit.bytes;
      return undefined;
    }
    this.entries.set(key, hit); // most recently used last
    return hit.value;
  }

  set(key: string, value: V, bytes: number): void {
    this.delete(key);
    if (bytes > this.maxBytes) return; // never cached: it would evict everything else
    this.entries.set(key, { value, bytes, at: this.now() });
    this.total += bytes;
    for (const [oldest, entry] of this.entries) {
      if (this.total <= this.maxBytes) break;
      this.entries.delete(oldest);
      this.total -= entry.bytes;
    }
  }

  delete(key: string): void {
    const hit = this.entries.get(key);
    if (!hit) return;
    this.entries.delete(key);
    this.total -= hit.bytes;
  }

  get bytes(): number {
    return this.total;
  }

  get size(): number {
    return this.entries.size;
  }
}

/** Pure: the bytes string maps hold (keys and values), the part of an object that can be large. */
function payloadBytes(...maps: (Record<string, string> | undefined)[]): number {
  let n = 0;
  for (const map of maps) for (const [k, v] of Object.entries(map ?? {})) n += k.length + v.length;
  return n + 512; // metadata
}

/** Pure: the bytes a ConfigMap's payload holds (keys and values). */
export const configMapBytes = (cm: V1ConfigMap): number => payloadBytes(cm.data, cm.binaryData);

/** Pure: the bytes a Secret's payload holds (keys and base64 values). */
const secretBytes = (secret: V1Secret): number => payloadBytes(secret.data, secret.stringData);

export interface PodReferenceObjects {
  configMaps: Record<string, V1ConfigMap>;
  secrets: Record<string, V1Secret>;
  persistentVolumeClaims: Record<string, V1PersistentVolumeClaim>;
  persistentVolumes: Record<string, V1PersistentVolume>;
  serviceAccountTokens: Record<string, string>;
  /** The namespace's Services (when service links are on) and `default/kubernetes`; absent when unreadable. */
  services?: V1Service[];
}

export class ReferenceReader {
  private readonly configMaps: ByteLru<V1ConfigMap>;
  private readonly secrets: ByteLru<V1Secret>;
  /** Service lists by namespace (and default/kubernetes): one list per namespace per TTL, not per create. */
  private readonly services: ByteLru<V1Service[]>;
  private readonly core: CoreV1Api;
  private readonly log: Logger;
  private warnedServicesForbidden = false;

  constructor(core: CoreV1Api, log: Logger, cacheBytes = CONFIGMAP_CACHE_BYTES) {
    this.core = core;
    this.log = log;
    this.configMaps = new ByteLru(cacheBytes, CONFIGMAP_TTL_MS);
    this.secrets = new ByteLru(SECRET_CACHE_BYTES, CONFIGMAP_TTL_MS);
    this.services = new ByteLru(SERVICE_CACHE_BYTES, CONFIGMAP_TTL_MS);
  }

  /** The objects the pod refers to; a missing one is absent from its record (the translation says so). */
  async read(pod: V1Pod): Promise<PodReferenceObjects> {
    const namespace = pod.metadata?.namespace ?? 'default';
    const refs = podReferences(pod);
    const configMaps = await fetchAll(refs.configMaps, (name) => this.readConfigMap(namespace, name));
    const secrets = await fetchAll(refs.secrets, (name) => this.readSecret(namespace, name));
    const persistentVolumeClaims = await fetchAll(refs.persistentVolumeClaims, (name) =>
      this.core.readNamespacedPersistentVolumeClaim({ name, namespace }),
    );
    const pvNames = Object.values(persistentVolumeClaims)
      .map((c) => c.spec?.volumeName)
      .filter((n): n is string => !!n);
    const persistentVolumes = await fetchAll(new Set(pvNames), (name) =>
      this.core.readPersistentVolume({ name }),
    );
    const serviceAccountTokens: Record<string, string> = {};
    for (const audience of refs.serviceAccountTokenAudiences) {
      const token = await this.token(pod, namespace, audience);
      if (token) serviceAccountTokens[audience] = token;
    }
    const services = await this.serviceEnvSources(pod, namespace);
    return {
      configMaps,
      secrets,
      persistentVolumeClaims,
      persistentVolumes,
      serviceAccountTokens,
      ...(services ? { services } : {}),
    };
  }

  /**
   * What the kubelet's service lister would give for this pod: only `default/kubernetes`
   * unless service links are on. Without RBAC on Services the pod still runs, without the
   * variables, and the reconciler says so once.
   */
  private async serviceEnvSources(pod: V1Pod, namespace: string): Promise<V1Service[] | undefined> {
    const links = pod.spec?.enableServiceLinks !== false;
    try {
      const own = links
        ? await this.cachedServices(
            namespace,
            async () => (await this.core.listNamespacedService({ namespace })).items,
          )
        : [];
      if (namespace === 'default' && links) return own;
      const master = await this.cachedServices('default/kubernetes', async () =>
        Object.values(
          await fetchAll(['kubernetes'], (name) =>
            this.core.readNamespacedService({ name, namespace: 'default' }),
          ),
        ),
      );
      return [...own, ...master];
    } catch (err) {
      if (kubeStatusCode(err) !== 403) throw err;
      if (!this.warnedServicesForbidden)
        this.log.warn({ err }, 'cannot read Services: ECI pods start without the service environment');
      this.warnedServicesForbidden = true;
      return undefined;
    }
  }

  private async cachedServices(key: string, read: () => Promise<V1Service[]>): Promise<V1Service[]> {
    const hit = this.services.get(key);
    if (hit) return hit;
    const value = await read();
    this.services.set(key, value, JSON.stringify(value).length);
    return value;
  }

  private async token(pod: V1Pod, namespace: string, audience: string): Promise<string | undefined> {
    try {
      const res = await this.core.createNamespacedServiceAccountToken({
        name: pod.spec?.serviceAccountName ?? 'default',
        namespace,
        body: {
          spec: {
            audiences: audience ? [audience] : [],
            expirationSeconds: TOKEN_EXPIRATION_SECONDS,
            boundObjectRef: {
              apiVersion: 'v1',
              kind: 'Pod',
              name: pod.metadata?.name,
              uid: pod.metadata?.uid,
            },
          },
        },
      });
      return res.status?.token;
    } catch (err) {
      this.log.debug({ err }, 'TokenRequest failed; the translation reports the token as missing');
      return undefined;
    }
  }

  private readConfigMap(namespace: string, name: string): Promise<V1ConfigMap> {
    return readThrough(this.configMaps, `${namespace}/${name}`, configMapBytes, () =>
      this.core.readNamespacedConfigMap({ name, namespace }),
    );
  }

  private readSecret(namespace: string, name: string): Promise<V1Secret> {
    return readThrough(this.secrets, `${namespace}/${name}`, secretBytes, () =>
      this.core.readNamespacedSecret({ name, namespace }),
    );
  }
}

/** The cached value of `key`, else `read()`'s, cached by its size. */
async function readThrough<T>(
  cache: ByteLru<T>,
  key: string,
  bytes: (value: T) => number,
  read: () => Promise<T>,
): Promise<T> {
  const hit = cache.get(key);
  if (hit) return hit;
  const value = await read();
  cache.set(key, value, bytes(value));
  return value;
}

async function fetchAll<T>(
  names: Iterable<string>,
  read: (name: string) => Promise<T>,
): Promise<Record<string, T>> {
  const out: Record<string, T> = {};
  await Promise.all(
    [...names].map(async (name) => {
      try {
        out[name] = await read(name);
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }),
  );
  return out;
}
