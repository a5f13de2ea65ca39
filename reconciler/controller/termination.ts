// Pure: how the container group of a pod being deleted is stopped, as a kubelet stops a pod.
// The kubelet takes the API server's deletionGracePeriodSeconds as the truth and lets a grace
// period only shrink; when it runs out the containers get SIGKILL, preStop or not (kubernetes
// pkg/kubelet/pod_workers.go calculateEffectiveGracePeriod, kuberuntime killContainer).
// ECI's DeleteContainerGroup takes no grace period: the group stops within the
// TerminationGracePeriodSeconds it was created with, or at once with `Force` (docs/eci-api.md,
// "Deleting a group"). So the pod's grace deadline (its deletionTimestamp, which every shorter
// delete moves earlier) is kept by re-issuing the delete with Force once the deadline passes
// while the group still runs; a pod that left the API (grace 0: a force delete) gets Force at once.
import type { GroupRecord } from '../tracker.ts';
import { isTerminalStatus } from '../status.ts';

/** What the controller remembers of forced deletes of one pod's group. */
export interface ForceState {
  /** When a forced DeleteContainerGroup was first tried (ms). */
  triedAt?: number;
  /** ECI accepted it. */
  accepted?: boolean;
}

export type TerminationStep =
  /** DeleteContainerGroup, with Force when the grace is over. */
  | { kind: 'delete'; force: boolean }
  /** The group is still ending within the grace: look again after. */
  | { kind: 'watch'; afterMs: number }
  /** Nothing left to wait for: the pod (or, gone from the API, its tracker entry) can go. */
  | { kind: 'done' };

/** How often a pod being deleted is re-checked while its group terminates. */
export const DELETE_POLL_MS = 1000;

/**
 * After a forced delete, how long ECI gets to report the containers stopped (with their
 * finish times) before the pod goes anyway, as a kubelet waits for the runtime after SIGKILL.
 * Also the bound on retrying a forced delete ECI refuses.
 */
export const FORCE_SETTLE_MS = 10_000;

const watch = (ms: number): TerminationStep => ({
  kind: 'watch',
  afterMs: Math.min(DELETE_POLL_MS, Math.max(1, ms)),
});

/**
 * The next step for a group that is not gone. `deadline`: the pod's grace deadline (ms,
 * its deletionTimestamp), or undefined once the pod has left the API.
 */
export function terminationStep(
  deadline: number | undefined,
  record: GroupRecord,
  now: number,
  force: ForceState = {},
): TerminationStep {
  const ended = isTerminalStatus(record.group?.status);
  const graceOver = deadline === undefined || now >= deadline;
  // The first delete; Force only when something still runs and no grace is left.
  if (!record.deleteRequested) return { kind: 'delete', force: graceOver && !ended };
  if (ended) return { kind: 'done' };
  if (!graceOver) return watch(deadline - now);
  // The grace is over (or just shrank below the time already spent) and the group still runs.
  if (force.triedAt === undefined) return { kind: 'delete', force: true };
  const settleLeft = force.triedAt + FORCE_SETTLE_MS - now;
  if (settleLeft <= 0) return { kind: 'done' };
  // Refused (throttled, a conflict): tried again, but only for as long as the pod would wait.
  if (!force.accepted) return { kind: 'delete', force: true };
  return deadline === undefined ? { kind: 'done' } : watch(settleLeft);
}
