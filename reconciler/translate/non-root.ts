// The kubelet's runAsNonRoot check that the pod spec alone decides
// (pkg/kubelet/kuberuntime/security_context_others.go verifyRunAsNonRoot): an effective
// runAsUser of 0 with runAsNonRoot set. The kubelet then keeps the container waiting in
// CreateContainerConfigError. When no runAsUser is set the check needs the image's USER,
// which only the node that pulls the image knows: ECI gets SecurityContextRunAsNonRoot and
// decides it there.
import type { V1Container, V1Pod, V1PodSecurityContext } from '@kubernetes/client-node';

/** The kubelet's message for a container whose explicit user breaks runAsNonRoot, or undefined. */
export function explicitRootProblem(
  pod: V1Pod,
  c: V1Container,
  podSecurity: V1PodSecurityContext | undefined,
): string | undefined {
  const nonRoot = c.securityContext?.runAsNonRoot ?? podSecurity?.runAsNonRoot;
  const user = c.securityContext?.runAsUser ?? podSecurity?.runAsUser;
  if (nonRoot !== true || user !== 0) return undefined;
  const m = pod.metadata;
  // format.Pod: name_namespace(uid).
  return `container's runAsUser breaks non-root policy (pod: "${m?.name ?? ''}_${m?.namespace ?? ''}(${m?.uid ?? ''})", container: ${c.name})`;
}
