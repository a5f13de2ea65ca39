// The pod tracker: one entry per pod UID holding everything this process knows of the pod
// and its container group, with a group-id index (the poller's view) and a namespace/name
// index (the kubelet API's view). The informers and the status poller write into it; each
// change that needs a reconcile pass wakes the pod's key through `wake`.
import type { V1Pod } from '@kubernetes/client-node';
import type { EciGroup } from './provider/eci-client.ts';
import { unseenEvents } from './events.ts';
import { parseOwner } from './ownership.ts';
import { SharedStrings, sameSlim, slimGroup, trimPod, type SlimGroup } from './slim.ts';

/** A list taken just after a create may not show the group yet: so young a group is not "gone". */
const GONE_GRACE_MS = 15_000;

/** What the provider remembers between create attempts of one pod. */
export interface CreateAttempts {
  /** When a reserved CreateContainerGroup slot is due (ms), if one is held. */
  slotDueAt?: number;
  /** NoStock answers so far: each one moves the vSwitch (zone) list on by one. */
  noStock: number;
  /** Failed creates so far (any cause): the exponent of the retry backoff. */
  failures: number;
  /** Passes that found a referenced ConfigMap/Secret/PVC missing: the exponent of the re-check delay. */
  referenceWaits: number;
}

/** What is known of one pod's container group (the input of nextAction). */
export interface GroupRecord {
  id: string;
  /** The latest description from ECI (the fields read here: slim.ts), if one has been fetched since creation. */
  group?: SlimGroup;
  /** DeleteContainerGroup has been accepted. */
  deleteRequested?: boolean;
  /** ECI no longer knows the group (deleted, purged). */
  gone?: boolean;
  /** When this process learnt of the group (ms); very young groups are not declared gone. */
  since?: number;
}

export interface TrackedPod {
  uid: string;
  /** The virtual node of the pod (spec.nodeName) or of its group (ownership tags). */
  node?: string;
  /** The pod as the informers last saw it; undefined once deleted from the API. */
  pod?: V1Pod;
  record?: GroupRecord;
  /** ECI events already relayed as Kubernetes Events. */
  seenEvents: Set<string>;
  create: CreateAttempts;
  /** No create before this time (ms): the backoff after a failed create. */
  retryCreateAt?: number;
  /** An `eci-instance-id` annotation that names a group this pod does not own: never adopted. */
  refusedInstanceId?: string;
}

export interface PodTrackerOptions {
  clusterId: string;
  /** The nodes served here (a live set: it changes as node Leases come and go). */
  nodes: ReadonlySet<string>;
  /** Asks for a reconcile pass of one pod. */
  wake: (uid: string) => void;
  now?: () => number;
}

const nameKey = (namespace: string | undefined, name: string | undefined) =>
  `${namespace ?? ''}/${name ?? ''}`;

export class PodTracker {
  private readonly entries = new Map<string, TrackedPod>();
  private readonly byGroupId = new Map<string, string>();
  private readonly byName = new Map<string, string>();
  /** Group ids to fetch on the next poll whatever ECI reports as changed (just created). */
  private readonly dirty = new Set<string>();
  private readonly o: PodTrackerOptions;
  private readonly now: () => number;
  /** One copy of the strings repeated across pods and groups (slim.ts). */
  private readonly strings = new SharedStrings();

  constructor(options: PodTrackerOptions) {
    this.o = options;
    this.now = options.now ?? Date.now;
  }

  get(uid: string): TrackedPod | undefined {
    return this.entries.get(uid);
  }

  private entry(uid: string): TrackedPod {
    let e = this.entries.get(uid);
    if (!e) {
      e = { uid, seenEvents: new Set(), create: { noStock: 0, failures: 0, referenceWaits: 0 } };
      this.entries.set(uid, e);
    }
    return e;
  }

  uids(): IterableIterator<string> {
    return this.entries.keys();
  }

  /** The pods (and orphaned groups) tracked for one node. */
  *uidsOn(node: string): Generator<string> {
    for (const e of this.entries.values()) if (e.node === node) yield e.uid;
  }

  /** Pods the informers currently hold. */
  *pods(): Generator<V1Pod> {
    for (const e of this.entries.values()) if (e.pod) yield e.pod;
  }

  /** From the informers: the pod as the API server has it now (trimmed: slim.ts trimPod). */
  setPod(pod: V1Pod): void {
    const uid = pod.metadata?.uid;
    if (!uid) return;
    const e = this.entry(uid);
    if (e.pod) this.byName.delete(nameKey(e.pod.metadata?.namespace, e.pod.metadata?.name));
    // In place: the informer's cache holds this same object, so it is trimmed there too.
    e.pod = this.strings.shareAll(trimPod(pod));
    e.node = pod.spec?.nodeName ?? e.node;
    this.byName.set(nameKey(pod.metadata?.namespace, pod.metadata?.name), uid);
    this.o.wake(uid);
  }

