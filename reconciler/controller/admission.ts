// Pure: the kubelet's own admission of a pod bound to its node (pkg/kubelet/lifecycle/
// predicate.go), for the checks that apply to a virtual node. A rejected pod fails at once
// with the kubelet's reason and message; nothing is created in ECI.
import type { V1Pod } from '@kubernetes/client-node';
import { REASONS } from './event-reasons.ts';
import { forbiddenSysctl, SYSCTL_FORBIDDEN } from './sysctl-admission.ts';

/** ECI runs Linux containers; the virtual node says so in its kubernetes.io/os label. */
const NODE_OS = 'linux';

export interface Rejection {
  reason: string;
  message: string;
}

/** `allowedUnsafeSysctls`: the kubelet's --allowed-unsafe-sysctls (names and `prefix*`). */
export function admissionRejection(
  pod: V1Pod,
  allowedUnsafeSysctls: readonly string[] = [],
): Rejection | undefined {
  const os = pod.spec?.os?.name;
  if (os !== undefined && os !== NODE_OS)
    return {
      reason: REASONS.podOsNotSupported,
      message: "Failed to admit pod as the OS field doesn't match node OS",
    };
  const sysctl = forbiddenSysctl(pod, allowedUnsafeSysctls);
  if (sysctl) return { reason: SYSCTL_FORBIDDEN, message: sysctl };
  return undefined;
}
