// The pod controller, the Kubernetes side: informers on the pods bound to this process's
// virtual nodes feed ONE work queue keyed by pod UID (a key is never on two workers at
// once); each pass asks nextAction what to do and does it against the provider and the
// API server. One result switch (reconciler/workqueue.ts runWorkers): a throw backs off, a
// requeue-after comes back later, anything else is done.
import { CoreV1Api, type KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { INSTANCE_ANNOTATIONS } from '../../shared/annotations.ts';
import { classifyEciError, describeEciError } from '../provider/eci-errors.ts';
import type { EciGroup } from '../provider/eci-client.ts';
import { watchObjects } from '../../shared/profile-watcher.ts';
import { runWorkers, type WorkQueue, type WorkResult } from '../workqueue.ts';
import { backoffDelay } from '../../shared/backoff.ts';
import { ownedByPod, parseOwner } from '../ownership.ts';
import { stripManagedFields } from '../slim.ts';
import type { TrackedPod } from '../tracker.ts';
import { createPass, writeFailure, type CreateContext } from './create-pass.ts';
import { REASONS } from './event-reasons.ts';
import { nextAction, recheckAfter } from './next-action.ts';
import { sweepOrphans } from './orphans.ts';
import { syncStatus } from './status-sync.ts';
import { applyInPlaceUpdate } from '../update/apply.ts';

export interface PodControllerOptions extends CreateContext {
  nodeNames: string[];
  queue: WorkQueue<string>;
  workers: number;
}

export class PodController {
  private readonly o: PodControllerOptions;
  private readonly nodes: ReadonlySet<string>;
  private readonly informers: { stop(): Promise<void> }[] = [];
  private workers: Promise<void> | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  /** True once the existing groups are known and the workers run. */
  synced = false;

  constructor(options: PodControllerOptions) {
    this.o = options;
    this.nodes = new Set(options.nodeNames);
  }

  private get now(): number {
    return (this.o.now ?? Date.now)();
  }

  /** Starts informers, waits for their first list, then adopts existing groups and starts workers. */
  async start(kc: KubeConfig): Promise<void> {
    const core = kc.makeApiClient(CoreV1Api);
    const synced: Promise<void>[] = [];
    for (const node of this.o.nodeNames) {
      const fieldSelector = `spec.nodeName=${node}`;
      // In place, so the informer's cache holds the slim copy too (a third of a cached pod).
      const upsert = (pod: V1Pod) => this.o.tracker.setPod(stripManagedFields(pod));
      const informer = watchObjects<V1Pod>({
        kubeConfig: kc,
        logger: this.o.log,
        path: '/api/v1/pods',
        list: () => core.listPodForAllNamespaces({ fieldSelector }),
        fieldSelector,
        what: `pods on ${node}`,
        onAdd: upsert,
        onUpdate: upsert,
        onDelete: (pod) => pod.metadata?.uid && this.o.tracker.deletePod(pod.metadata.uid),
      });
      this.informers.push(informer);
      synced.push(informer.synced);
    }
    await Promise.all(synced);
    // Nothing is created before the existing groups are known; ECI may be unreachable (or the
    // credentials wrong, until the Secret is fixed): keep trying in the background.
    this.running = this.adoptThenWork();
  }

  private async adoptThenWork(): Promise<void> {
    for (let failures = 0; !this.stopped; failures++) {
      try {
        await this.adopt();
        break;
      } catch (err) {
        const e = classifyEciError(err);
        const delay = backoffDelay(failures, 1000, 30_000);
        this.o.log.error(
          { code: e.code, retryInMs: delay },
          `cannot list container groups: ${describeEciError(e)}`,
        );
        // No pod waits silently: each one that is waiting hears why.
        for (const pod of this.o.tracker.pods()) {
          if (pod.metadata?.deletionTimestamp || (pod.status?.phase ?? 'Pending') !== 'Pending') continue;
          const why = `ECI cannot be used yet (${describeEciError(e)}); retrying in ${Math.round(delay / 1000)} s`;
          this.o.kube.event(pod, 'Warning', REASONS.providerUnavailable, why, e.code);
        }
        await new Promise((r) => setTimeout(r, delay).unref());
      }
    }
    if (this.stopped) return;
    this.synced = true;
    this.workers = this.runWorkers();
    for (const uid of this.o.tracker.uids()) this.o.queue.add(uid);
  }

  /** The workers alone (unit tests drive the controller without informers). */
  runWorkers(): Promise<void> {
    const onError = (uid: string, err: unknown, terminal: boolean) =>
      this.o.log.warn(
        { err, uid },
        terminal ? 'reconcile failed for good' : 'reconcile failed; retrying with backoff',
      );
    return runWorkers(this.o.queue, this.o.workers, (uid) => this.handle(uid), onError);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.informers.map((i) => i.stop()));
    this.o.queue.shutdown();
    await this.running;
    await this.workers;
  }

  /** Before creating anything: learn which groups already exist for our pods (after a restart). */
  async adopt(): Promise<void> {
    const groups = await this.o.provider.listOwned();
    let adopted = 0;
    for (const g of groups) {
      const owner = parseOwner(g.tags);
      if (
        !owner ||
        !g.containerGroupId ||
        owner.clusterId !== this.o.clusterId ||
        !this.nodes.has(owner.nodeName)
      )
        continue;
      if (this.o.tracker.get(owner.podUid)?.record?.id === g.containerGroupId) continue;
      // Several groups for one pod can only come from outside; keep the newest, the sweep ignores known UIDs.
      this.o.tracker.bindGroup(owner.podUid, g.containerGroupId, g);
      adopted++;
    }
    this.o.log.info({ adopted, listed: groups.length }, 'adopted existing container groups');
  }

  /** The one forget: the tracker entry and the Event aggregation of the pod. */
  private forget(uid: string): void {
    this.o.tracker.forget(uid);
    this.o.kube.forgetEvents(uid);
  }

  /** One pass for one pod. */
  async handle(uid: string): Promise<WorkResult> {
    const entry = this.o.tracker.get(uid);
    const pod = entry?.pod;
    const record = entry?.record;
    const now = this.now;
    const action = nextAction(pod, record, now, entry ?? {});
    const recheck = recheckAfter(pod, now);
    const later = (result?: WorkResult): WorkResult => {
      const ms = [result?.requeueAfterMs, recheck].filter((x): x is number => x !== undefined);
      return ms.length ? { requeueAfterMs: Math.min(...ms) } : undefined;
    };
    switch (action.kind) {
      case 'none':
        return later();
      case 'forget':
        this.forget(uid);
        return;
      case 'create':
        return later(await createPass(this.o, entry!));
      case 'lookup':
        await this.lookup(entry!, action.id);
        return { requeueAfterMs: 0 };
      case 'sync-status':
        await applyInPlaceUpdate(this.o, entry!);
        await syncStatus(this.o, entry!);
        return later();
      case 'delete-group':
        await this.deleteGroup(entry!);
        if (action.then === 'forget') {
          this.forget(uid);
          return;
        }
        return { requeueAfterMs: 0 };
      case 'wait':
        return later({ requeueAfterMs: action.afterMs });
      case 'finalize-pod':
        await this.o.kube.finalize(pod!);
        return;
      case 'fail':
        if (action.deleteGroup && record) await this.deleteGroup(entry!);
        await writeFailure(this.o, pod!, 'Failed', action.message, action.reason, action.reason);
        return;
    }
  }

  /**
   * A pod annotated with a group id this process does not track: adopt the group only if
   * its ownership tags name this cluster and this pod's UID. Group ids are visible on every
   * ECI pod, so anything else would let one pod read, mirror and delete another's group.
   */
  private async lookup(entry: TrackedPod, id: string): Promise<void> {
    const g = await this.o.provider.describe(id);
    if (g && !ownedByPod(g.tags, this.o.clusterId, entry.uid)) {
      entry.refusedInstanceId = id;
      this.o.kube.event(
        entry.pod!,
        'Warning',
        REASONS.instanceIdIgnored,
        `annotation ${INSTANCE_ANNOTATIONS.instanceId} names container group ${id}, which this pod does not own; ignored, the pod gets its own group`,
      );
      return;
    }
    const bound = this.o.tracker.bindGroup(entry.uid, id, g);
    if (!g) bound.record!.gone = true;
  }

  private async deleteGroup(entry: TrackedPod): Promise<void> {
    const record = entry.record!;
    try {
      if ((await this.o.provider.delete(record.id)) === 'gone') record.gone = true;
      else this.o.onMetric?.('deleted');
    } catch (err) {
      const e = classifyEciError(err);
      if (entry.pod) {
        const message = `DeleteContainerGroup ${record.id} failed: ${describeEciError(e)}; retrying`;
        this.o.kube.event(entry.pod, 'Warning', REASONS.providerDeleteFailed, message, e.code);
      }
      throw err;
    }
    record.deleteRequested = true;
  }

  /** Deletes groups whose pod no longer exists (re-checked against the API server). */
  sweepOrphans(groups: EciGroup[]): Promise<number> {
    if (!this.synced) return Promise.resolve(0);
    return sweepOrphans(this.o, this.nodes, groups, (uid) => this.forget(uid));
  }
}
