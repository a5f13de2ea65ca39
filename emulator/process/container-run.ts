// One run of a process-mode container: the start script, the process chain
// (nsenter into the group's network, UTS and IPC namespaces → unshare a mount and PID
// namespace → the script, which execs the command as PID 1), its signals, and
// what its exit means (exit code, termination message).
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { constants } from 'node:os';
import { fileURLToPath } from 'node:url';
import { posix } from 'node:path';
import type { ContainerGroup, ContainerRuntime, LogEntry } from '../model.ts';
import { containerScript, inStartChain, shQuote } from './container-script.ts';
import { containerEnv, volumeMounts } from './group-files.ts';
import { isAlive } from './host-commands.ts';
import { imageBacking, imageCommand, imageFiles, imageLinks, imageUser, shellFor } from './image-table.ts';
import { builtStandIn } from './stand-in-build.ts';
import { agnhostCertMounts } from './agnhost-certs.ts';
import { capabilities, containerUser, readOnlyRoot } from './security-context.ts';
import type { ProbeSpec } from './probes.ts';
import type { GroupSandbox } from './sandbox.ts';
import type { UsageSample } from './usage.ts';

const HTTP_SERVER = fileURLToPath(new URL('./http-server.ts', import.meta.url));
const AGNHOST = fileURLToPath(new URL('./agnhost.ts', import.meta.url));
/** Where the agnhost image has its binary (ENTRYPOINT ["/agnhost"]; the e2e specs also call /agnhost-2). */
const AGNHOST_PATHS = ['/agnhost', '/agnhost-2'];
/** The kubelet's cap on a termination message. */
const MAX_TERMINATION_MESSAGE = 4096;

export interface Run {
  groupId: string;
  containerName: string;
  /** The lifecycle's start time of the run this process belongs to. */
  startTime: number;
  child: ChildProcess;
  pidFile: string;
  termLog: string;
  policy: string;
  hostPid?: number;
  killedWith?: NodeJS.Signals;
  stopping: boolean;
  done: boolean;
  killTimer?: NodeJS.Timeout;
  /** Stops the probes; with `keepReadiness`, all but readiness (a deleted container stopping). */
  stopProbes?: (keepReadiness?: boolean) => void;
  /** Runs before SIGTERM when the container is stopped. */
  preStop?: ProbeSpec | undefined;
  /** CPU/memory samples, oldest first (metrics). */
  samples: UsageSample[];
  closed: Promise<void>;
}

export type ContainerSpec = ContainerGroup['request']['Container'][number];

export function specOf(g: ContainerGroup, c: ContainerRuntime): ContainerSpec | undefined {
  const list = (c.init ? g.request.InitContainer : g.request.Container) as ContainerSpec[] | undefined;
  return list?.find((s) => s.Name === c.name);
}

/** Where the container's command comes from: the request, else the image's default. */
function argvFor(spec: ContainerSpec, podName: string): string[] {
  if (imageBacking(spec.Image) === 'agnhost' && !spec.Command?.length) {
    // ENTRYPOINT ["/agnhost"], CMD ["pause"]: the pod's args replace only the CMD.
    return ['/agnhost', ...(spec.Arg?.length ? spec.Arg : ['pause'])];
  }
  const argv = [...(spec.Command ?? []), ...(spec.Arg ?? [])];
  if (argv.length > 0) return argv;
  if (imageBacking(spec.Image) === 'pause') return [process.execPath, AGNHOST, '/pause', 'pause'];
  if (imageBacking(spec.Image) === 'http') {
    const ports = (spec.Port ?? []).filter((p) => (p.Protocol ?? 'TCP') === 'TCP').map((p) => String(p.Port));
    return [process.execPath, HTTP_SERVER, podName, ...ports];
  }
  return imageCommand(spec.Image); // the shell images' CMD
}

/** The image's own executables (built stand-ins) at its paths; one not built stays missing. */
function imageFileMounts(image: string): { source: string; target: string }[] {
  return imageFiles(image).flatMap((f) => {
    const source = builtStandIn(f.standIn);
    return source ? [{ source, target: f.path }] : [];
  });
}

