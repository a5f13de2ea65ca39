// Pure: the files a process-mode group gets from its create request — /etc/hosts,
// /etc/resolv.conf, /etc/hostname, and its volumes' contents — and, per container,
// the bind mounts and environment that make up what the process sees.
import { posix } from 'node:path';
import type { CreateContainerGroupParams } from '../validate-create.ts';

export interface FileToWrite {
  /** Relative to the group's directory. */
  path: string;
  content: Buffer;
  mode: number;
}

/** The pod's hostname: the request's HostName when given, else the group name (63 bytes max). */
export function hostnameOf(p: CreateContainerGroupParams): string {
  const asked = typeof p.HostName === 'string' && p.HostName !== '' ? p.HostName : p.ContainerGroupName;
  return asked.slice(0, 63).replace(/-+$/, '');
}

export function hostsFile(p: CreateContainerGroupParams, ip: string): string {
  const lines = [
    '# Kubernetes-managed hosts file (eci-emulator process mode).',
    '127.0.0.1\tlocalhost',
    '::1\tlocalhost ip6-localhost ip6-loopback',
    `${ip}\t${hostnameOf(p)}`,
  ];
  const aliases = (p.HostAliase ?? []).filter((a) => a.Ip && (a.Hostname?.length ?? 0) > 0);
  if (aliases.length > 0) {
    lines.push('', '# Entries added by HostAliases.');
    for (const a of aliases) lines.push(`${a.Ip}\t${(a.Hostname ?? []).join('\t')}`);
  }
  return `${lines.join('\n')}\n`;
}

/** The request's DnsConfig; without one (or without name servers) the host's resolv.conf. */
export function resolvConf(p: CreateContainerGroupParams, hostResolvConf: string): string {
  const dns = p.DnsConfig;
  if (!dns || ((dns.NameServer?.length ?? 0) === 0 && (dns.Search?.length ?? 0) === 0)) {
    return hostResolvConf;
  }
  const lines: string[] = [];
  for (const ns of dns.NameServer ?? []) lines.push(`nameserver ${ns}`);
  if ((dns.Search?.length ?? 0) > 0) lines.push(`search ${(dns.Search ?? []).join(' ')}`);
  const opts = (dns.Option ?? [])
    .filter((o) => o.Name)
    .map((o) => (o.Value ? `${o.Name}:${o.Value}` : (o.Name as string)));
  if (opts.length > 0) lines.push(`options ${opts.join(' ')}`);
  return `${lines.join('\n')}\n`;
}

/** A path inside a volume that stays inside it (no absolute paths, no `..`). */
function safeRelative(path: string): string | undefined {
  const norm = posix.normalize(path).replace(/^\/+/, '');
  if (norm === '' || norm === '.' || norm.startsWith('..')) return undefined;
  return norm;
}

/** Every volume's directory and files, under `volumes/<name>/`. */
export function volumeFiles(p: CreateContainerGroupParams): { dirs: string[]; files: FileToWrite[] } {
  const dirs: string[] = [];
  const files: FileToWrite[] = [];
  for (const v of p.Volume ?? []) {
    const dir = `volumes/${v.Name}`;
    dirs.push(dir);
    if (v.Type !== 'ConfigFileVolume') continue; // emptyDir (and NFS/Disk/Flex stand-ins) start empty
    const cfg = v.ConfigFileVolume;
    for (const f of cfg?.ConfigFileToPath ?? []) {
      const rel = safeRelative(f.Path);
      if (!rel) continue;
      files.push({
        path: `${dir}/${rel}`,
        // ECI carries ConfigFile contents base64-encoded.
        content: Buffer.from(f.Content ?? '', 'base64'),
        mode: f.Mode ?? cfg?.DefaultMode ?? 0o644,
      });
    }
  }
  return { dirs, files };
}

export interface BindMount {
  /** Absolute host path. */
  source: string;
  /** Absolute path inside the container. */
  target: string;
  readOnly: boolean;
}

interface MountSpec {
  Name: string;
  MountPath: string;
  ReadOnly?: boolean | undefined;
  SubPath?: string | undefined;
}

/** The container's volume mounts as bind mounts from the group directory. */
export function volumeMounts(groupDir: string, mounts: readonly MountSpec[] | undefined): BindMount[] {
  return (mounts ?? []).map((m) => {
    const sub = m.SubPath ? safeRelative(m.SubPath) : undefined;
    return {
      source: posix.join(groupDir, 'volumes', m.Name, sub ?? ''),
      target: posix.normalize(`/${m.MountPath}`).replace(/(.)\/+$/, '$1'),
      readOnly: m.ReadOnly === true,
    };
  });
}

export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** The one FieldRef ECI resolves at run time (docs/eci-api.md): the group's address. */
const POD_IP_FIELD = 'status.podIP';

/**
 * The environment exactly as requested, plus what a container runtime always sets (PATH,
 * HOSTNAME). A `FieldRef` of status.podIP becomes the group's IntranetIp, as ECI fills it in.
 */
export function containerEnv(
  envVars:
    | readonly {
        Key: string;
        Value?: string | undefined;
        FieldRef?: { FieldPath?: string | undefined } | undefined;
      }[]
    | undefined,
  hostname: string,
  podIp: string,
): [string, string][] {
  const out: [string, string][] = [];
  const seen = new Set<string>();
  for (const e of envVars ?? []) {
    if (e.Key.includes('=')) continue;
    const value = e.FieldRef?.FieldPath === POD_IP_FIELD ? podIp : (e.Value ?? '');
    out.push([e.Key, value]);
    seen.add(e.Key);
  }
  if (!seen.has('PATH')) out.unshift(['PATH', DEFAULT_PATH]);
  if (!seen.has('HOSTNAME')) out.push(['HOSTNAME', hostname]);
  return out;
}
