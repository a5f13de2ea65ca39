// Admission warnings for a pod going to ECI that asks for what ECI cannot give
// (eci-reference §3.2, peers.md). Admission is never denied for these: the pod is
// admitted and the reconciler reports the same reason on it.
import type { V1Container, V1Pod } from '@kubernetes/client-node';

/** Ports ECI reserves for its own agent (exec, logs, metrics). */
export const RESERVED_PORTS: ReadonlySet<number> = new Set([111, 10250, 10255]);

/** Warnings for unsupported pod features, one per offending field, in a stable order. */
export function unsupportedFeatureWarnings(pod: V1Pod): string[] {
  const warnings: string[] = [];
  const spec = pod.spec;
  if (spec?.hostNetwork)
    warnings.push('spec.hostNetwork: ECI pods cannot use the host network; the pod will fail on ECI');
  if (spec?.hostPID)
    warnings.push('spec.hostPID: ECI pods cannot share the host PID namespace; the pod will fail on ECI');
  if (spec?.hostIPC)
    warnings.push('spec.hostIPC: ECI pods cannot share the host IPC namespace; the pod will fail on ECI');
  for (const volume of spec?.volumes ?? []) {
    if (volume.hostPath) {
      warnings.push(
        `spec.volumes[${volume.name}].hostPath: ECI has no host filesystem; the pod will fail on ECI`,
      );
    }
  }
  // Init containers first, then containers, without building a combined list (a hot path).
  for (const container of spec?.initContainers ?? [])
    containerWarnings(warnings, 'init container', container);
  for (const container of spec?.containers ?? []) containerWarnings(warnings, 'container', container);
  return warnings;
}

function containerWarnings(warnings: string[], kind: string, container: V1Container): void {
  if (container.securityContext?.privileged) {
    warnings.push(
      `${kind} ${container.name}: privileged containers are not supported on ECI (only added capabilities); the pod will fail on ECI`,
    );
  }
  for (const port of container.ports ?? []) {
    if (port.hostPort !== undefined && port.hostPort !== 0) {
      warnings.push(`${kind} ${container.name}: hostPort ${port.hostPort} is not supported on ECI`);
    }
    if (RESERVED_PORTS.has(port.containerPort)) {
      warnings.push(
        `${kind} ${container.name}: containerPort ${port.containerPort} is reserved by ECI (111, 10250 and 10255 are)`,
      );
    }
  }
}
