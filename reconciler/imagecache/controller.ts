// The ImageCache controller (leader only): each ImageCache object becomes one ECI image cache.
// Create → CreateImageCache (ClientToken = the object's UID, so a retry never makes a second
// cache), status mirrored from DescribeImageCaches until Ready or Failed, delete →
// DeleteImageCache under a finalizer. The decisions are in decide.ts; this file only does I/O.
import {
  CustomObjectsApi,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
  type KubernetesListObject,
} from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { kubeStatusCode } from '../../shared/kube.ts';
import { watchObjects } from '../../shared/profile-watcher.ts';
import { $Eci, type Eci } from '../provider/eci-client.ts';
import { classifyEciError, describeEciError } from '../provider/eci-errors.ts';
import { rfc3339 } from '../status.ts';
import { runWorkers, WorkQueue, type WorkResult } from '../workqueue.ts';
import { nextStep, sameStatus, statusFromCache } from './decide.ts';
import {
  eciImageCacheName,
  IMAGE_CACHE_ANNOTATIONS,
  IMAGE_CACHE_API,
  IMAGE_CACHE_FINALIZER,
  IMAGE_CACHE_OWNER_ANNOTATION,
  type ImageCacheObject,
  type ImageCacheSpec,
  type ImageCacheStatus,
} from './resource.ts';

const MERGE = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

export type RegistryCredential = { server: string; userName: string; password: string };

export interface ImageCacheControllerOptions {
  kc: KubeConfig;
  clusterId: string;
  eci: Pick<Eci, 'createImageCache' | 'describeImageCache' | 'deleteImageCache'>;
  /** Where caches are built when the object's annotations do not say (the reconciler's placement). */
  placement: () => { vSwitchIds: string[]; securityGroupId: string };
  /** Registry credentials of `namespace:secretName` references. */
  credentials?: (refs: string[]) => Promise<RegistryCredential[]>;
  log: Logger;
  /** How often a cache that is not Ready or Failed yet is described again. */
  pollIntervalMs?: number;
  workers?: number;
}

const { group, version, plural } = IMAGE_CACHE_API;

/** How often a cluster without the CRD is asked again. */
const CRD_RECHECK_MS = 60_000;

export class ImageCacheController {
  private readonly o: ImageCacheControllerOptions;
  private readonly api: CustomObjectsApi;
  private readonly objects = new Map<string, ImageCacheObject>();
  private queue: WorkQueue<string> | undefined;
  private informer: { stop(): Promise<void> } | undefined;
  private workers: Promise<void> | undefined;

  constructor(options: ImageCacheControllerOptions) {
    this.o = options;
    this.api = options.kc.makeApiClient(CustomObjectsApi);
  }

  /** Runs while this replica leads; stops (leaving ECI as it is) when it no longer does. */
  async lead(isLeader: boolean): Promise<void> {
    if (isLeader && !this.queue) this.start();
    else if (!isLeader && this.queue) await this.stop();
  }

  private start(): void {
    const queue = new WorkQueue<string>();
    this.queue = queue;
    void this.watchOnceInstalled(queue);
    const onError = (name: string, err: unknown) =>
      this.o.log.warn({ err, imageCache: name }, 'ImageCache reconcile failed; retrying with backoff');
    this.workers = runWorkers(queue, this.o.workers ?? 2, (name) => this.handle(name), onError);
  }

  /** The informer, once the API server serves ImageCaches (a cluster without the CRD: one log line). */
  private async watchOnceInstalled(queue: WorkQueue<string>): Promise<void> {
    for (let told = false; this.queue === queue;) {
      try {
        await this.api.listClusterCustomObject({ group, version, plural, limit: 1 });
        break;
      } catch (err) {
        // Anything but "no such resource" is the informer's to retry and report.
        if (kubeStatusCode(err) !== 404) break;
        if (!told)
          this.o.log.info(
            `${plural}.${group} is not installed (deploy/crds); ImageCaches are ignored until it is`,
          );
        told = true;
        await new Promise((r) => setTimeout(r, CRD_RECHECK_MS).unref());
      }
    }
    if (this.queue !== queue) return;
    const key = (o: ImageCacheObject) => o.metadata?.name ?? '';
    const upsert = (o: ImageCacheObject) => {
      this.objects.set(key(o), o);
      queue.add(key(o));
    };
    this.informer = watchObjects<ImageCacheObject>({
      kubeConfig: this.o.kc,
      logger: this.o.log,
      path: `/apis/${group}/${version}/${plural}`,
      list: () =>
        this.api.listClusterCustomObject({ group, version, plural }) as Promise<
          KubernetesListObject<ImageCacheObject>
        >,
      what: 'ImageCaches',
      onAdd: upsert,
      onUpdate: upsert,
      onDelete: (o) => this.objects.delete(key(o)),
    });
  }

  async stop(): Promise<void> {
    const { informer, queue, workers } = this;
    this.informer = undefined;
    this.queue = undefined;
    this.workers = undefined;
    await informer?.stop();
    queue?.shutdown();
    await workers;
  }

