// Pure: a container group's sysctls (CreateContainerGroup SecurityContext.Sysctl.N) —
// which names ECI takes and where each one is written. ECI sets only namespaced
// sysctls, in the group's own network or IPC namespace
// (https://www.alibabacloud.com/help/en/eci/user-guide/configure-a-security-context-for-an-elastic-container-instance-or-a-container);
// a name may use `/` as its separator, as Kubernetes allows.

export interface Sysctl {
  Name: string;
  Value?: string | undefined;
}

/** The namespaced sysctls ECI lets a group set (net.ipv4.tcp_syncookies excepted). */
const NAMESPACED = [/^kernel\.shm/, /^kernel\.msg/, /^kernel\.sem$/, /^fs\.mqueue\./, /^net\./];
const REFUSED = new Set(['net.ipv4.tcp_syncookies']);

/**
 * The dotted name: with a `/` separator, segments may hold dots (`net/ipv4/conf/eth0.100/forwarding`),
 * which the dotted form writes as slashes, as the kubelet converts them.
 */
export function dottedSysctlName(name: string): string {
  if (!name.includes('/')) return name;
  return name
    .split('/')
    .map((seg) => seg.replace(/\./g, '/'))
    .join('.');
}

/** Where the sysctl lives under /proc/sys. */
export function sysctlPath(name: string): string {
  return `/proc/sys/${dottedSysctlName(name)
    .split('.')
    .map((seg) => seg.replace(/\//g, '.'))
    .join('/')}`;
}

/** Why ECI refuses this sysctl, or undefined when it takes it. */
export function sysctlRefusal(s: Sysctl): string | undefined {
  const name = dottedSysctlName(s.Name);
  if (!/^[a-z0-9_/.-]+$/i.test(s.Name) || name.split('.').some((seg) => seg === ''))
    return `"${s.Name}" is not a sysctl name.`;
  if (REFUSED.has(name) || !NAMESPACED.some((re) => re.test(name)))
    return `The sysctl "${s.Name}" cannot be set: only namespaced kernel.shm*, kernel.msg*, kernel.sem, fs.mqueue.* and net.* sysctls are supported.`;
  if (s.Value === undefined || s.Value === '') return `The sysctl "${s.Name}" has no value.`;
  return undefined;
}

/** The files to write in the group's namespaces, in request order. */
export function sysctlWrites(sysctls: readonly Sysctl[] | undefined): { path: string; value: string }[] {
  return (sysctls ?? []).map((s) => ({ path: sysctlPath(s.Name), value: s.Value ?? '' }));
}
