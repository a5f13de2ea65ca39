// The pod lifecycle shell: informers on the pods bound to this process's virtual nodes
// feed a work queue keyed by pod UID; each pass asks decide.ts what to do and does it
// against ECI and the API server. Status comes from the poller (sync.ts) through
// `applyGroups`; orphans are swept by `sweepOrphans`.
import {
  CoreV1Api,
  ListWatch,
  PatchStrategy,
  setHeaderOptions,
  Watch,
  type KubeConfig,
  type V1ConfigMap,
  type V1PersistentVolume,
  type V1PersistentVolumeClaim,
  type V1Pod,
  type V1Secret,
} from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { INSTANCE_ANNOTATIONS } from '../shared/annotations.ts';
import { classifyEciError, describeEciError, type ClassifiedEciError } from '../shared/errors.ts';
import { $Eci, type Eci, type EciGroup } from '../shared/eci-client.ts';
import { isConflict, isNotFound } from '../shared/kube.ts';
import { runInformer } from '../shared/profile-watcher.ts';
import { backoffDelay, runWorkers, WorkQueue, type TokenBucket } from '../shared/workqueue.ts';
import { stripManagedFields } from './slim.ts';
import { decide, failurePhase, PROVIDER_FAILED, recheckAfter, type GroupRecord } from './decide.ts';
import { EventRecorder, unseenEvents } from './events.ts';
import { confirmedOrphan, orphanCandidates } from './gc.ts';
import { containerGroupName, ownershipFilter, parseOwner, withOwnershipTags } from './ownership.ts';
import { podStatusFromGroup, rfc3339, statusDiff } from './status.ts';
import { podReferences, translatePod, type ProfileDefaults } from './translate.ts';

const SMP = setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch);
const MERGE = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

export const CONTAINER_INSTANCE_CREATED = 'ContainerInstanceCreated';
const GONE_GRACE_MS = 15_000;
const CONFIGMAP_TTL_MS = 10_000;

export interface PodReconcilerOptions {
  kc: KubeConfig;
  eci: Eci;
  clusterId: string;
  nodeNames: string[];
  regionId: string;
  /** Current placement: from the ECI Profile, else the flags. */
  placement: () => { vSwitchIds: string[]; securityGroupId: string; profile?: ProfileDefaults };
  workers: number;
  createWorkers: number;
  /** Paces CreateContainerGroup to the account's quota so creates are not throttled. */
  createBucket: TokenBucket;
  log: Logger;
  /** Tells the poller to fetch a new group on its next tick. */
  onCreated?: (id: string) => void;
  onMetric?: (
    name: 'created' | 'create_error' | 'status_write' | 'deleted' | 'orphan_deleted',
    label?: string,
  ) => void;
}

export class PodReconciler {
  readonly queue = new WorkQueue<string>();
  /** Pods waiting for CreateContainerGroup. */
  readonly createQueue = new WorkQueue<string>();
  /** Pods inside a create right now: the main queue leaves them alone until it is done. */
  private readonly creating = new Set<string>();
  private readonly configMapCache = new Map<string, { at: number; value: V1ConfigMap | undefined }>();
  /** Pods bound to our nodes, by UID, as the informers last saw them. */
  readonly pods = new Map<string, V1Pod>();
  /** What is known of each pod's container group, by pod UID. */
  readonly records = new Map<string, GroupRecord>();
  private readonly seenEvents = new Map<string, Set<string>>();
  private readonly noStockAttempts = new Map<string, number>();
  /** Pods holding a future CreateContainerGroup slot from the bucket (ms when it is due). */
  private readonly createSlots = new Map<string, number>();
  private readonly informers: ListWatch<V1Pod>[] = [];
  private readonly core: CoreV1Api;
  private readonly recorder: EventRecorder;
  private readonly o: PodReconcilerOptions;
  private readonly log: Logger;
  private readonly nodes: ReadonlySet<string>;
  private workers: Promise<void> | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  synced = false;

  constructor(options: PodReconcilerOptions) {
    this.o = options;
    this.log = options.log;
    this.core = options.kc.makeApiClient(CoreV1Api);
    this.recorder = new EventRecorder(options.kc, options.log);
    this.nodes = new Set(options.nodeNames);
  }