  /** One pass for one object. */
  async handle(name: string): Promise<WorkResult> {
    const obj = this.objects.get(name);
    if (!obj) return;
    const step = nextStep(obj, this.o.clusterId);
    switch (step.kind) {
      case 'none':
        return;
      case 'add-finalizer':
        await this.patchMeta(obj, [...(obj.metadata?.finalizers ?? []), IMAGE_CACHE_FINALIZER], {
          [IMAGE_CACHE_OWNER_ANNOTATION]: this.o.clusterId,
        });
        return;
      case 'remove-finalizer':
        await this.patchMeta(
          obj,
          (obj.metadata?.finalizers ?? []).filter((f) => f !== IMAGE_CACHE_FINALIZER),
        );
        return;
      case 'delete-cache':
        await this.deleteCache(step.id);
        await this.patchMeta(
          obj,
          (obj.metadata?.finalizers ?? []).filter((f) => f !== IMAGE_CACHE_FINALIZER),
        );
        return;
      case 'invalid':
        await this.writeStatus(obj, { phase: 'Failed', reason: 'InvalidSpec', message: step.message });
        return;
      case 'create':
        return this.create(obj, step.spec);
      case 'describe':
        return this.describe(obj, step.id);
    }
  }

  private get pollMs(): number {
    return this.o.pollIntervalMs ?? 10_000;
  }

  private async create(obj: ImageCacheObject, spec: ImageCacheSpec): Promise<WorkResult> {
    const annotations = obj.metadata?.annotations ?? {};
    const placement = this.o.placement();
    const vSwitchIds = annotations[IMAGE_CACHE_ANNOTATIONS.vSwitchIds] || placement.vSwitchIds.join(',');
    const securityGroupId = annotations[IMAGE_CACHE_ANNOTATIONS.securityGroupId] || placement.securityGroupId;
    const credentials = spec.imagePullSecrets?.length
      ? await (this.o.credentials?.(spec.imagePullSecrets) ?? [])
      : [];
    let id: string;
    try {
      id = await this.o.eci.createImageCache(
        new $Eci.CreateImageCacheRequest({
          clientToken: obj.metadata?.uid,
          imageCacheName: eciImageCacheName(obj.metadata?.name ?? ''),
          image: spec.images,
          imageCacheSize: spec.imageCacheSize,
          retentionDays: spec.retentionDays,
          // CreateImageCache takes one vSwitch; the first of the list, as for pods.
          vSwitchId: vSwitchIds.split(',')[0]?.trim(),
          securityGroupId,
          imageRegistryCredential: credentials.map(
            (c) => new $Eci.CreateImageCacheRequestImageRegistryCredential(c),
          ),
        }),
      );
    } catch (err) {
      const e = classifyEciError(err);
      if (e.retryable) throw err;
      // ECI refused the request itself: say why on the object; a spec change does not retry it.
      await this.writeStatus(obj, { phase: 'Failed', reason: e.code, message: describeEciError(e) });
      return;
    }
    await this.writeStatus(obj, { phase: 'Preparing', imageCacheId: id, startTime: rfc3339(new Date()) });
    return { requeueAfterMs: this.pollMs };
  }

  private async describe(obj: ImageCacheObject, id: string): Promise<WorkResult> {
    const cache = await this.o.eci.describeImageCache(id);
    const status: ImageCacheStatus = cache
      ? statusFromCache(cache)
      : {
          ...obj.status,
          phase: 'Failed',
          reason: 'NotFound',
          message: `ECI no longer knows image cache ${id}`,
        };
    if (!sameStatus(obj.status, status)) await this.writeStatus(obj, status);
    return status.phase === 'Ready' || status.phase === 'Failed'
      ? undefined
      : { requeueAfterMs: this.pollMs };
  }

  private async deleteCache(id: string): Promise<void> {
    try {
      await this.o.eci.deleteImageCache(id);
    } catch (err) {
      if (classifyEciError(err).category !== 'not-found') throw err;
    }
  }

  private async patchMeta(
    obj: ImageCacheObject,
    finalizers: string[],
    annotations?: Record<string, string>,
  ): Promise<void> {
    await this.api.patchClusterCustomObject(
      {
        group,
        version,
        plural,
        name: obj.metadata?.name ?? '',
        // The resourceVersion makes a patch on a stale copy fail (and retry) instead of dropping finalizers.
        body: { metadata: { finalizers, annotations, resourceVersion: obj.metadata?.resourceVersion } },
      },
      MERGE,
    );
  }

  private async writeStatus(obj: ImageCacheObject, status: ImageCacheStatus): Promise<void> {
    const body = { status: { ...status, lastUpdatedTime: rfc3339(new Date()) } };
    const updated = (await this.api.patchClusterCustomObjectStatus(
      { group, version, plural, name: obj.metadata?.name ?? '', body },
      MERGE,
    )) as ImageCacheObject;
    // The next pass reads what was written even before the watch delivers it.
    if (updated?.metadata?.name) this.objects.set(updated.metadata.name, updated);
  }
}
