// Pure: the rules of the replicas' Leases (coordination.k8s.io/v1), after client-go's
// leaderelection: a Lease is free when it has no holder, expired when its record has not
// changed for leaseDuration as seen by the observer's own clock (never the writer's clock,
// so clock skew between replicas cannot shorten a hold), and written only with the
// resourceVersion last read, so two replicas racing for one Lease cannot both win.
import { V1MicroTime, type V1LeaseSpec } from '@kubernetes/client-node';

/** The label on every Lease of the replicas; its value says which kind. */
export const LEASE_KIND_LABEL = 'eci-virtual-node/lease';
export type LeaseKind = 'node' | 'replica' | 'leader';

export const LEADER_LEASE = 'eci-virtual-node-leader';
export const nodeLeaseName = (node: string) => `eci-virtual-node-${node}`;
/** A replica's presence Lease: its identity folded into a valid object name. */
export function replicaLeaseName(replicaId: string): string {
  const slug = replicaId
    .toLowerCase()
    .replace(/[^a-z0-9.-]+/g, '-')
    .replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, '');
  return `eci-virtual-node-replica-${slug || 'unnamed'}`.slice(0, 253);
}

export interface LeaseTiming {
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
}

/** Pure: why these timings are unsafe (client-go's checks), or undefined. */
export function leaseTimingProblem(t: LeaseTiming): string | undefined {
  if (t.leaseDurationMs <= t.renewDeadlineMs)
    return '--lease-duration must be longer than --renew-deadline (a replica must stop acting before another may take over)';
  if (t.renewDeadlineMs <= t.retryPeriodMs) return '--renew-deadline must be longer than --retry-period';
  if (t.leaseDurationMs < 1000) return '--lease-duration must be at least 1s (Leases count whole seconds)';
  return undefined;
}

/** What a replica needs of a Lease it read. */
export interface LeaseRecord {
  holder: string;
  durationMs: number;
  transitions: number;
  resourceVersion: string;
}

type LeaseDecision =
  | { kind: 'renew' }
  /** `from`: the holder whose Lease expired (a takeover), absent for a free or new Lease. */
  | { kind: 'acquire'; from?: string }
  | { kind: 'held'; holder: string };

/**
 * Pure: what `me` may do with a Lease. `observedAtMs` is when `me` first saw this record
 * (its resourceVersion); the holder has that long, plus the duration, before it expires.
 */
export function decideLease(
  lease: LeaseRecord | undefined,
  me: string,
  observedAtMs: number,
  nowMs: number,
): LeaseDecision {
  if (!lease) return { kind: 'acquire' };
  if (lease.holder === me) return { kind: 'renew' };
  if (lease.holder === '') return { kind: 'acquire' };
  if (nowMs - observedAtMs >= lease.durationMs) return { kind: 'acquire', from: lease.holder };
  return { kind: 'held', holder: lease.holder };
}

/** Pure: the spec `me` writes to acquire or renew a Lease. */
export function heldSpec(
  previous: (V1LeaseSpec & { holderIdentity?: string }) | undefined,
  me: string,
  durationMs: number,
  now: Date,
): V1LeaseSpec {
  const time = new V1MicroTime(now.getTime());
  const changedHands = (previous?.holderIdentity ?? '') !== me;
  return {
    holderIdentity: me,
    leaseDurationSeconds: Math.ceil(durationMs / 1000),
    acquireTime: changedHands || !previous?.acquireTime ? time : previous.acquireTime,
    renewTime: time,
    leaseTransitions: (previous?.leaseTransitions ?? 0) + (changedHands && previous ? 1 : 0),
  };
}

/** Pure: the spec of a released Lease: no holder, so the next replica takes it at once. */
export function releasedSpec(previous: V1LeaseSpec | undefined, now: Date): V1LeaseSpec {
  return {
    leaseDurationSeconds: 1,
    renewTime: new V1MicroTime(now.getTime()),
    leaseTransitions: previous?.leaseTransitions ?? 0,
  };
}

/**
 * Pure: even spreading. Each replica aims at ceil(nodes / live replicas); one holding more
 * hands one node over (one per round, so replicas joining together do not all let go at
 * once), one holding fewer may acquire free or expired nodes. The targets sum to at least
 * the node count, so a free node always has a replica under its target to take it.
 */
export function spreadPlan(
  nodeCount: number,
  held: readonly string[],
  liveReplicas: number,
): { target: number; mayAcquire: number; handOver?: string } {
  const target = Math.ceil(nodeCount / Math.max(1, liveReplicas));
  const sorted = [...held].sort();
  return {
    target,
    mayAcquire: Math.max(0, target - held.length),
    handOver: held.length > target ? sorted[sorted.length - 1] : undefined,
  };
}
