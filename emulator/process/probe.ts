// Can this machine run process mode? Root, Linux namespaces, overlayfs and the
// host tools it drives. Probed once when the emulator starts.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

export type ProbeResult = { ok: true } | { ok: false; reason: string };

function works(cmd: string, args: string[]): boolean {
  const r = spawnSync(cmd, args, { stdio: 'ignore', timeout: 10_000 });
  return r.status === 0;
}

export function probeProcessMode(): ProbeResult {
  if (process.platform !== 'linux')
    return { ok: false, reason: `platform is ${process.platform}, not linux` };
  if (process.getuid?.() !== 0) return { ok: false, reason: 'not running as root' };
  for (const tool of ['ip', 'nsenter', 'unshare', 'setpriv', 'chroot', 'mount']) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' }).status !== 0) {
      return { ok: false, reason: `${tool} is not installed` };
    }
  }
  if (!works('unshare', ['--net', '--uts', '--ipc', '--mount', '--pid', '--fork', 'true'])) {
    return { ok: false, reason: 'unshare cannot create net/uts/ipc/mount/pid namespaces' };
  }
  let filesystems = '';
  try {
    filesystems = readFileSync('/proc/filesystems', 'utf8');
  } catch {
    // treated as missing below
  }
  if (!/\toverlay$/m.test(filesystems)) return { ok: false, reason: 'the kernel has no overlayfs' };
  if (!works('env', ['-C', '/', 'true']))
    return { ok: false, reason: 'env has no -C (GNU coreutils ≥ 8.28)' };
  return { ok: true };
}
