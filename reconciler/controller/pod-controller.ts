// The pod controller, the Kubernetes side: informers on the pods bound to the virtual nodes
// this replica serves feed ONE work queue keyed by pod UID (a key is never on two workers at
// once); each pass asks nextAction what to do and does it against the provider and the
// API server. One result switch (reconciler/workqueue.ts runWorkers): a throw backs off, a
// requeue-after comes back later, anything else is done. Nodes come and go as this replica
// gains and loses their Leases (addNode/removeNode): a node's pods are acted on only between
// the adoption of its existing groups and the moment it is let go.
import { CoreV1Api, type KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { INSTANCE_ANNOTATIONS } from '../../shared/annotations.ts';
import { classifyEciError, describeEciError } from '../provider/eci-errors.ts';
import type { EciGroup } from '../provider/eci-client.ts';
import { listInPages } from '../../shared/paged-list.ts';
import { watchObjects } from '../../shared/profile-watcher.ts';
import { runWorkers, type WorkQueue, type WorkResult } from '../workqueue.ts';
import { backoffDelay } from '../../shared/backoff.ts';
import { ownedByPod, parseOwner } from '../ownership.ts';
import { stripManagedFields } from '../slim.ts';
import type { TrackedPod } from '../tracker.ts';
import { createPass, writeFailure, type CreateContext } from './create-pass.ts';
import { REASONS } from './event-reasons.ts';
import { GroupDeleter } from './group-delete.ts';
import { nextAction, recheckAfter } from './next-action.ts';
import { sweepOrphans } from './orphans.ts';
import { syncStatus } from './status-sync.ts';
import { syncGroupChanges } from '../update/group-changes.ts';
import type { ContentRefresher } from '../update/refresher.ts';

export interface PodControllerOptions extends CreateContext {
  /** Every virtual node of the cluster (the orphan sweep's scope). */
  nodeNames: string[];
  /**
   * The nodes whose pods are acted on, shared with the tracker (filled by addNode, emptied by
   * removeNode). Unset: every node of nodeNames, from the start (unit tests).
   */
  served?: Set<string>;
  queue: WorkQueue<string>;
  workers: number;
  /** Content refresh of running pods' volumes (reconciler/update/refresher.ts). */
  refresher?: ContentRefresher;
}

/** One served (or being served) node: its informer and its passes in flight. */
interface NodeWork {
  informer?: { stop(): Promise<void> };
  /** Resolves once the node's groups are adopted and its pods queued (or the node is let go). */
  ready: Promise<void>;
  removed: boolean;
  inFlight: number;
  idle?: () => void;
}

export class PodController {
  private readonly o: PodControllerOptions;
  private readonly nodes: ReadonlySet<string>;
  private readonly served: Set<string>;
  private readonly work = new Map<string, NodeWork>();
  /** A node being let go: adding it again waits for this. */
  private readonly removals = new Map<string, Promise<void>>();
  private kc: KubeConfig | undefined;
  private core: CoreV1Api | undefined;
  private workers: Promise<void> | undefined;
  private stopped = false;
  /** True once the workers run (each node's pods wait for their node's adoption apart). */
  synced = false;
  private readonly deleter: GroupDeleter;

  constructor(options: PodControllerOptions) {
    this.o = options;
    this.deleter = new GroupDeleter(options);
    this.nodes = new Set(options.nodeNames);
    this.served = options.served ?? new Set(options.nodeNames);
  }

  private get now(): number {
    return (this.o.now ?? Date.now)();
  }

  /** Starts the workers; nodes are served as addNode brings them. */
  start(kc: KubeConfig): void {
    this.kc = kc;
    this.core = kc.makeApiClient(CoreV1Api);
    this.workers = this.runWorkers();
    this.synced = true;
  }

  /** Every node being served has its groups adopted (readiness). */
  get adopted(): boolean {
    return this.synced && [...this.work.keys()].every((node) => this.served.has(node));
  }

  /** Whether the node's pods are acted on (its groups adopted, not let go). */
  serves(node: string): boolean {
    return this.served.has(node);
  }

  /**
   * Starts serving a node: its informer (resolves after the first list), then in the
   * background the adoption of its existing groups, and only then its pods' passes, so
   * nothing is created for a pod whose group a previous holder created.
   */
  async addNode(node: string): Promise<void> {
    await this.removals.get(node);
    if (this.stopped || this.work.has(node) || !this.kc || !this.core) return;
    const core = this.core;
    const w: NodeWork = { ready: Promise.resolve(), removed: false, inFlight: 0 };
    this.work.set(node, w);
    const fieldSelector = `spec.nodeName=${node}`;
    // In place, so the informer's cache holds the slim copy too (a third of a cached pod).
    const upsert = (pod: V1Pod) => this.o.tracker.setPod(stripManagedFields(pod));
    const informer = watchObjects<V1Pod>({
      kubeConfig: this.kc,
      logger: this.o.log,
      path: '/api/v1/pods',
      list: () => listInPages((page) => core.listPodForAllNamespaces({ fieldSelector, ...page })),
      fieldSelector,
      what: `pods on ${node}`,
      onAdd: upsert,
      onUpdate: upsert,
      onDelete: (pod) => pod.metadata?.uid && this.o.tracker.deletePod(pod.metadata.uid),
    });
    w.informer = informer;
    await informer.synced;
    // ECI may be unreachable (or the credentials wrong, until the Secret is fixed): keep trying.
    w.ready = this.adoptThenServe(node, w);
  }

  /** Resolves once the node's pods are being acted on (tests, start-up). */
  nodeReady(node: string): Promise<void> {
    return this.work.get(node)?.ready ?? Promise.resolve();
  }

  private async adoptThenServe(node: string, w: NodeWork): Promise<void> {
    for (let failures = 0; !this.stopped && !w.removed; failures++) {
      try {
        await this.adopt(node);
        break;
      } catch (err) {
        const e = classifyEciError(err);
        const delay = backoffDelay(failures, 1000, 30_000);
        this.o.log.error(
          { code: e.code, retryInMs: delay, node },
          `cannot list container groups: ${describeEciError(e)}`,
        );
        // No pod waits silently: each one that is waiting hears why.
        for (const pod of this.o.tracker.pods()) {
          if (pod.spec?.nodeName !== node) continue;
          if (pod.metadata?.deletionTimestamp || (pod.status?.phase ?? 'Pending') !== 'Pending') continue;
          const why = `ECI cannot be used yet (${describeEciError(e)}); retrying in ${Math.round(delay / 1000)} s`;
          this.o.kube.event(pod, 'Warning', REASONS.providerUnavailable, why, e.code);
        }
        await new Promise((r) => setTimeout(r, delay).unref());
      }
    }
    if (this.stopped || w.removed) return;
    this.served.add(node);
    for (const uid of this.o.tracker.uidsOn(node)) this.o.queue.add(uid);
  }

  /**
   * Stops serving a node: no new pass for its pods from now on, its informer stopped, the
   * passes in flight finished, then everything known of its pods forgotten.
   */
  removeNode(node: string): Promise<void> {
    const w = this.work.get(node);
    this.served.delete(node);
    if (!w) {
      const pending = this.removals.get(node);
      if (pending) return pending;
      for (const uid of [...this.o.tracker.uidsOn(node)]) this.forget(uid);
      return Promise.resolve();
    }
    w.removed = true;
    this.work.delete(node);
    const removal = (async () => {
      await w.informer?.stop();
      if (w.inFlight > 0) await new Promise<void>((resolve) => (w.idle = resolve));
      for (const uid of [...this.o.tracker.uidsOn(node)]) this.forget(uid);
      this.o.log.info({ node }, 'no longer serving the node');
    })();
    const done = removal.finally(() => {
      if (this.removals.get(node) === done) this.removals.delete(node);
    });
    this.removals.set(node, done);
    return done;
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
    await Promise.all([...this.work.keys()].map((node) => this.removeNode(node)));
    this.o.queue.shutdown();
    await this.workers;
  }

  /** Before creating anything: learn which groups already exist for the node's pods (or every served node's). */
  async adopt(node?: string): Promise<void> {
    const wanted = (name: string) => (node === undefined ? this.served.has(name) : name === node);
    // One node: only its groups, by its tag (a takeover does not list the whole cluster).
    const groups = await this.o.provider.listOwned(node);
    let adopted = 0;
    for (const g of groups) {
      const owner = parseOwner(g.tags);
      if (!owner || !g.containerGroupId || owner.clusterId !== this.o.clusterId || !wanted(owner.nodeName))
        continue;
      if (this.o.tracker.get(owner.podUid)?.record?.id === g.containerGroupId) continue;
      // Several groups for one pod can only come from outside; keep the newest, the sweep ignores known UIDs.
      this.o.tracker.bindGroup(owner.podUid, g.containerGroupId, g, { node: owner.nodeName });
      adopted++;
    }
    this.o.log.info({ adopted, listed: groups.length, node }, 'adopted existing container groups');
  }

  /** The one forget: the tracker entry and the Event aggregation of the pod. */
  private forget(uid: string): void {
    this.o.tracker.forget(uid);
    this.o.kube.forgetEvents(uid);
    this.deleter.forget(uid);
  }

  /** One pass for one pod, if its node is served here (a let-go node's pods are dropped from the queue). */
  async handle(uid: string): Promise<WorkResult> {
    const node = this.o.tracker.get(uid)?.node;
    if (node === undefined || !this.served.has(node)) return;
    const w = this.work.get(node);
    if (w) w.inFlight++;
    try {
      return await this.pass(uid);
    } finally {
      if (w && --w.inFlight === 0) w.idle?.();
    }
  }

  private async pass(uid: string): Promise<WorkResult> {
    const entry = this.o.tracker.get(uid);
    const pod = entry?.pod;
    const record = entry?.record;
    const now = this.now;
    const action = nextAction(pod, record, now, entry ?? {}, this.deleter.forceState(uid));
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
        await syncGroupChanges(this.o, entry!);
        await syncStatus(this.o, entry!);
        return later();
      case 'delete-group':
        await this.deleter.delete(entry!, action.force);
        if (action.then === 'forget') {
          this.forget(uid);
          return;
        }
        return { requeueAfterMs: 0 };
      case 'sync-terminating':
        await syncStatus(this.o, entry!);
        return later({ requeueAfterMs: action.afterMs });
      case 'wait':
        return later({ requeueAfterMs: action.afterMs });
      case 'finalize-pod':
        if (action.finalStatus) await syncStatus(this.o, entry!, 'final');
        await this.o.kube.finalize(pod!);
        return;
      case 'fail':
        if (action.deleteGroup && record) await this.deleter.delete(entry!);
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

  /**
   * Deletes groups whose pod no longer exists (re-checked against the API server). The
   * leader runs it for every node: the pods of nodes it does not serve are listed first.
   * With `node`, the groups are that node's alone and only it is swept (the poller lists node by node).
   */
  async sweepOrphans(groups: EciGroup[], node?: string): Promise<number> {
    if (!this.synced) return 0;
    const known = new Set<string>();
    for (const pod of this.o.tracker.pods()) if (pod.metadata?.uid) known.add(pod.metadata.uid);
    const scope = new Set<string>();
    for (const n of this.nodes) if (node === undefined || n === node) await this.addToScope(n, scope, known);
    return sweepOrphans(this.o, scope, known, groups, (uid) => this.forget(uid));
  }

  /** Puts a node in the sweep's scope if its pods are known (served here, or listed now). */
  private async addToScope(node: string, scope: Set<string>, known: Set<string>): Promise<void> {
    if (this.served.has(node)) scope.add(node);
    else if (this.core && (await this.listPodUids(node, known))) scope.add(node);
  }

  /** Adds the UIDs of a node's pods to `known`; false when they could not be listed. */
  private async listPodUids(node: string, known: Set<string>): Promise<boolean> {
    try {
      const core = this.core!;
      const fieldSelector = `spec.nodeName=${node}`;
      const list = await listInPages((page) => core.listPodForAllNamespaces({ fieldSelector, ...page }));
      for (const pod of list.items) if (pod.metadata?.uid) known.add(pod.metadata.uid);
      return true;
    } catch (err) {
      this.o.log.warn({ err, node }, 'could not list the pods of a node; its groups are not swept this time');
      return false;
    }
  }
}
