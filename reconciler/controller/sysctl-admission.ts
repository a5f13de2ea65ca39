// Pure: the kubelet's sysctl admission (pkg/kubelet/sysctl/allowlist.go at v1.36.3). A pod may
// set only the safe sysctls, and those the node operator allowed as unsafe; any other sysctl
// fails the pod with reason SysctlForbidden before anything is created.
import type { V1Pod } from '@kubernetes/client-node';
import { normalizeSysctlName } from '../translate/sysctls.ts';

/** pkg/kubelet/sysctl/safe_sysctls.go: every entry, ECI's kernels being newer than all their minimums. */
const SAFE_SYSCTLS = [
  'kernel.shm_rmid_forced',
  'net.ipv4.ip_local_port_range',
  'net.ipv4.tcp_syncookies',
  'net.ipv4.ping_group_range',
  'net.ipv4.ip_unprivileged_port_start',
  'net.ipv4.ip_local_reserved_ports',
  'net.ipv4.tcp_keepalive_time',
  'net.ipv4.tcp_fin_timeout',
  'net.ipv4.tcp_keepalive_intvl',
  'net.ipv4.tcp_keepalive_probes',
  'net.ipv4.tcp_rmem',
  'net.ipv4.tcp_wmem',
];

export const SYSCTL_FORBIDDEN = 'SysctlForbidden';

type Namespace = 'IPC' | 'Net' | undefined;

/** k8s.io/component-helpers/node/util/sysctl/namespace.go: which kernel namespace isolates it. */
const IPC_NAMES = new Set([
  'kernel.sem',
  'kernel.shmall',
  'kernel.shmmax',
  'kernel.shmmni',
  'kernel.shm_rmid_forced',
  'kernel.shm',
  'kernel.msgmax',
  'kernel.msgmnb',
  'kernel.msgmni',
  'kernel.msg',
]);

function namespaceOf(name: string): Namespace {
  if (IPC_NAMES.has(name)) return 'IPC';
  if (name.startsWith('net.')) return 'Net';
  if (name.startsWith('fs.mqueue.')) return 'IPC';
  return undefined;
}

/** k8s.io/kubernetes pkg/apis/policy/validation: IsValidSysctlPattern (253 characters at most). */
const SYSCTL_PATTERN = /^([a-z0-9]([-_a-z0-9]*[a-z0-9])?[./])*([a-z0-9][-_a-z0-9]*)?[a-z0-9*]$/;
const SYSCTL_MAX_LENGTH = 253;

/**
 * Why the kubelet would refuse one --allowed-unsafe-sysctls entry at start-up
 * (pkg/kubelet/sysctl/allowlist.go NewAllowlist), or undefined: it must be a sysctl name or a
 * `prefix*` pattern, and the kernel must isolate it per pod (IPC or network namespace).
 */
export function unsafeSysctlPatternProblem(pattern: string): string | undefined {
  if (pattern.length > SYSCTL_MAX_LENGTH || !SYSCTL_PATTERN.test(pattern))
    return `sysctl "${pattern}" must have at most ${SYSCTL_MAX_LENGTH} characters and be a sysctl name or a pattern ending in * (such as kernel.msg* or net.core.somaxconn)`;
  const prefix = normalizeSysctlName(pattern).replace(/\*.*$/, '');
  if (namespaceOf(prefix) === undefined)
    return `the sysctls "${prefix}" are not known to be namespaced (only kernel.shm*, kernel.msg*, kernel.sem, fs.mqueue.* and net.* are)`;
  return undefined;
}

/**
 * Why the kubelet refuses one sysctl, or undefined. `allowedUnsafe` holds names and
 * `prefix*` patterns (the kubelet's --allowed-unsafe-sysctls).
 */
function sysctlProblem(
  raw: string,
  allowedUnsafe: readonly string[],
  host: { network: boolean; ipc: boolean },
): string | undefined {
  const name = normalizeSysctlName(raw);
  const patterns = [...SAFE_SYSCTLS, ...allowedUnsafe].map(normalizeSysctlName);
  const exact = patterns.find((p) => !p.includes('*') && p === name);
  const prefixed = patterns.find((p) => p.includes('*') && name.startsWith(p.slice(0, p.indexOf('*'))));
  const matched = exact ?? prefixed;
  if (matched === undefined) return `"${name}" not allowlisted`;
  const ns = namespaceOf(matched.replace(/\*.*$/, ''));
  if ((ns === 'IPC' && host.ipc) || (ns === 'Net' && host.network))
    return `"${name}" not allowed with host ${ns} enabled`;
  return undefined;
}

/** The kubelet's admission message for the first sysctl it refuses, or undefined. */
export function forbiddenSysctl(pod: V1Pod, allowedUnsafe: readonly string[] = []): string | undefined {
  const host = { network: pod.spec?.hostNetwork === true, ipc: pod.spec?.hostIPC === true };
  for (const s of pod.spec?.securityContext?.sysctls ?? []) {
    const problem = sysctlProblem(s.name, allowedUnsafe, host);
    if (problem) return `forbidden sysctl: ${problem}`;
  }
  return undefined;
}