/** Writes the start script for this run and starts it in the group's namespaces. */
export function launchContainer(
  box: GroupSandbox,
  g: ContainerGroup,
  spec: ContainerSpec,
  name: string,
  startTime: number,
  seq: number,
): Run {
  const dir = box.runDir(name, seq);
  const pidFile = `${dir}/pid`;
  const termLog = `${dir}/termination-log`;
  writeFileSync(termLog, '');
  // World-writable, as the kubelet makes it: a container running as any user writes its message.
  chmodSync(termLog, 0o666);
  // The built-in web server runs on this emulator's node: show both read-only in the container.
  const backing = imageBacking(spec.Image);
  const extraPaths = ['http', 'agnhost', 'pause'].includes(backing) ? [HTTP_SERVER, process.execPath] : [];
  const launchers = backing === 'agnhost' ? agnhostLaunchers(box.dir) : [];
  const script = containerScript({
    containerDir: dir,
    pidFile,
    etcFiles: [
      ...['hosts', 'resolv.conf', 'hostname'].map((f) => ({
        source: `${box.dir}/etc/${f}`,
        target: `/etc/${f}`,
      })),
      ...launchers,
      ...imageFileMounts(spec.Image),
    ],
    mounts: volumeMounts(box.dir, spec.VolumeMount),
    hostPaths: extraPaths.map((p) => p.slice(0, p.lastIndexOf('/')) || '/'),
    terminationLog: { source: termLog, target: spec.TerminationMessagePath || '/dev/termination-log' },
    env: containerEnv(spec.EnvironmentVar, box.hostname, g.intranetIp),
    sh: shellFor(spec.Image, builtStandIn('busybox-ash')),
    links: imageLinks(spec.Image),
    user: containerUser(spec, imageUser(spec.Image)),
    capabilities: capabilities(spec),
    readOnlyRoot: readOnlyRoot(spec),
    workingDir: spec.WorkingDir || '/',
    argv: argvFor(spec, g.name),
  });
  writeFileSync(`${dir}/start.sh`, script);
  const child = spawn(
    'nsenter',
    // setpriv --pdeathsig: unshare (and with --kill-child, the container) dies if the emulator does.
    ['-t', String(box.pausePid), '-n', '-u', '-i', '--', 'setpriv', '--pdeathsig', 'KILL', '--']
      .concat(['unshare', '-m', '-p', '-f', '--kill-child', '--'])
      .concat(['sh', `${dir}/start.sh`]),
    { stdio: [spec.Stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'] },
  );
  return {
    groupId: g.id,
    containerName: name,
    startTime,
    child,
    pidFile,
    termLog,
    policy: spec.TerminationMessagePolicy ?? 'File',
    stopping: false,
    done: false,
    samples: [],
    closed: Promise.resolve(),
  };
}

/** Splits a byte stream into lines (the last, unterminated one on flush). */
export function lineSplitter(onLine: (line: string) => void): { write(d: Buffer): void; flush(): void } {
  let pending = '';
  return {
    write: (d) => {
      pending += d.toString('utf8');
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) onLine(line);
    },
    flush: () => {
      if (pending !== '') onLine(pending);
      pending = '';
    },
  };
}

/** Whether the container's command runs: PID 1 is known and has left the start chain. */
export function commandStarted(run: Run): boolean {
  const pid = readPid(run);
  if (pid === undefined) return false;
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').slice(0, 3);
    return !inStartChain(cmdline, `${posix.dirname(run.pidFile)}/start.sh`);
  } catch {
    return false; // gone: its exit is reported
  }
}

/** The host PID of the container's PID 1, once the start script has written it. */
export function readPid(run: Run): number | undefined {
  if (run.hostPid) return run.hostPid;
  try {
    const pid = Number(readFileSync(run.pidFile, 'utf8').trim());
    if (Number.isInteger(pid) && pid > 0) run.hostPid = pid;
  } catch {
    // not written yet
  }
  return run.hostPid;
}

export function signalRun(run: Run, sig: NodeJS.Signals): void {
  if (run.done) return;
  const pid = readPid(run);
  if (sig === 'SIGKILL') run.killedWith = 'SIGKILL';
  try {
    // Signal PID 1 of the container; before it is known, unshare (--kill-child) takes it down.
    if (pid && isAlive(pid)) process.kill(pid, sig);
    else if (sig === 'SIGKILL') run.child.kill('SIGKILL');
  } catch {
    // already gone
  }
}

/** Pure: the container's exit code (unshare cannot report a PID 1 killed by a signal). */
export function exitCodeOf(
  killedWith: NodeJS.Signals | undefined,
  code: number | null,
  signal: NodeJS.Signals | null,
): number {
  if (killedWith === 'SIGKILL') return 137;
  if (signal) return 128 + (constants.signals[signal] ?? 0);
  return code ?? 1;
}

/** The file at TerminationMessagePath, else (FallbackToLogsOnError, failed) the log's tail. */
export function terminationMessage(run: Run, exitCode: number, logs: readonly LogEntry[]): string {
  let message = '';
  try {
    message = readFileSync(run.termLog, 'utf8').slice(0, MAX_TERMINATION_MESSAGE);
  } catch {
    // no message
  }
  if (message === '' && run.policy === 'FallbackToLogsOnError' && exitCode !== 0) {
    message = logs
      .slice(-80)
      .map((l) => l.text)
      .join('\n')
      .slice(-2048);
  }
  return message;
}

/**
 * The agnhost image's binaries as launchers of the stand-in (agnhost.ts), which gets the name
 * it was called by, as the real binary prints it (`[/agnhost entrypoint-tester …]`), and the
 * image's localhost certificate and key (agnhost-certs.ts).
 */
function agnhostLaunchers(groupDir: string): { source: string; target: string }[] {
  const launcher = `${groupDir}/agnhost-launcher`;
  writeFileSync(launcher, `#!/bin/sh\nexec ${shQuote(process.execPath)} ${shQuote(AGNHOST)} "$0" "$@"\n`, {
    mode: 0o755,
  });
  return [...AGNHOST_PATHS.map((target) => ({ source: launcher, target })), ...agnhostCertMounts(groupDir)];
}
