// Pure: what the pod controller does next for one pod, given the pod as the API server has
// it and what the tracker knows of its container group. The controller carries the action
// out; keeping the choice here makes every path unit-testable with tables.
import type { V1Pod } from '@kubernetes/client-node';
import { BEHAVIOUR_ANNOTATIONS, INSTANCE_ANNOTATIONS } from '../../shared/annotations.ts';
import type { EciGroupView } from '../status.ts';
import type { GroupRecord } from '../tracker.ts';
import { REASONS } from './event-reasons.ts';
import { maxPendingMinutes, pendingDeadline } from './policy.ts';
import { activeDeadlineAt, DEADLINE_EXCEEDED } from '../update/deadline.ts';
import { terminationStep, type ForceState } from './termination.ts';

export type Action =
  | { kind: 'create' }
  | { kind: 'lookup'; id: string }
  | { kind: 'sync-status' }
  /** force: ECI's Force, the grace being over (reconciler/controller/termination.ts). */
  | { kind: 'delete-group'; then: 'finalize-pod' | 'forget'; force?: true }
  /** A pod being deleted whose group still ends: mirror what ECI reports, look again after. */
  | { kind: 'sync-terminating'; afterMs: number }
  /** finalStatus: first write the pod's last status from the group's last view (reconciler/status/final.ts). */
  | { kind: 'finalize-pod'; finalStatus: boolean }
  | { kind: 'wait'; afterMs: number }
  | { kind: 'fail'; reason: string; message: string; deleteGroup: boolean }
  | { kind: 'forget' }
  | { kind: 'none' };

/** What the controller remembers of past create attempts (beside the group record). */
export interface CreateState {
  /** No create before this time (ms): the backoff after a failed create. */
  retryCreateAt?: number;
  /** An `eci-instance-id` this pod does not own: ignored, the pod gets its own group. */
  refusedInstanceId?: string;
}

function podPhase(pod: V1Pod): string {
  return pod.status?.phase ?? 'Pending';
}

function isPodTerminal(pod: V1Pod): boolean {
  const phase = podPhase(pod);
  return phase === 'Succeeded' || phase === 'Failed';
}

/** The grace deadline of a pod being deleted (its deletionTimestamp). */
function deletionDeadline(pod: V1Pod): number {
  const ts = pod.metadata?.deletionTimestamp;
  return ts ? new Date(ts).getTime() : 0;
}

function deleteGroup(then: 'finalize-pod' | 'forget', force: boolean): Action {
  return force ? { kind: 'delete-group', then, force: true } : { kind: 'delete-group', then };
}

function isPending(group: EciGroupView): boolean {
  return ['Scheduling', 'Pending', undefined].includes(group.status);
}

export function nextAction(
  pod: V1Pod | undefined,
  record: GroupRecord | undefined,
  now: number,
  create: CreateState = {},
  force: ForceState = {},
): Action {
  // The pod is gone from the API: its group must go too.
  if (!pod) {
    if (!record || record.gone) return { kind: 'forget' };
    const step = terminationStep(undefined, record, now, force);
    return step.kind === 'delete' ? deleteGroup('forget', step.force) : { kind: 'forget' };
  }

  if (pod.metadata?.deletionTimestamp) {
    // As a kubelet does, the pod's last status (every container ended, a terminal phase) is
    // written before the pod goes, from what ECI last reported, even if the group is gone since.
    const finalStatus = record?.group !== undefined && !isPodTerminal(pod);
    if (!record || record.gone) return { kind: 'finalize-pod', finalStatus };
    // Deleting: wait for ECI to finish (preStop, grace); at the pod's grace deadline ECI is
    // told to stop at once, then the pod goes (termination.ts).
    const step = terminationStep(deletionDeadline(pod), record, now, force);
    if (step.kind === 'delete') return deleteGroup('finalize-pod', step.force);
    if (step.kind === 'done') return { kind: 'finalize-pod', finalStatus };
    // Meanwhile the status keeps flowing (readiness turning false, containers ending with their
    // exit codes), as a kubelet's does while it terminates a pod.
    if (record.group && !isPodTerminal(pod)) return { kind: 'sync-terminating', afterMs: step.afterMs };
    return { kind: 'wait', afterMs: step.afterMs };
  }

  // A finished pod keeps its group (ECI bills neither Succeeded nor Failed groups) so its logs
  // stay readable; the group goes when the pod object is deleted.
  if (isPodTerminal(pod)) return { kind: 'none' };

  // activeDeadlineSeconds (it may have been shortened since the create): reconciler/update/deadline.ts.
  const activeDeadline = activeDeadlineAt(pod);
  if (activeDeadline !== undefined && now >= activeDeadline) {
    const deleteGroup = record !== undefined && !record.gone && !record.deleteRequested;
    return { kind: 'fail', ...DEADLINE_EXCEEDED, deleteGroup };
  }

  const deadline = pendingDeadline(pod);
  const stillPending = podPhase(pod) === 'Pending' && !(record?.group && !isPending(record.group));
  if (deadline !== undefined && stillPending && now >= deadline) {
    return {
      kind: 'fail',
      reason: REASONS.pendingTimeout,
      message: `pod stayed Pending longer than ${maxPendingMinutes(pod)} minutes (${BEHAVIOUR_ANNOTATIONS.maxPendingMinute})`,
      deleteGroup: record !== undefined && !record.gone,
    };
  }

  if (record) {
    if (record.gone && !record.deleteRequested) {
      return {
        kind: 'fail',
        reason: REASONS.providerFailed,
        message: `container group ${record.id} no longer exists in ECI`,
        deleteGroup: false,
      };
    }
    if (record.group) return { kind: 'sync-status' };
    return { kind: 'none' };
  }

  const instanceId = pod.metadata?.annotations?.[INSTANCE_ANNOTATIONS.instanceId];
  if (instanceId && instanceId !== create.refusedInstanceId) return { kind: 'lookup', id: instanceId };
  if (podPhase(pod) !== 'Pending') return { kind: 'none' };
  // After a failed create (fail-back): the next attempt waits out its backoff.
  if (create.retryCreateAt !== undefined && now < create.retryCreateAt)
    return { kind: 'wait', afterMs: create.retryCreateAt - now };
  return { kind: 'create' };
}

/** When a Pending pod with a max-pending annotation must be looked at again; undefined if not needed. */
export function recheckAfter(pod: V1Pod | undefined, now: number): number | undefined {
  if (!pod || isPodTerminal(pod) || pod.metadata?.deletionTimestamp) return undefined;
  const deadlines = [podPhase(pod) === 'Pending' ? pendingDeadline(pod) : undefined, activeDeadlineAt(pod)];
  const next = deadlines.filter((d): d is number => d !== undefined);
  return next.length ? Math.max(0, Math.min(...next) - now) : undefined;
}
