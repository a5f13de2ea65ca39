// Which images run as real processes in process mode. No registry is reachable,
// so an image name maps onto something this machine already has. The one table,
// documented in emulator/README.md ("Process mode").
import type { StandInName } from './stand-in-build.ts';

/** An image whose name contains this fails to pull, in every mode. */
export const IMAGE_PULL_FAILURE_MARKER = 'does-not-exist';

export type ImageBacking =
  /** The host userland (sh, cat, env, ls, …) runs the container's command. */
  | 'shell'
  /** A small built-in HTTP server listens on the declared ports (the image's default command). */
  | 'http'
  /** Kubernetes' e2e image agnhost: a stand-in for the subcommands the node specs run (agnhost.ts). */
  | 'agnhost'
  /** The pause image: sleeps until stopped (agnhost.ts's pause). */
  | 'pause'
  /** The pull fails (ErrImagePull ↔ ImagePullBackOff), as in simulation mode. */
  | 'pull-fails'
  /** Unknown image: the scripted simulation (emulator/simulation.ts). */
  | 'simulated';

/** Repository base name (no registry host, no tag or digest) → backing. */
const IMAGE_TABLE: ReadonlyArray<{ names: readonly string[]; backing: ImageBacking }> = [
  {
    names: [
      'busybox',
      'alpine',
      'debian',
      'ubuntu',
      'centos',
      'fedora',
      'rockylinux',
      'almalinux',
      'bash',
      // Kubernetes' e2e image with glibc's resolver and a shell (the hostname specs run `sh -c`).
      'glibc-dns-testing',
      // Kubernetes' e2e image nonroot: Debian with USER 1234 (imageUser).
      'nonroot',
      // Kubernetes' e2e image nonewprivs: alpine with a setuid-root nnp as its CMD (IMAGE_FILES).
      'nonewprivs',
    ],
    backing: 'shell',
  },
  { names: ['nginx', 'httpd'], backing: 'http' },
  { names: ['agnhost'], backing: 'agnhost' },
  { names: ['pause'], backing: 'pause' },
];

/** `registry.example.com:5000/library/nginx:1.25@sha256:…` → `nginx`. */
export function imageBaseName(image: string): string {
  const noDigest = image.split('@')[0] ?? '';
  const last = noDigest.split('/').pop() ?? '';
  return (last.split(':')[0] ?? '').toLowerCase();
}

export function imageBacking(image: string): ImageBacking {
  if (image.includes(IMAGE_PULL_FAILURE_MARKER)) return 'pull-fails';
  const base = imageBaseName(image);
  for (const row of IMAGE_TABLE) if (row.names.includes(base)) return row.backing;
  return 'simulated';
}

/** Images whose /bin/sh is BusyBox's ash: busybox, alpine and the e2e images built on alpine. */
const ASH_IMAGES = ['busybox', 'alpine', 'nonewprivs'];

/**
 * The host file a shell image's `/bin/sh` is, or undefined for the host's own. busybox and
 * alpine have ash, which passes variables whose names are not identifiers (`data-1`, allowed
 * since Kubernetes 1.34) on to the commands it runs: they get upstream ash built once
 * (`builtAsh`, stand-in-build.ts; Debian's busybox is patched to drop such names), else bash,
 * which keeps them too but whose messages are not ash's (the read-only rootfs spec compares
 * `/bin/sh: can't create /file: Read-only file system`). The host's dash drops them.
 */
export function shellFor(image: string, builtAsh?: string): string | undefined {
  return ASH_IMAGES.includes(imageBaseName(image)) ? (builtAsh ?? 'bash') : undefined;
}

/** busybox's applets at paths the host userland has elsewhere (the sysctl specs run `/bin/sysctl`). */
const BUSYBOX_LINKS = [{ path: '/bin/sysctl', target: '/usr/sbin/sysctl' }];

/** Links a shell image gets in its overlay so that its own absolute paths work. */
export function imageLinks(image: string): { path: string; target: string }[] {
  return ASH_IMAGES.includes(imageBaseName(image)) ? BUSYBOX_LINKS : [];
}

/** Executables an image has and the host lacks: a built stand-in shown at the image's path. */
const IMAGE_FILES: Readonly<Record<string, readonly { path: string; standIn: StandInName }[]>> = {
  nonewprivs: [{ path: '/usr/local/bin/nnp', standIn: 'nnp' }],
};

export function imageFiles(image: string): readonly { path: string; standIn: StandInName }[] {
  return IMAGE_FILES[imageBaseName(image)] ?? [];
}

/** A shell image's CMD (what runs when the request has no command): `sh` unless listed. */
const IMAGE_COMMANDS: Readonly<Record<string, readonly string[]>> = { nonewprivs: ['nnp'] };

export function imageCommand(image: string): string[] {
  return [...(IMAGE_COMMANDS[imageBaseName(image)] ?? ['sh'])];
}

/** The images' own USER (a Dockerfile's USER line), by base name; root for the others. */
const IMAGE_USERS: Readonly<Record<string, number>> = { nonroot: 1234 };

/** The uid an image runs its command as when the request names no RunAsUser. */
export function imageUser(image: string): number {
  return IMAGE_USERS[imageBaseName(image)] ?? 0;
}
