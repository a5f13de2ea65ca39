// Sysctl names as the kubelet hands them on: `kernel/shm_rmid_forced` and
// `kernel.shm_rmid_forced` are the same sysctl (man sysctl.d(5)).

/**
 * k8s.io/component-helpers/node/util/sysctl NormalizeName: when the first separator is a
 * slash, slashes and dots swap (`net/ipv4/conf/eno2.100/rp_filter` is
 * `net.ipv4.conf.eno2/100.rp_filter`); a name that starts with a dot-separated part is kept.
 */
export function normalizeSysctlName(name: string): string {
  const first = name.search(/[./]/);
  if (first === -1 || name[first] === '.') return name;
  return name.replace(/[./]/g, (c) => (c === '.' ? '/' : '.'));
}
