// Pure: what a container's ECI security context means for its process — the user
// and group it runs as (Container.N.SecurityContext.RunAsUser,
// Container.N.SecurityContextRunAsGroup) and whether its root filesystem is
// read-only (SecurityContext.ReadOnlyRootFilesystem). What ECI takes:
// https://www.alibabacloud.com/help/en/eci/user-guide/configure-a-security-context-for-an-elastic-container-instance-or-a-container

export interface ContainerUser {
  uid: number;
  gid: number;
}

export interface SecuritySpec {
  SecurityContext?:
    { RunAsUser?: number | undefined; ReadOnlyRootFilesystem?: boolean | undefined } | undefined;
  SecurityContextRunAsGroup?: unknown;
}

function id(v: unknown): number | undefined {
  const n = typeof v === 'string' ? Number(v) : v;
  return typeof n === 'number' && Number.isInteger(n) && n >= 0 ? n : undefined;
}

/**
 * The uid and gid the command runs as, or undefined for the image's default (root here:
 * the stand-in images run the host userland). A uid without a group gets gid 0, as an OCI
 * runtime gives a uid the image's /etc/passwd does not name.
 */
export function containerUser(spec: SecuritySpec): ContainerUser | undefined {
  const uid = id(spec.SecurityContext?.RunAsUser);
  const gid = id(spec.SecurityContextRunAsGroup);
  if (uid === undefined && gid === undefined) return undefined;
  return { uid: uid ?? 0, gid: gid ?? 0 };
}

export function readOnlyRoot(spec: SecuritySpec): boolean {
  return spec.SecurityContext?.ReadOnlyRootFilesystem === true;
}

/** setpriv's arguments that drop to `user` (no supplementary groups) before the command. */
export function dropToUser(user: ContainerUser | undefined): string[] {
  if (!user) return [];
  return ['setpriv', `--reuid=${user.uid}`, `--regid=${user.gid}`, '--clear-groups', '--'];
}
