// Pure: whether a container ever started, and the kubelet's phase rule built on it. One
// definition for the status mapping (status.ts) and a deleted pod's last status (final.ts).
import { terminatedExitCode } from './containers.ts';
import type { ContainerStatusJson, EciContainerView, EciGroupView, PodPhase } from './model.ts';

/** Evidence the runtime ever started it: running, ended, ended before or restarted (kubelet hasPodInitialized). */
export function everStarted(c: EciContainerView | undefined): boolean {
  return (
    c?.previousState?.state !== undefined ||
    (c?.restartCount ?? 0) > 0 ||
    c?.currentState?.state === 'Running' ||
    (c ? terminatedExitCode(c.currentState) !== undefined : false)
  );
}

/** What the pod's status already said of a container: it ran, ended, or restarted. */
function reportedStarted(s: Partial<ContainerStatusJson>): boolean {
  return (
    s.state?.running !== undefined ||
    s.state?.terminated !== undefined ||
    s.lastState?.terminated !== undefined ||
    (s.restartCount ?? 0) > 0
  );
}

/**
 * The kubelet's rule over ECI's phase: while an app container has not started yet, the pod is
 * Pending, whatever runs beside it (kubelet getPhase, "waiting > 0":
 * https://github.com/kubernetes/kubernetes/blob/v1.36.3/pkg/kubelet/kubelet_pods.go). A container
 * counts as started when ECI shows it running or ended now or before, or when the pod's status
 * already said so (the kubelet keeps a container's last termination and restart count from the
 * pod's status when the runtime no longer has them). ECI may call a group Running while a
 * container is still being created; a pod reported Running has every app container started.
 * Sidecars are not looked at (less strict than the kubelet, never a flap).
 */
export function withUnstartedContainers(
  phase: PodPhase,
  appNames: readonly string[],
  group: EciGroupView,
  reported: readonly Partial<ContainerStatusJson>[],
): PodPhase {
  if (phase !== 'Running') return phase;
  const eci = new Map((group.containers ?? []).map((c) => [c.name, c]));
  const before = new Set(reported.filter(reportedStarted).map((s) => s.name));
  const unstarted = appNames.some((n) => !everStarted(eci.get(n)) && !before.has(n));
  return unstarted ? 'Pending' : phase;
}