  /** Starts informers, waits for their first list, adopts existing groups, then starts workers. */
  async start(): Promise<void> {
    const synced: Promise<void>[] = [];
    for (const node of this.o.nodeNames) {
      const fieldSelector = `spec.nodeName=${node}`;
      const informer = new ListWatch<V1Pod>(
        '/api/v1/pods',
        new Watch(this.o.kc),
        () => this.core.listPodForAllNamespaces({ fieldSelector }),
        false,
        undefined,
        fieldSelector,
      );
      const upsert = (pod: V1Pod) => {
        const uid = pod.metadata?.uid;
        if (!uid) return;
        // In place, so the informer's cache holds the slim copy too (a third of a cached pod).
        stripManagedFields(pod);
        this.pods.set(uid, pod);
        this.queue.add(uid);
      };
      informer.on('add', upsert);
      informer.on('update', upsert);
      informer.on('delete', (pod) => {
        const uid = pod.metadata?.uid;
        if (!uid) return;
        this.pods.delete(uid);
        this.queue.add(uid);
      });
      this.informers.push(informer);
      synced.push(
        new Promise<void>((resolve) =>
          runInformer(informer, this.log, `pods on ${node}`, () => this.stopped, resolve),
        ),
      );
    }
    await Promise.all(synced);
    // Nothing is created before the existing groups are known; ECI may be unreachable (or the
    // credentials wrong, until the Secret is fixed): keep trying in the background.
    this.running = this.adoptThenWork();
  }

