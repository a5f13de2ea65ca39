// Pure: what a container's ECI security context means for its process — the user
// and group it runs as (Container.N.SecurityContext.RunAsUser,
// Container.N.SecurityContextRunAsGroup), its capabilities (a container runtime's
// default set plus SecurityContext.Capability.Add; all of them when
// SecurityContextPrivileged) and whether its root filesystem is read-only
// (SecurityContext.ReadOnlyRootFilesystem). What ECI takes:
// https://www.alibabacloud.com/help/en/eci/user-guide/configure-a-security-context-for-an-elastic-container-instance-or-a-container

export interface ContainerUser {
  uid: number;
  gid: number;
}

export interface SecuritySpec {
  SecurityContext?:
    | {
        RunAsUser?: number | undefined;
        ReadOnlyRootFilesystem?: boolean | undefined;
        Capability?: { Add?: string[] | undefined } | undefined;
      }
    | undefined;
  SecurityContextRunAsGroup?: unknown;
  SecurityContextPrivileged?: unknown;
}

/** Linux capability numbers → names (capabilities(7)), as /proc/PID/status counts them. */
const CAPABILITY_NAMES = [
  'chown',
  'dac_override',
  'dac_read_search',
  'fowner',
  'fsetid',
  'kill',
  'setgid',
  'setuid',
  'setpcap',
  'linux_immutable',
  'net_bind_service',
  'net_broadcast',
  'net_admin',
  'net_raw',
  'ipc_lock',
  'ipc_owner',
  'sys_module',
  'sys_rawio',
  'sys_chroot',
  'sys_ptrace',
  'sys_pacct',
  'sys_admin',
  'sys_boot',
  'sys_nice',
  'sys_resource',
  'sys_time',
  'sys_tty_config',
  'mknod',
  'lease',
  'audit_write',
  'audit_control',
  'setfcap',
  'mac_override',
  'mac_admin',
  'syslog',
  'wake_alarm',
  'block_suspend',
  'audit_read',
  'perfmon',
  'bpf',
  'checkpoint_restore',
];

/** What containerd and Docker give a container that is not privileged. */
const DEFAULT_CAPABILITIES = [
  'chown',
  'dac_override',
  'fsetid',
  'fowner',
  'mknod',
  'net_raw',
  'setgid',
  'setuid',
  'setfcap',
  'setpcap',
  'net_bind_service',
  'sys_chroot',
  'kill',
  'audit_write',
];

function id(v: unknown): number | undefined {
  const n = typeof v === 'string' ? Number(v) : v;
  return typeof n === 'number' && Number.isInteger(n) && n >= 0 ? n : undefined;
}

/**
 * The uid and gid the command runs as, or undefined for root (the stand-in images run the host
 * userland as root unless the image table names the image's own USER). A uid without a group
 * gets gid 0, as an OCI runtime gives a uid the image's /etc/passwd does not name.
 */
export function containerUser(spec: SecuritySpec, imageUid = 0): ContainerUser | undefined {
  const uid = id(spec.SecurityContext?.RunAsUser) ?? (imageUid === 0 ? undefined : imageUid);
  const gid = id(spec.SecurityContextRunAsGroup);
  if (uid === undefined && gid === undefined) return undefined;
  return { uid: uid ?? 0, gid: gid ?? 0 };
}

/**
 * The kubelet's runAsNonRoot check (pkg/kubelet/kuberuntime/security_context_others.go
 * verifyRunAsNonRoot) on SecurityContextRunAsNonRoot: the message when the container would run
 * as root (its RunAsUser, else the image's USER), undefined when it may start. What ECI reports
 * is not documented; this is the kubelet's message (emulator/README.md).
 */
export function nonRootRefusal(
  spec: SecuritySpec & { Name: string; SecurityContextRunAsNonRoot?: unknown },
  imageUid: number,
  podName: string,
): string | undefined {
  if (!truthy(spec.SecurityContextRunAsNonRoot)) return undefined;
  const explicit = id(spec.SecurityContext?.RunAsUser);
  if ((explicit ?? imageUid) !== 0) return undefined;
  const why =
    explicit === 0
      ? "container's runAsUser breaks non-root policy"
      : 'container has runAsNonRoot and image will run as root';
  return `${why} (pod: "${podName}", container: ${spec.Name})`;
}

export function readOnlyRoot(spec: SecuritySpec): boolean {
  return spec.SecurityContext?.ReadOnlyRootFilesystem === true;
}

function truthy(v: unknown): boolean {
  return v === true || v === 'true';
}

/** The capabilities the command may have, or undefined for all of them (privileged). */
export function capabilities(spec: SecuritySpec): string[] | undefined {
  if (truthy(spec.SecurityContextPrivileged)) return undefined;
  const added = (spec.SecurityContext?.Capability?.Add ?? [])
    .map((c) => c.toLowerCase().replace(/^cap_/, ''))
    .filter((c) => CAPABILITY_NAMES.includes(c));
  return [...new Set([...DEFAULT_CAPABILITIES, ...added])];
}

/** Pure: the capability names of a /proc/PID/status CapBnd mask, undefined when it has every one. */
export function capabilitiesFromStatus(status: string): string[] | undefined {
  const hex = /^CapBnd:\s+([0-9a-f]+)/m.exec(status)?.[1];
  if (!hex) return undefined;
  const mask = BigInt(`0x${hex}`);
  const names = CAPABILITY_NAMES.filter((_, i) => (mask >> BigInt(i)) & 1n);
  return names.length === CAPABILITY_NAMES.length ? undefined : names;
}

/**
 * setpriv's arguments that limit the command to `caps` (a bounding set: root keeps exactly
 * these) and drop to `user` (no supplementary groups); none when neither applies.
 */
export function privilegeArgs(
  user: ContainerUser | undefined,
  caps: readonly string[] | undefined,
): string[] {
  if (!user && !caps) return [];
  const bounding = caps ? ['--bounding-set', ['-all', ...caps.map((c) => `+${c}`)].join(',')] : [];
  const as = user ? [`--reuid=${user.uid}`, `--regid=${user.gid}`, '--clear-groups'] : [];
  return ['setpriv', ...bounding, ...as, '--'];
}
