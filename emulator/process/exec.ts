// Exec into a process-mode container: nsenter joins the container's mount, UTS,
// IPC, network and PID namespaces, its root and working directory, and the command
// runs with the container's environment and user (read from its PID 1).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { WebSocket } from 'ws';
import { capabilitiesFromStatus, privilegeArgs, type ContainerUser } from './security-context.ts';

const SYNC_TIMEOUT_MS = 10_000;

/** The container's environment, as its PID 1 has it. */
export function environOf(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').filter(Boolean);
  } catch {
    return [];
  }
}

/** Who the container's PID 1 is: its user and group when not root, its capabilities when not all. */
export interface ContainerIdentity {
  user?: ContainerUser | undefined;
  capabilities?: string[] | undefined;
}

export function identityOf(pid: number): ContainerIdentity {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return { user: userFromStatus(status), capabilities: capabilitiesFromStatus(status) };
  } catch {
    return {};
  }
}

/** Pure: the real uid and gid of a /proc/PID/status, undefined for root:root. */
export function userFromStatus(status: string): ContainerUser | undefined {
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0);
  const user = { uid: field('Uid'), gid: field('Gid') };
  return user.uid === 0 && user.gid === 0 ? undefined : user;
}

/** Pure: nsenter's arguments for running argv in the container whose PID 1 is `pid` (as it runs). */
export function nsenterArgs(
  pid: number,
  environ: readonly string[],
  argv: readonly string[],
  who: ContainerIdentity = {},
): string[] {
  return [
    ...['-t', String(pid), '-m', '-u', '-i', '-n', '-p', '-r', '-w', '--'],
    ...privilegeArgs(who.user, who.capabilities),
    ...['env', '-i', ...environ, ...argv],
  ];
}

/** Runs to completion (ExecContainerCommand with Sync): stdout then stderr, and the exit code. */
export function execSync(pid: number, argv: readonly string[]): { output: string; exitCode: number } {
  const r = spawnSync('nsenter', nsenterArgs(pid, environOf(pid), argv, identityOf(pid)), {
    encoding: 'utf8',
    timeout: SYNC_TIMEOUT_MS,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return { output: `${r.stdout ?? ''}${r.stderr ?? ''}`, exitCode: r.status ?? 137 };
}

/**
 * Binds a running command to the exec WebSocket the way the modelled protocol does:
 * frames in are stdin (for an interactive shell a line each), stdout and stderr go out as text frames,
 * and the socket closes with reason `exit <code>` when the command ends.
 */
export function execOverWebSocket(
  ws: WebSocket,
  pid: number,
  argv: readonly string[],
  stdin: 'lines' | 'bytes' | 'none',
): void {
  const child: ChildProcess = spawn('nsenter', nsenterArgs(pid, environOf(pid), argv, identityOf(pid)), {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  if (stdin === 'none') child.stdin?.end();
  child.stdin?.on('error', () => undefined); // the command may exit before reading what was sent
  const send = (d: Buffer) => {
    if (ws.readyState === ws.OPEN) ws.send(d.toString('utf8'));
  };
  child.stdout?.on('data', send);
  child.stderr?.on('data', send);
  ws.on('message', (data) => {
    if (!child.stdin?.writable) return;
    const bytes = Array.isArray(data)
      ? Buffer.concat(data)
      : Buffer.isBuffer(data)
        ? data
        : Buffer.from(data);
    // An empty message ends the input (the command sees end-of-file), as docs/kubelet-api.md models ECI's socket.
    if (bytes.length === 0) {
      child.stdin.end();
      return;
    }
    // An interactive shell reads lines (one message each, as in the simulation); other commands get the bytes as sent.
    const line = stdin === 'lines' && bytes.at(-1) !== 0x0a;
    child.stdin.write(line ? Buffer.concat([bytes, Buffer.from('\n')]) : bytes);
  });
  ws.on('close', () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  child.once('error', (e) => {
    if (ws.readyState === ws.OPEN) ws.close(1011, e.message.slice(0, 100));
  });
  child.once('close', (code, signal) => {
    const exit = code ?? (signal ? 128 + 9 : 1);
    if (ws.readyState === ws.OPEN) ws.close(1000, `exit ${exit}`);
  });
}