  private async adoptThenWork(): Promise<void> {
    let delay = 1000;
    for (;;) {
      if (this.stopped) return;
      try {
        await this.adopt();
        break;
      } catch (err) {
        const e = classifyEciError(err);
        this.log.error(
          { code: e.code, retryInMs: delay },
          `cannot list container groups: ${describeEciError(e)}`,
        );
        // No pod waits silently: each one that is waiting hears why.
        for (const pod of this.pods.values()) {
          if (pod.metadata?.deletionTimestamp || (pod.status?.phase ?? 'Pending') !== 'Pending') continue;
          this.recorder.post(
            pod,
            'Warning',
            'ProviderUnavailable',
            `ECI cannot be used yet (${describeEciError(e)}); retrying in ${Math.round(delay / 1000)} s`,
            pod.spec?.nodeName,
            e.code,
          );
        }
        await new Promise((r) => setTimeout(r, delay).unref());
        delay = Math.min(delay * 2, 30_000);
      }
    }
    if (this.stopped) return;
    this.synced = true;
    const onError = (uid: string, err: unknown) =>
      this.log.warn({ err, uid }, 'reconcile failed; retrying with backoff');
    // Creates wait on the ECI quota and take several API calls each: they get their own
    // workers so status updates and deletes never queue behind a burst of creates.
    this.workers = Promise.all([
      runWorkers(this.queue, this.o.workers, (uid) => this.reconcile(uid), onError),
      runWorkers(this.createQueue, this.o.createWorkers, (uid) => this.reconcileCreate(uid), onError),
    ]).then(() => {});
    for (const uid of this.pods.keys()) this.queue.add(uid);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.informers.map((i) => i.stop()));
    this.queue.shutdown();
    this.createQueue.shutdown();
    await this.running;
    await this.workers;
  }

  /** Before creating anything: learn which groups already exist for our pods (after a restart). */
  private async adopt(): Promise<void> {
    const groups = await this.o.eci.listContainerGroups(ownershipFilter(this.o.clusterId), 20);
    let adopted = 0;
    for (const g of groups) {
      const owner = parseOwner(g.tags);
      if (!owner || !g.containerGroupId || !this.nodes.has(owner.nodeName)) continue;
      const prior = this.records.get(owner.podUid);
      if (prior && prior.id === g.containerGroupId) continue;
      // Several groups for one pod can only come from outside; keep the newest, the sweep ignores known UIDs.
      this.records.set(owner.podUid, { id: g.containerGroupId, group: g });
      // Events ECI recorded before this restart were relayed by the previous run.
      this.seenEvents.set(owner.podUid, unseenEvents(g.events, new Set()).seen);
      adopted++;
    }
    this.log.info({ adopted, listed: groups.length }, 'adopted existing container groups');
  }

  /** Ids the poller should keep watching. */
  trackedIds(): Map<string, string> {
    const out = new Map<string, string>();
    for (const [uid, r] of this.records) if (!r.gone) out.set(r.id, uid);
    return out;
  }

  /** The container group of a pod, by namespace and name (for the kubelet API). */
  groupOf(namespace: string, name: string): string | undefined {
    for (const [uid, pod] of this.pods) {
      if (pod.metadata?.namespace === namespace && pod.metadata?.name === name)
        return this.records.get(uid)?.id;
    }
    return undefined;
  }

  /** Groups being deleted for a pod that waits on them: the poller fetches them every tick. */
  watchedIds(): string[] {
    const out: string[] = [];
    for (const [uid, r] of this.records) {
      if (r.deleteRequested && !r.gone && this.pods.get(uid)?.metadata?.deletionTimestamp) out.push(r.id);
    }
    return out;
  }

  /** From the poller: fresh descriptions of groups. */
  applyGroups(groups: EciGroup[]): void {
    const byId = this.trackedIds();
    for (const g of groups) {
      const id = g.containerGroupId;
      if (!id) continue;
      let uid = byId.get(id);
      if (!uid) {
        // A group of ours this process has not seen (created by a previous run after adoption listed).
        const owner = parseOwner(g.tags);
        if (!owner || owner.clusterId !== this.o.clusterId || !this.nodes.has(owner.nodeName)) continue;
        if (this.records.has(owner.podUid)) continue;
        uid = owner.podUid;
        this.records.set(uid, { id });
        this.seenEvents.set(uid, unseenEvents(g.events, new Set()).seen);
      }
      const record = this.records.get(uid)!;
      record.group = g;
      this.queue.add(uid);
    }
  }

  /** From the poller: groups ECI no longer has. */
  markGone(ids: string[]): void {
    const byId = this.trackedIds();
    const young = Date.now() - GONE_GRACE_MS;
    for (const id of ids) {
      const uid = byId.get(id);
      if (!uid) continue;
      const record = this.records.get(uid)!;
      // A list taken just after a create may not show the group yet.
      if ((record.since ?? 0) > young && !record.deleteRequested) continue;
      record.gone = true;
      this.queue.add(uid);
    }
  }

  /** One create attempt, from the create queue; re-checks that a create is still what the pod needs. */
  async reconcileCreate(uid: string): Promise<{ requeueAfterMs?: number; retry?: boolean } | void> {
    if (this.queue.isProcessing(uid)) return { requeueAfterMs: 20 };
    const pod = this.pods.get(uid);
    if (decide(pod, this.records.get(uid), Date.now()).kind !== 'create') return;
    this.creating.add(uid);
    try {
      return await this.create(pod!);
    } finally {
      this.creating.delete(uid);
      if (this.records.has(uid)) this.queue.add(uid);
    }
  }

  /** One pass for one pod. */
  async reconcile(uid: string): Promise<{ requeueAfterMs?: number; retry?: boolean } | void> {
    if (this.creating.has(uid)) return { requeueAfterMs: 50 };
    const pod = this.pods.get(uid);
    const record = this.records.get(uid);
    const now = Date.now();
    const action = decide(pod, record, now);
    const recheck = recheckAfter(pod, now);
    const later = (ms?: number) => {
      const candidates = [ms, recheck].filter((x): x is number => x !== undefined);
      return candidates.length ? { requeueAfterMs: Math.min(...candidates) } : undefined;
    };
    switch (action.kind) {
      case 'none':
        return later();
      case 'forget':
        this.createSlots.delete(uid);
        this.records.delete(uid);
        this.seenEvents.delete(uid);
        this.noStockAttempts.delete(uid);
        this.recorder.forget(uid);
        return;
      case 'create':
        // A pod backing off after a failed create keeps its delay.
        if (!this.createQueue.has(uid)) this.createQueue.add(uid);
        return later();
      case 'lookup':
        await this.lookup(uid, action.id);
        return;
      case 'sync-status':
        await this.syncStatus(pod!, record!);
        return later();
      case 'delete-group': {
        await this.deleteGroup(record!, pod);
        if (action.then === 'forget') {
          this.records.delete(uid);
          this.seenEvents.delete(uid);
          this.recorder.forget(uid);
          return;
        }
        if (action.then === 'finalize-pod') return { requeueAfterMs: 0 };
        return;
      }
      case 'wait':
        return { requeueAfterMs: action.afterMs };
      case 'finalize-pod':
        await this.finalizePod(pod!);
        return;
      case 'fail':
        if (action.deleteGroup && record) await this.deleteGroup(record, pod);
        await this.writeFailure(pod!, 'Failed', action.reason, action.message);
        return;
    }
  }

  private owner(pod: V1Pod) {
    return {
      clusterId: this.o.clusterId,
      nodeName: pod.spec?.nodeName ?? '',
      namespace: pod.metadata?.namespace ?? '',
      podName: pod.metadata?.name ?? '',
      podUid: pod.metadata?.uid ?? '',
    };
  }

  private async create(pod: V1Pod): Promise<{ retry?: boolean; requeueAfterMs?: number } | void> {
    const uid = pod.metadata!.uid!;
    // Wait for a create slot without holding a worker: reserve one and come back when it is due.
    const slot = this.createSlots.get(uid);
    if (slot === undefined) {
      const wait = this.o.createBucket.reserve();
      if (wait > 0) {
        this.createSlots.set(uid, Date.now() + wait);
        return { requeueAfterMs: wait };
      }
    } else {
      const left = slot - Date.now();
      if (left > 0) return { requeueAfterMs: left };
      this.createSlots.delete(uid);
    }
    const placement = this.o.placement();
    const input = await this.fetchReferences(pod);
    const result = translatePod({
      ...input,
      pod,
      profile: placement.profile,
      defaults: {
        regionId: this.o.regionId,
        vSwitchIds: placement.vSwitchIds,
        securityGroupId: placement.securityGroupId,
      },
    });
    for (const warning of result.warnings) {
      this.recorder.post(pod, 'Warning', 'TranslationWarning', warning, pod.spec?.nodeName);
    }
    if (!result.ok) {
      const message = result.errors.map((e) => `${e.field}: ${e.message}`).join('; ');
      if (result.errors.every((e) => e.missingReference)) {
        // A ConfigMap/Secret/PVC that does not exist yet: wait for it, as a kubelet waits to mount.
        this.recorder.post(
          pod,
          'Warning',
          'WaitingForReference',
          `waiting for referenced objects: ${message}`,
          pod.spec?.nodeName,
          'missing-reference',
        );
        return { retry: true };
      }
      this.o.onMetric?.('create_error', 'InvalidSpec');
      await this.providerFailed(pod, 'InvalidSpec', `the pod cannot run on ECI: ${message}`);
      return;
    }
    const request = result.request;
    request.clientToken = uid;
    // Models, not plain objects: the SDK maps model fields to wire names (Tag.N.Key).
    request.tag = withOwnershipTags(request.tag, this.owner(pod)).map(
      (t) => new $Eci.CreateContainerGroupRequestTag({ key: t.key, value: t.value }),
    );
    request.containerGroupName ??= containerGroupName(
      pod.metadata?.namespace ?? '',
      pod.metadata?.name ?? '',
    );
    // After NoStock, start from the next vSwitch (zone) in the list.
    const attempts = this.noStockAttempts.get(uid) ?? 0;
    const vsw = (request.vSwitchId ?? '').split(',').filter(Boolean);
    if (attempts > 0 && vsw.length > 1) {
      const k = attempts % vsw.length;
      request.vSwitchId = [...vsw.slice(k), ...vsw.slice(0, k)].join(',');
    }

    let created: { containerGroupId: string; requestId: string };
    try {
      created = await this.o.eci.createContainerGroup(request);
    } catch (err) {
      const e = classifyEciError(err);
      this.o.onMetric?.('create_error', e.code);
      if (e.category === 'conflict' && (await this.adoptByTag(uid))) return;
      if (e.retryable) {
        if (e.category === 'no-stock') this.noStockAttempts.set(uid, attempts + 1);
        const delay = backoffDelay(this.queue.retries(uid), 5, 300_000);
        const what =
          e.category === 'no-stock' ? 'no stock in the chosen zone; trying the next vSwitch' : 'retrying';
        this.recorder.post(
          pod,
          'Warning',
          e.category === 'throttled' ? 'Throttling' : 'ProviderCreateFailed',
          `CreateContainerGroup failed: ${describeEciError(e)}; ${what} in about ${Math.max(1, Math.round(delay / 1000))} s`,
          pod.spec?.nodeName,
          e.code,
        );
        this.log.info(
          { pod: `${pod.metadata?.namespace}/${pod.metadata?.name}`, code: e.code },
          'create failed; retrying',
        );
        return { retry: true };
      }
      await this.providerFailed(pod, e.code, `CreateContainerGroup failed: ${describeEciError(e)}`, e);
      return;
    }
    this.o.onMetric?.('created');
    this.noStockAttempts.delete(uid);
    this.records.set(uid, { id: created.containerGroupId, since: Date.now() });
    this.o.onCreated?.(created.containerGroupId);
    const spec =
      request.instanceType || (request.cpu !== undefined ? `${request.cpu}-${request.memory}Gi` : '');
    await this.writeInstanceAnnotations(pod, created.containerGroupId, created.requestId, spec || undefined);
    return;
  }

  /** The annotations that tie the pod to its group (the condition comes with the first status write). */
  private async writeInstanceAnnotations(
    pod: V1Pod,
    id: string,
    requestId: string | undefined,
    spec: string | undefined,
  ): Promise<void> {
    const uid = pod.metadata!.uid!;
    try {
      await this.core.patchNamespacedPod(
        {
          name: pod.metadata!.name!,
          namespace: pod.metadata!.namespace!,
          body: {
            metadata: {
              annotations: {
                [INSTANCE_ANNOTATIONS.instanceId]: id,
                [INSTANCE_ANNOTATIONS.clientToken]: uid,
                ...(requestId ? { [INSTANCE_ANNOTATIONS.requestId]: requestId } : {}),
                ...(spec ? { [INSTANCE_ANNOTATIONS.instanceSpec]: spec } : {}),
              },
            },
          },
        },
        MERGE,
      );
    } catch (err) {
      // The group exists and is tracked; the annotations are informational. Do not create again.
      if (!isNotFound(err)) this.log.warn({ err, uid }, 'could not write the instance annotations');
    }
  }

  /** The ConfigMaps, Secrets, PVCs/PVs and service-account tokens the pod refers to. */
  private async fetchReferences(pod: V1Pod) {
    const namespace = pod.metadata?.namespace ?? 'default';
    const spec = pod.spec;
    // One definition of what the translation reads (incl. the `<pod>-<volume>` claims of ephemeral volumes).
    const refs = podReferences(pod);

    const fetchAll = async <T>(names: Iterable<string>, read: (name: string) => Promise<T>) => {
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
    };
    const configMaps = await fetchAll<V1ConfigMap>(refs.configMaps, (name) =>
      this.readConfigMap(namespace, name),
    );
    const secrets = await fetchAll<V1Secret>(refs.secrets, (name) =>
      this.core.readNamespacedSecret({ name, namespace }),
    );
    const persistentVolumeClaims = await fetchAll<V1PersistentVolumeClaim>(
      refs.persistentVolumeClaims,
      (name) => this.core.readNamespacedPersistentVolumeClaim({ name, namespace }),
    );
    const pvNames = new Set(
      Object.values(persistentVolumeClaims)
        .map((c) => c.spec?.volumeName)
        .filter((n): n is string => !!n),
    );
    const persistentVolumes = await fetchAll<V1PersistentVolume>(pvNames, (name) =>
      this.core.readPersistentVolume({ name }),
    );
    const serviceAccountTokens: Record<string, string> = {};
    for (const audience of refs.serviceAccountTokenAudiences) {
      try {
        const res = await this.core.createNamespacedServiceAccountToken({
          name: spec?.serviceAccountName ?? 'default',
          namespace,
          body: {
            spec: {
              audiences: audience ? [audience] : [],
              expirationSeconds: 3607,
              boundObjectRef: {
                apiVersion: 'v1',
                kind: 'Pod',
                name: pod.metadata?.name,
                uid: pod.metadata?.uid,
              },
            },
          },
        });
        if (res.status?.token) serviceAccountTokens[audience] = res.status.token;
      } catch (err) {
        this.log.debug({ err }, 'TokenRequest failed; the translation reports the token as missing');
      }
    }
    return { configMaps, secrets, persistentVolumeClaims, persistentVolumes, serviceAccountTokens };
  }

  /** ConfigMaps (kube-root-ca.crt above all, which every pod mounts) cached briefly per namespace. */
  private async readConfigMap(namespace: string, name: string): Promise<V1ConfigMap> {
    const key = `${namespace}/${name}`;
    const hit = this.configMapCache.get(key);
    if (hit && Date.now() - hit.at < CONFIGMAP_TTL_MS && hit.value) return hit.value;
    const value = await this.core.readNamespacedConfigMap({ name, namespace });
    this.configMapCache.set(key, { at: Date.now(), value });
    return value;
  }

  /** After IdempotentParameterMismatch: a group for this pod may exist already; adopt it. */
  private async adoptByTag(uid: string): Promise<boolean> {
    const tags = [...ownershipFilter(this.o.clusterId), { key: 'eci-virtual-node/pod-uid', value: uid }];
    const groups = await this.o.eci.listContainerGroups(tags, 20);
    const g = groups.find((x) => x.containerGroupId && parseOwner(x.tags)?.podUid === uid);
    if (!g?.containerGroupId) return false;
    this.records.set(uid, { id: g.containerGroupId, group: g });
    return true;
  }

  private async lookup(uid: string, id: string): Promise<void> {
    const page = await this.o.eci.describeContainerGroups({ ids: [id], withEvent: true });
    const g = page.groups.find((x) => x.containerGroupId === id);
    this.records.set(uid, g ? { id, group: g } : { id, gone: true });
    if (g) this.seenEvents.set(uid, unseenEvents(g.events, new Set()).seen);
    this.queue.add(uid);
  }

  private async syncStatus(pod: V1Pod, record: GroupRecord): Promise<void> {
    const uid = pod.metadata!.uid!;
    const group = record.group!;
    if (pod.metadata?.annotations?.[INSTANCE_ANNOTATIONS.instanceId] !== record.id) {
      // Adopted after a restart that came between create and the annotation write.
      await this.writeInstanceAnnotations(pod, record.id, undefined, undefined);
    }
    const phase = pod.status?.phase;
    if (phase !== 'Succeeded' && phase !== 'Failed') {
      const now = new Date();
      const desired = podStatusFromGroup(pod, group, now);
      // Folded into the first status write rather than a patch of its own.
      const created = desired.conditions.find((c) => c.type === CONTAINER_INSTANCE_CREATED);
      if (created?.status !== 'True') {
        desired.conditions = [
          ...desired.conditions.filter((c) => c.type !== CONTAINER_INSTANCE_CREATED),
          {
            type: CONTAINER_INSTANCE_CREATED,
            status: 'True',
            reason: 'Created',
            message: `container group ${record.id}`,
            lastTransitionTime: rfc3339(now),
          },
        ];
      }
      const diff = statusDiff(pod.status, desired);
      if (Object.keys(diff).length > 0) {
        try {
          await this.core.patchNamespacedPodStatus(
            { name: pod.metadata!.name!, namespace: pod.metadata!.namespace!, body: { status: diff } },
            SMP,
          );
          this.o.onMetric?.('status_write');
        } catch (err) {
          if (!isNotFound(err)) throw err;
        }
      }
    }
    const { fresh, seen } = unseenEvents(group.events, this.seenEvents.get(uid) ?? new Set());
    this.seenEvents.set(uid, seen);
    for (const e of fresh) {
      this.recorder.post(
        pod,
        e.type === 'Warning' ? 'Warning' : 'Normal',
        e.reason || 'ECIEvent',
        e.message ?? '',
        pod.spec?.nodeName,
      );
    }
  }

  private async deleteGroup(record: GroupRecord, pod: V1Pod | undefined): Promise<void> {
    try {
      await this.o.eci.deleteContainerGroup(record.id);
      this.o.onMetric?.('deleted');
    } catch (err) {
      const e = classifyEciError(err);
      if (e.category !== 'not-found') {
        if (pod) {
          this.recorder.post(
            pod,
            'Warning',
            'ProviderDeleteFailed',
            `DeleteContainerGroup ${record.id} failed: ${describeEciError(e)}; retrying`,
            pod.spec?.nodeName,
            e.code,
          );
        }
        throw err;
      }
      record.gone = true;
    }
    record.deleteRequested = true;
  }

  /** Removes the pod from the API once its group is gone: grace 0, and only this UID. */
  private async finalizePod(pod: V1Pod): Promise<void> {
    try {
      await this.core.deleteNamespacedPod({
        name: pod.metadata!.name!,
        namespace: pod.metadata!.namespace!,
        gracePeriodSeconds: 0,
        body: { gracePeriodSeconds: 0, preconditions: { uid: pod.metadata!.uid! } },
      });
    } catch (err) {
      // NotFound: already gone. Conflict: a new pod with the same name; not ours to delete.
      if (!isNotFound(err) && !isConflict(err)) throw err;
    }
  }

  /** A terminal provider error: Pending (or Failed) with reason ProviderFailed, and an Event. */
  private async providerFailed(
    pod: V1Pod,
    code: string,
    message: string,
    _e?: ClassifiedEciError,
  ): Promise<void> {
    await this.writeFailure(pod, failurePhase(pod), PROVIDER_FAILED, message, code);
  }

  private async writeFailure(
    pod: V1Pod,
    phase: 'Pending' | 'Failed',
    reason: string,
    message: string,
    code = reason,
  ): Promise<void> {
    this.recorder.post(pod, 'Warning', reason, message, pod.spec?.nodeName);
    try {
      await this.core.patchNamespacedPodStatus(
        {
          name: pod.metadata!.name!,
          namespace: pod.metadata!.namespace!,
          body: {
            status: {
              phase,
              reason,
              message,
              conditions: [
                {
                  type: CONTAINER_INSTANCE_CREATED,
                  status: 'False',
                  reason: code,
                  message,
                  lastTransitionTime: rfc3339(new Date()),
                },
              ],
            },
          },
        },
        SMP,
      );
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  /** Deletes groups whose pod no longer exists, re-checking each UID against the API server. */
  async sweepOrphans(groups: EciGroup[]): Promise<number> {
    if (!this.synced) return 0;
    const known = new Set([...this.pods.keys()]);
    let deleted = 0;
    for (const c of orphanCandidates(groups, this.o.clusterId, this.nodes, known)) {
      let liveUid: string | undefined;
      try {
        const live = await this.core.readNamespacedPod({
          name: c.owner.podName,
          namespace: c.owner.namespace,
        });
        liveUid = live.metadata?.uid;
      } catch (err) {
        if (!isNotFound(err)) {
          this.log.warn({ err, group: c.id }, 'could not re-check the pod of a possible orphan; keeping it');
          continue;
        }
      }
      if (!confirmedOrphan(c, liveUid)) continue;
      try {
        await this.o.eci.deleteContainerGroup(c.id);
      } catch (err) {
        if (classifyEciError(err).category !== 'not-found') {
          this.log.warn({ err, group: c.id }, 'could not delete an orphaned container group');
          continue;
        }
      }
      this.records.delete(c.owner.podUid);
      deleted++;
      this.o.onMetric?.('orphan_deleted');
      this.log.info(
        { group: c.id, pod: `${c.owner.namespace}/${c.owner.podName}` },
        'deleted orphaned container group',
      );
    }
    return deleted;
  }
}
