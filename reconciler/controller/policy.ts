// Pure: the pod's failure-handling annotations, each parsed once with its row of the
// annotation table (shared/annotations.ts), so the reconciler accepts exactly what the
// webhook validated: an invalid value counts as unset.
import type { V1Pod } from '@kubernetes/client-node';
import { BEHAVIOUR_ANNOTATIONS } from '../../shared/annotations.ts';
import { ECI_ANNOTATIONS } from '../../shared/annotation-values.ts';

type PolicyAnnotation = (typeof BEHAVIOUR_ANNOTATIONS)[keyof typeof BEHAVIOUR_ANNOTATIONS];

function annotation<K extends PolicyAnnotation>(
  pod: V1Pod,
  name: K,
): (typeof ECI_ANNOTATIONS)[K] extends { schema: { parse(v: string): infer T } } ? T | undefined : never {
  const raw = pod.metadata?.annotations?.[name];
  if (raw === undefined) return undefined as never;
  const parsed = ECI_ANNOTATIONS[name].schema.safeParse(raw);
  return (parsed.success ? parsed.data : undefined) as never;
}

/** The minutes of `eci-max-pending-minute` (10–1440), or undefined when unset or invalid. */
export function maxPendingMinutes(pod: V1Pod): number | undefined {
  return annotation(pod, BEHAVIOUR_ANNOTATIONS.maxPendingMinute) as number | undefined;
}

/**
 * True when any create error fails the pod at once: `eci-fail-strategy: fail-fast` or the
 * legacy `pod-fail-on-create-err: "true"`. Otherwise (fail-back, the default, and fail-over)
 * the create is retried with capped backoff, bounded by `eci-max-pending-minute`.
 */
export function failsOnCreateError(pod: V1Pod): boolean {
  return (
    annotation(pod, BEHAVIOUR_ANNOTATIONS.failStrategy) === 'fail-fast' ||
    annotation(pod, BEHAVIOUR_ANNOTATIONS.failOnCreateError) === true
  );
}

/**
 * The phase a pod gets for a create error ECI will not accept on retry: Failed when it fails
 * fast or may never be restarted (virtual-kubelet fails `restartPolicy: Never` pods), else
 * Pending while the create is retried.
 */
export function failurePhase(pod: V1Pod): 'Pending' | 'Failed' {
  return pod.spec?.restartPolicy === 'Never' || failsOnCreateError(pod) ? 'Failed' : 'Pending';
}

/** The time after which a still-Pending pod is failed, from `eci-max-pending-minute`; undefined if unset. */
export function pendingDeadline(pod: V1Pod): number | undefined {
  const minutes = maxPendingMinutes(pod);
  const created = pod.metadata?.creationTimestamp ? new Date(pod.metadata.creationTimestamp).getTime() : NaN;
  if (minutes === undefined || Number.isNaN(created)) return undefined;
  return created + minutes * 60_000;
}
