// Pure: the invariants of the reliability suite, counted from the outside (what the API
// server and the emulator hold), never from the reconciler's own view of itself.
// docs/reliability.md explains each count.

export interface PodView {
  uid: string;
  namespace: string;
  name: string;
  /** status.phase as the API server stores it. */
  phase: string;
  /** metadata.deletionTimestamp is set. */
  deleting: boolean;
  labels: Readonly<Record<string, string>>;
  /** The `k8s.aliyun.com/eci-instance-id` annotation the reconciler wrote, if any. */
  instanceId?: string;
  /** The webhook sent it to the virtual node (its nodeSelector type=virtual-kubelet). */
  mutated: boolean;
}

export interface GroupView {
  id: string;
  /** ECI status: Scheduling, Pending, Running, Succeeded, Failed, Terminating, ... */
  status: string;
  /** The pod UID tag; undefined for a group that carries none (not ours). */
  podUid?: string;
}

export interface JobView {
  namespace: string;
  name: string;
  succeeded: number;
}

/** What the workload driver asked for, and what it deleted on the way. */
export interface WorkloadExpectation {
  /** Bare pods that must end Running. */
  pods: { namespace: string; name: string }[];
  /** Deployments whose pods carry `app=<name>`; `replicas` of them must end Running. */
  deployments: { namespace: string; name: string; replicas: number }[];
  /** Jobs that must reach `completions` succeeded pods. */
  jobs: { namespace: string; name: string; completions: number }[];
  /** UIDs of pods the driver deleted: each must be gone, and its group too. */
  deletedPodUids: string[];
}

export interface ClusterView {
  pods: PodView[];
  jobs: JobView[];
  groups: GroupView[];
}

export interface InvariantCounts {
  /** Pod UIDs with more than one live group (each extra group counts once). */
  duplicates: number;
  /** Live groups whose pod no longer exists (deleted pods' groups included). */
  orphans: number;
  /** Wanted pods not running (or jobs not done), and deleted pods still present. */
  lost: number;
  /** Pods whose phase disagrees with their group's settled state. */
  statusMismatches: number;
  /** One line per problem, for the report (capped by the caller). */
  details: string[];
}

/** Groups in these states are on their way out or never ran: not a second copy of a pod. */
const NOT_LIVE = new Set(['Terminating', 'ScheduleFailed', 'Expired']);

/** The pod phase a settled group state must show; transient states are not compared. */
const PHASE_OF_GROUP: Readonly<Record<string, string>> = {
  Running: 'Running',
  Succeeded: 'Succeeded',
  Failed: 'Failed',
};

const key = (namespace: string, name: string) => `${namespace}/${name}`;

export function countDuplicates(groups: readonly GroupView[], details: string[] = []): number {
  const perUid = new Map<string, string[]>();
  for (const g of groups) {
    if (!g.podUid || NOT_LIVE.has(g.status)) continue;
    perUid.set(g.podUid, [...(perUid.get(g.podUid) ?? []), g.id]);
  }
  let extra = 0;
  for (const [uid, ids] of perUid) {
    if (ids.length < 2) continue;
    extra += ids.length - 1;
    details.push(`duplicate: pod ${uid} has groups ${ids.join(', ')}`);
  }
  return extra;
}

export function countOrphans(
  pods: readonly PodView[],
  groups: readonly GroupView[],
  details: string[] = [],
): number {
  const live = new Set(pods.map((p) => p.uid));
  let orphans = 0;
  for (const g of groups) {
    if (!g.podUid || NOT_LIVE.has(g.status) || live.has(g.podUid)) continue;
    orphans++;
    details.push(`orphan: group ${g.id} (${g.status}) of gone pod ${g.podUid}`);
  }
  return orphans;
}

export function countLost(view: ClusterView, want: WorkloadExpectation, details: string[] = []): number {
  let lost = 0;
  const byName = new Map(view.pods.map((p) => [key(p.namespace, p.name), p]));
  for (const w of want.pods) {
    const p = byName.get(key(w.namespace, w.name));
    if (p?.phase === 'Running' && !p.deleting) continue;
    lost++;
    const why = p && !p.mutated ? ' (admitted without the webhook)' : '';
    details.push(`lost: pod ${key(w.namespace, w.name)} is ${p ? p.phase : 'missing'}${why}`);
  }
  for (const d of want.deployments) {
    const running = view.pods.filter(
      (p) => p.namespace === d.namespace && p.labels.app === d.name && p.phase === 'Running' && !p.deleting,
    ).length;
    if (running >= d.replicas) continue;
    lost += d.replicas - running;
    details.push(`lost: deployment ${key(d.namespace, d.name)} runs ${running}/${d.replicas}`);
  }
  const jobs = new Map(view.jobs.map((j) => [key(j.namespace, j.name), j]));
  for (const j of want.jobs) {
    const done = jobs.get(key(j.namespace, j.name))?.succeeded ?? 0;
    if (done >= j.completions) continue;
    lost += j.completions - done;
    details.push(`lost: job ${key(j.namespace, j.name)} succeeded ${done}/${j.completions}`);
  }
  const present = new Set(view.pods.map((p) => p.uid));
  for (const uid of want.deletedPodUids) {
    if (!present.has(uid)) continue;
    lost++;
    details.push(`lost: deleted pod ${uid} is still there`);
  }
  return lost;
}

export function countStatusMismatches(
  pods: readonly PodView[],
  groups: readonly GroupView[],
  details: string[] = [],
): number {
  const byId = new Map(groups.map((g) => [g.id, g]));
  let mismatches = 0;
  for (const p of pods) {
    if (p.deleting || !p.instanceId) continue;
    const g = byId.get(p.instanceId);
    const wanted = g ? PHASE_OF_GROUP[g.status] : undefined;
    if (!wanted || wanted === p.phase) continue;
    mismatches++;
    details.push(`status: pod ${key(p.namespace, p.name)} is ${p.phase}, its group ${g!.id} is ${g!.status}`);
  }
  return mismatches;
}

export function checkInvariants(view: ClusterView, want: WorkloadExpectation): InvariantCounts {
  const details: string[] = [];
  return {
    duplicates: countDuplicates(view.groups, details),
    orphans: countOrphans(view.pods, view.groups, details),
    lost: countLost(view, want, details),
    statusMismatches: countStatusMismatches(view.pods, view.groups, details),
    details,
  };
}

export function allHold(c: Omit<InvariantCounts, 'details'>): boolean {
  return c.duplicates === 0 && c.orphans === 0 && c.lost === 0 && c.statusMismatches === 0;
}
