// Pure: the shell script that turns a fresh mount + PID namespace into the
// container's view — the host's root filesystem as a read-only lower layer under
// a tmpfs overlay (writes stay in the container), /proc of its own PID namespace,
// the group's /etc files and volumes bind-mounted, then exec of the command with
// exactly the requested environment and working directory.
import { posix } from 'node:path';
import type { BindMount } from './group-files.ts';
import { privilegeArgs, type ContainerUser } from './security-context.ts';

const DEVICES = ['null', 'zero', 'full', 'random', 'urandom', 'tty'];

/** Single-quotes a word for sh. */
export function shQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

export interface ContainerLaunch {
  /** Per-container host directory (overlay upper layer, root mount point). */
  containerDir: string;
  /** Host file the script writes its host PID into (the container's PID 1). */
  pidFile: string;
  etcFiles: { source: string; target: string }[];
  mounts: BindMount[];
  /** Host paths shown read-only at the same path (e.g. the built-in HTTP server's runtime). */
  hostPaths: string[];
  terminationLog: { source: string; target: string };
  env: [string, string][];
  /** When set, the container's /bin/sh is this host shell: a name is linked, a path copied (image-table.ts shellFor says why). */
  sh?: string | undefined;
  /** Links made in the overlay (an image's own paths the host has elsewhere, e.g. busybox's /bin/sysctl). */
  links?: { path: string; target: string }[] | undefined;
  /** RunAsUser/RunAsGroup: the command runs as this uid and gid (else as root). */
  user?: ContainerUser | undefined;
  /** The capabilities the command keeps (its bounding set); undefined: all (privileged). */
  capabilities?: readonly string[] | undefined;
  /** ReadOnlyRootFilesystem: the root and its /tmp and /run are read-only; volumes, /dev and the /etc files are not. */
  readOnlyRoot?: boolean | undefined;
  workingDir: string;
  argv: string[];
}

export function containerScript(l: ContainerLaunch): string {
  const q = shQuote;
  const root = `${l.containerDir}/root`;
  const upper = `${l.containerDir}/rw`;
  const at = (target: string) => q(`${root}${target}`);
  const lines = [
    'set -e',
    'mount --make-rprivate /',
    `mkdir -p ${q(root)} ${q(upper)}`,
    `mount -t tmpfs -o mode=0755 tmpfs ${q(upper)}`,
    `mkdir -p ${q(`${upper}/upper`)} ${q(`${upper}/work`)}`,
    `mount -t overlay overlay -o ${q(`lowerdir=/,upperdir=${upper}/upper,workdir=${upper}/work`)} ${q(root)}`,
    `mount -t proc proc ${at('/proc')}`,
    // A private /dev with the usual devices (writes there must not reach the host's /dev).
    `mount -t tmpfs -o mode=0755 tmpfs ${at('/dev')}`,
    `touch ${DEVICES.map((d) => at(`/dev/${d}`)).join(' ')}`,
    ...DEVICES.map((d) => `mount --bind /dev/${d} ${at(`/dev/${d}`)}`),
    `mkdir -p ${at('/dev/shm')} ${at('/dev/pts')}`,
    `mount -t tmpfs -o mode=1777 tmpfs ${at('/dev/shm')}`,
    `ln -s /proc/self/fd ${at('/dev/fd')}`,
    `ln -s /proc/self/fd/0 ${at('/dev/stdin')}; ln -s /proc/self/fd/1 ${at('/dev/stdout')}; ln -s /proc/self/fd/2 ${at('/dev/stderr')}`,
    `mount --rbind /sys ${at('/sys')}`,
    `mount -t tmpfs -o mode=1777 tmpfs ${at('/tmp')}`,
    `mount -t tmpfs -o mode=0755 tmpfs ${at('/run')}`,
  ];
  // In the overlay's upper layer: the host's own /bin/sh stays as it is.
  // A path (a built shell in the cache, which a non-root user may not reach) is copied in.
  if (l.sh?.startsWith('/')) lines.push(`cp --remove-destination ${q(l.sh)} ${at('/bin/sh')}`);
  else if (l.sh) lines.push(`ln -sf ${q(l.sh)} ${at('/bin/sh')}`);
  for (const link of l.links ?? []) lines.push(`ln -sf ${q(link.target)} ${at(link.path)}`);
  for (const p of l.hostPaths) {
    lines.push(`mkdir -p ${at(p)}`, `mount --bind ${q(p)} ${at(p)}`, `mount -o remount,bind,ro ${at(p)}`);
  }
  // Single files (/etc/hosts, …, the termination log): one mkdir and one touch for all, then a bind each.
  // Each command is a fork, and these scripts run on every container start.
  const files = [...l.etcFiles, l.terminationLog];
  lines.push(`mkdir -p ${files.map((f) => at(posix.dirname(f.target))).join(' ')}`);
  lines.push(`touch ${files.map((f) => at(f.target)).join(' ')}`);
  for (const f of files) lines.push(`mount --bind ${q(f.source)} ${at(f.target)}`);
  for (const m of l.mounts) {
    // A SubPath may name a file; the mount point must then be a file too. A SubPath that does
    // not exist yet is made as a directory inside the volume, as the kubelet does.
    lines.push(
      `[ -e ${q(m.source)} ] || mkdir -p ${q(m.source)}`,
      `if [ -d ${q(m.source)} ]; then mkdir -p ${at(m.target)}; else mkdir -p "$(dirname ${at(m.target)})"; touch ${at(m.target)}; fi`,
      `mount --bind ${q(m.source)} ${at(m.target)}`,
    );
    if (m.readOnly) lines.push(`mount -o remount,bind,ro ${at(m.target)}`);
  }
  lines.push(`mkdir -p ${at(l.workingDir)}`, 'cd /');
  if (l.readOnlyRoot) {
    // Only these mounts change: the bind mounts on top of them keep their own flags.
    for (const p of ['', '/tmp', '/run']) lines.push(`mount -o remount,bind,ro ${q(`${root}${p}`)}`);
  }
  // Written last, so a known PID means the container is set up (exec, probes and hooks may enter it).
  // Read by the shell itself, so /proc/self is this process: PID 1 of the new namespace, seen from the host.
  lines.push(`read -r hostpid _ </proc/self/stat; echo "$hostpid" >${q(l.pidFile)}`);
  const env = l.env.map(([k, v]) => q(`${k}=${v}`)).join(' ');
  const user = privilegeArgs(l.user, l.capabilities).map(q);
  lines.push(
    ['exec chroot', q(root), ...user, 'env -i -C', q(l.workingDir), env, l.argv.map(q).join(' ')]
      .filter(Boolean)
      .join(' '),
  );
  return `${lines.join('\n')}\n`;
}

/**
 * Pure: whether a container's PID 1 (its /proc/PID/cmdline) is still a link of the start chain
 * this script ends in (`sh start.sh` → chroot → setpriv → `env -i -C`), i.e. has not exec'd the
 * container's command yet. A runtime reports a container running once its command runs.
 */
export function inStartChain(cmdline: readonly string[], startScript: string): boolean {
  const [first, second, third] = cmdline;
  if (first === undefined) return true; // not readable yet
  if (first === 'sh' && second === startScript) return true;
  if (first === 'chroot' || first === 'setpriv') return true;
  return first === 'env' && second === '-i' && third === '-C';
}
