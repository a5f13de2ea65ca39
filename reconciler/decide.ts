// Pure: what the reconciler does next for one pod, given the pod as the API server has it
// and what the reconciler knows of its container group. The I/O shell (pods.ts) carries
// the decision out; keeping the choice here makes every path unit-testable.
import type { V1Pod } from '@kubernetes/client-node';
import { BEHAVIOUR_ANNOTATIONS, INSTANCE_ANNOTATIONS } from '../shared/annotations.ts';
import { isTerminalStatus, type EciGroupView } from './status.ts';

export interface GroupRecord {
  id: string;
  /** The latest description from ECI, if one has been fetched since creation. */
  group?: EciGroupView;
  /** DeleteContainerGroup has been accepted. */
  deleteRequested?: boolean;
  /** ECI no longer knows the group (deleted, purged). */
  gone?: boolean;
  /** When this process learnt of the group (ms); very young groups are not declared gone. */
  since?: number;
}

export const PROVIDER_FAILED = 'ProviderFailed';

export type Action =
  | { kind: 'create' }
  | { kind: 'lookup'; id: string }
  | { kind: 'sync-status' }
  | { kind: 'delete-group'; then: 'finalize-pod' | 'keep-pod' | 'forget' }
  | { kind: 'finalize-pod' }
  | { kind: 'wait'; afterMs: number }
  | { kind: 'fail'; reason: string; message: string; deleteGroup: boolean }
  | { kind: 'forget' }
  | { kind: 'none' };

/** How often a pod being deleted is re-checked while its group terminates. */
export const DELETE_POLL_MS = 1000;

function podPhase(pod: V1Pod): string {
  return pod.status?.phase ?? 'Pending';
}

export function isPodTerminal(pod: V1Pod): boolean {
  const phase = podPhase(pod);
  return phase === 'Succeeded' || phase === 'Failed';
}

/** The phase a pod gets for a terminal provider error (virtual-kubelet core, plus ECI's fail-fast). */
export function failurePhase(pod: V1Pod): 'Pending' | 'Failed' {
  const strategy = pod.metadata?.annotations?.[BEHAVIOUR_ANNOTATIONS.failStrategy];
  return pod.spec?.restartPolicy === 'Never' || strategy === 'fail-fast' ? 'Failed' : 'Pending';
}

/** The time after which a still-Pending pod is failed, from `eci-max-pending-minute`; undefined if unset. */
export function pendingDeadline(pod: V1Pod): number | undefined {
  const raw = pod.metadata?.annotations?.[BEHAVIOUR_ANNOTATIONS.maxPendingMinute];
  if (raw === undefined || !/^\d+$/.test(raw.trim())) return undefined;
  const minutes = Number(raw);
  const created = pod.metadata?.creationTimestamp ? new Date(pod.metadata.creationTimestamp).getTime() : NaN;
  if (!(minutes > 0) || Number.isNaN(created)) return undefined;
  return created + minutes * 60_000;
}

/** The grace deadline of a pod being deleted (its deletionTimestamp). */
function deletionDeadline(pod: V1Pod): number {
  const ts = pod.metadata?.deletionTimestamp;
  return ts ? new Date(ts).getTime() : 0;
}

export function decide(pod: V1Pod | undefined, record: GroupRecord | undefined, now: number): Action {
  // The pod is gone from the API: its group must go too.
  if (!pod) {
    if (record && !record.deleteRequested && !record.gone) return { kind: 'delete-group', then: 'forget' };
    return { kind: 'forget' };
  }

  if (pod.metadata?.deletionTimestamp) {
    if (!record || record.gone) return { kind: 'finalize-pod' };
    if (!record.deleteRequested) return { kind: 'delete-group', then: 'finalize-pod' };
    // Deleting: wait for ECI to finish (preStop, grace) but never past the pod's grace deadline.
    if (isTerminalStatus(record.group?.status) || now >= deletionDeadline(pod))
      return { kind: 'finalize-pod' };
    return { kind: 'wait', afterMs: Math.min(DELETE_POLL_MS, Math.max(1, deletionDeadline(pod) - now)) };
  }

  if (isPodTerminal(pod)) {
    if (record && !record.deleteRequested && !record.gone) return { kind: 'delete-group', then: 'keep-pod' };
    return { kind: 'none' };
  }

  const deadline = pendingDeadline(pod);
  const stillPending = podPhase(pod) === 'Pending' && !(record?.group && !isPending(record.group));
  if (deadline !== undefined && stillPending && now >= deadline) {
    const minutes = pod.metadata?.annotations?.[BEHAVIOUR_ANNOTATIONS.maxPendingMinute];
    return {
      kind: 'fail',
      reason: 'PendingTimeout',
      message: `pod stayed Pending longer than ${minutes} minutes (${BEHAVIOUR_ANNOTATIONS.maxPendingMinute})`,
      deleteGroup: record !== undefined && !record.gone,
    };
  }

  if (record) {
    if (record.gone && !record.deleteRequested) {
      return {
        kind: 'fail',
        reason: PROVIDER_FAILED,
        message: `container group ${record.id} no longer exists in ECI`,
        deleteGroup: false,
      };
    }
    if (record.group) return { kind: 'sync-status' };
    return { kind: 'none' };
  }

  const instanceId = pod.metadata?.annotations?.[INSTANCE_ANNOTATIONS.instanceId];
  if (instanceId) return { kind: 'lookup', id: instanceId };
  if (pod.status?.reason === PROVIDER_FAILED) return { kind: 'none' };
  if (podPhase(pod) === 'Pending') return { kind: 'create' };
  return { kind: 'none' };
}

function isPending(group: EciGroupView): boolean {
  return ['Scheduling', 'Pending', undefined].includes(group.status);
}

/** When a Pending pod with a max-pending annotation must be looked at again; undefined if not needed. */
export function recheckAfter(pod: V1Pod | undefined, now: number): number | undefined {
  if (!pod || podPhase(pod) !== 'Pending' || pod.metadata?.deletionTimestamp) return undefined;
  const deadline = pendingDeadline(pod);
  return deadline === undefined ? undefined : Math.max(0, deadline - now);
}
