// One process-mode container group on the host: a "pause" process holding the
// group's network, IPC and UTS namespaces (hostname and sysctls set), a veth from the emulator's
// bridge as its eth0, and a directory with the group's /etc files and volumes.
// destroy() leaves none of them behind.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { ContainerGroup } from '../model.ts';
import { hostnameOf, hostsFile, resolvConf, volumeFiles } from './group-files.ts';
import type { HostBridge, Subnet } from './network.ts';
import { sysctlWrites } from './sysctls.ts';
import { writeAgnhostCerts } from './agnhost-certs.ts';
import { imageBacking } from './image-table.ts';

function hostResolvConf(): string {
  try {
    return readFileSync('/etc/resolv.conf', 'utf8');
  } catch {
    return '';
  }
}

const DIR_PREFIX = 'eci-emu-';

/** Removes group directories of emulators that died without cleaning up (kill -9). */
export function reapStaleGroupDirs(alive: (pid: number) => boolean): string[] {
  const stale = readdirSync(tmpdir()).filter((d) => {
    const owner = new RegExp(`^${DIR_PREFIX}(\\d+)-eci-`).exec(d)?.[1];
    return owner !== undefined && !alive(Number(owner));
  });
  for (const d of stale) rmSync(join(tmpdir(), d), { recursive: true, force: true });
  return stale;
}

function writeGroupFiles(dir: string, g: ContainerGroup): void {
  mkdirSync(join(dir, 'etc'), { recursive: true });
  writeFileSync(join(dir, 'etc/hosts'), hostsFile(g.request, g.intranetIp));
  writeFileSync(join(dir, 'etc/resolv.conf'), resolvConf(g.request, hostResolvConf()));
  writeFileSync(join(dir, 'etc/hostname'), `${hostnameOf(g.request)}\n`);
  const vols = volumeFiles(g.request);
  for (const d of vols.dirs) {
    mkdirSync(join(dir, d), { recursive: true });
    chmodSync(join(dir, d), 0o777); // emptyDir is world-writable, as the kubelet makes it
  }
  for (const f of vols.files) {
    mkdirSync(dirname(join(dir, f.path)), { recursive: true });
    writeFileSync(join(dir, f.path), f.content);
    chmodSync(join(dir, f.path), f.mode & 0o7777);
  }
}

function startPause(hostname: string): Promise<ChildProcess> {
  // --pdeathsig: if the emulator dies without cleaning up (kill -9), the pause process dies with it.
  const child = spawn(
    'setpriv',
    ['--pdeathsig', 'KILL', '--', 'unshare', '--net', '--uts', '--ipc'].concat([
      'sh',
      '-c',
      'hostname "$1" && echo ready && exec sleep infinity',
      'pause',
      hostname,
    ]),
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  return new Promise((resolve, reject) => {
    let err = '';
    child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout?.once('data', () => resolve(child));
    child.once('exit', (code) => reject(new Error(`pause process exited (${code}): ${err.trim()}`)));
    child.once('error', reject);
  });
}

/** Writes the group's sysctls inside the pause process's network and IPC namespaces. */
function applySysctls(pausePid: number, g: ContainerGroup): void {
  for (const w of sysctlWrites(g.request.SecurityContext?.Sysctl)) {
    const r = spawnSync(
      'nsenter',
      [
        '-t',
        String(pausePid),
        '-n',
        '-i',
        '--',
        'sh',
        '-c',
        'printf %s "$2" >"$1"',
        'sysctl',
        w.path,
        w.value,
      ],
      { encoding: 'utf8', timeout: 10_000 },
    );
    if (r.status !== 0) throw new Error(`sysctl ${w.path}=${w.value}: ${(r.stderr || 'failed').trim()}`);
  }
}

export class GroupSandbox {
  private hostEnd: string | undefined;
  /** The request the files were written from (UpdateContainerGroup replaces it). */
  private request: ContainerGroup['request'] | undefined;
  private destroyed = false;

  readonly dir: string;
  readonly hostname: string;
  private readonly pause: ChildProcess;
  private readonly bridge: HostBridge;

  private constructor(dir: string, hostname: string, pause: ChildProcess, bridge: HostBridge) {
    this.dir = dir;
    this.hostname = hostname;
    this.pause = pause;
    this.bridge = bridge;
  }

  get pausePid(): number {
    return this.pause.pid ?? -1;
  }

  static async create(g: ContainerGroup, bridge: HostBridge, subnet: Subnet): Promise<GroupSandbox> {
    const dir = mkdtempSync(join(tmpdir(), `${DIR_PREFIX}${process.pid}-${g.id}-`));
    const hostname = hostnameOf(g.request);
    try {
      writeGroupFiles(dir, g);
      const containers = [...g.request.Container, ...(g.request.InitContainer ?? [])];
      if (containers.some((c) => imageBacking(c.Image) === 'agnhost')) await writeAgnhostCerts(dir);
    } catch (e) {
      rmSync(dir, { recursive: true, force: true });
      throw e;
    }
    let pause: ChildProcess;
    try {
      pause = await startPause(hostname);
    } catch (e) {
      rmSync(dir, { recursive: true, force: true });
      throw e;
    }
    const box = new GroupSandbox(dir, hostname, pause, bridge);
    box.request = g.request;
    try {
      applySysctls(box.pausePid, g);
      box.hostEnd = await bridge.attach(box.pausePid, g.intranetIp, subnet);
    } catch (e) {
      await box.destroy();
      throw e;
    }
    return box;
  }

  /** After UpdateContainerGroup: the /etc files and volume contents from the new request. */
  refresh(g: ContainerGroup): void {
    if (this.request === g.request) return;
    writeGroupFiles(this.dir, g);
    this.request = g.request;
  }

  /** A fresh directory for one run of a container (its overlay, PID file, termination log). */
  runDir(containerName: string, run: number): string {
    const d = join(this.dir, 'containers', `${containerName}.${run}`);
    mkdirSync(d, { recursive: true });
    return d;
  }

  async destroy(): Promise<void> {
    if (this.destroyed) return;
    this.destroyed = true;
    const exited = new Promise<void>((resolve) => {
      if (this.pause.exitCode !== null || this.pause.signalCode !== null) resolve();
      else this.pause.once('exit', () => resolve());
    });
    this.pause.kill('SIGKILL');
    await exited;
    // The veth dies with the namespace; deleting it too covers a namespace something else still holds.
    if (this.hostEnd) await this.bridge.detach(this.hostEnd);
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Synchronous last resort on emulator exit. */
  destroySync(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.pause.kill('SIGKILL');
    rmSync(this.dir, { recursive: true, force: true });
  }
}