  /** From the informers: the pod left the API server (its group, if any, is still tracked). */
  deletePod(uid: string): void {
    const e = this.entries.get(uid);
    if (!e) return;
    if (e.pod) {
      const key = nameKey(e.pod.metadata?.namespace, e.pod.metadata?.name);
      if (this.byName.get(key) === uid) this.byName.delete(key);
    }
    e.pod = undefined;
    this.o.wake(uid);
  }

  /** Ties a pod to a group (created, adopted, looked up). */
  bindGroup(
    uid: string,
    id: string,
    group?: Parameters<typeof slimGroup>[0],
    options: { fresh?: boolean; node?: string } = {},
  ): TrackedPod {
    const e = this.entry(uid);
    e.node ??= options.node;
    if (e.record && e.record.id !== id) this.byGroupId.delete(e.record.id);
    e.record = { id, group: group && this.slim(group), since: this.now() };
    this.byGroupId.set(id, uid);
    if (options.fresh) this.dirty.add(id);
    // Events ECI recorded before this process learnt of the group were relayed by whoever created it.
    if (group && !options.fresh) e.seenEvents = unseenEvents(group.events, new Set()).seen;
    return e;
  }

  /** The one way a pod leaves the tracker: every fact about it goes at once. */
  forget(uid: string): void {
    const e = this.entries.get(uid);
    if (!e) return;
    if (e.record && this.byGroupId.get(e.record.id) === uid) this.byGroupId.delete(e.record.id);
    if (e.record) this.dirty.delete(e.record.id);
    if (e.pod) {
      const key = nameKey(e.pod.metadata?.namespace, e.pod.metadata?.name);
      if (this.byName.get(key) === uid) this.byName.delete(key);
    }
    this.entries.delete(uid);
  }

  /** The container group of a pod, by namespace and name (for the kubelet API). */
  groupOf(namespace: string, name: string): string | undefined {
    const uid = this.byName.get(nameKey(namespace, name));
    return uid === undefined ? undefined : this.entries.get(uid)?.record?.id;
  }

  uidOfGroup(id: string): string | undefined {
    return this.byGroupId.get(id);
  }

  /** Group id → pod UID of every group still in ECI as far as we know. */
  trackedIds(): Map<string, string> {
    const out = new Map<string, string>();
    for (const [id, uid] of this.byGroupId) if (!this.entries.get(uid)?.record?.gone) out.set(id, uid);
    return out;
  }

  get trackedCount(): number {
    return this.byGroupId.size;
  }

  /** Groups being deleted for a pod that waits on them: the poller fetches them every tick. */
  watchedIds(): string[] {
    const out: string[] = [];
    for (const e of this.entries.values()) {
      const r = e.record;
      if (r?.deleteRequested && !r.gone && e.pod?.metadata?.deletionTimestamp) out.push(r.id);
    }
    return out;
  }

  /** Groups just created: fetched on the next poll; cleared only once a poll got through. */
  dirtyIds(): string[] {
    return [...this.dirty];
  }

  clearDirty(ids: Iterable<string>): void {
    for (const id of ids) this.dirty.delete(id);
  }

  /** From the poller: fresh descriptions of groups (ours by id, or by ownership tags). */
  applyGroups(groups: EciGroup[]): void {
    for (const g of groups) {
      const id = g.containerGroupId;
      if (!id) continue;
      let uid = this.byGroupId.get(id);
      const adopted = uid === undefined;
      if (uid === undefined) {
        // A group of ours this process has not seen (created by a previous run after adoption listed).
        const owner = parseOwner(g.tags);
        if (!owner || owner.clusterId !== this.o.clusterId || !this.o.nodes.has(owner.nodeName)) continue;
        if (this.entries.get(owner.podUid)?.record) continue;
        uid = owner.podUid;
        this.bindGroup(uid, id, g, { node: owner.nodeName });
      }
      const record = this.entries.get(uid)?.record;
      if (!record) continue;
      const slim = this.slim(g);
      // The one-minute listing describes every group: only a changed one needs a pass (waking
      // every pod each minute queued thousands of no-op passes ahead of real status changes).
      if (!adopted && record.group && sameSlim(record.group, slim)) continue;
      record.group = slim;
      this.o.wake(uid);
    }
  }

  private slim(group: Parameters<typeof slimGroup>[0]): SlimGroup {
    return this.strings.shareAll(slimGroup(group));
  }

  /** From the poller: groups ECI no longer has. */
  markGone(ids: string[]): void {
    const young = this.now() - GONE_GRACE_MS;
    for (const id of ids) {
      const uid = this.byGroupId.get(id);
      const record = uid === undefined ? undefined : this.entries.get(uid)?.record;
      if (!record || record.gone) continue;
      if ((record.since ?? 0) > young && !record.deleteRequested) continue;
      record.gone = true;
      this.o.wake(uid!);
    }
  }
}
