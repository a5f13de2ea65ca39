// Pure: spec.activeDeadlineSeconds as a kubelet enforces it. The API server lets a running pod's
// deadline be set or shortened, but UpdateContainerGroup has no ActiveDeadlineSeconds: ECI keeps
// the one sent at create. So the reconciler enforces the pod's current deadline itself, a grace
// after it (ECI's own enforcement of an unchanged deadline comes first and keeps the logs).
import type { V1Pod } from '@kubernetes/client-node';

/** How long past the deadline ECI is given to end the group itself. */
export const DEADLINE_GRACE_MS = 15_000;

/** The kubelet's status reason and message (pkg/kubelet/active_deadline.go). */
export const DEADLINE_EXCEEDED = {
  reason: 'DeadlineExceeded',
  message: 'Pod was active on the node longer than the specified deadline',
} as const;

/** When the reconciler ends the pod (ms), or undefined without a deadline or a start time. */
export function activeDeadlineAt(pod: V1Pod): number | undefined {
  const seconds = pod.spec?.activeDeadlineSeconds;
  const start = pod.status?.startTime;
  if (seconds === undefined || !start) return undefined;
  const at = new Date(start).getTime();
  return Number.isNaN(at) ? undefined : at + seconds * 1000 + DEADLINE_GRACE_MS;
}
