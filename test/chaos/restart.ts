// Restarts one process of a running control plane (kube-apiserver or etcd) with the same
// command line, data and port. The harness keeps its processes to itself, so the process
// is found among this process's children by its command line (Linux /proc), stopped,
// and started again through the harness; the replacement is stopped by stopRestarted().
import { readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { binaryPath } from '../harness/binaries.ts';
import { startProcess, type ManagedProcess } from '../harness/process.ts';

type Component = 'kube-apiserver' | 'etcd';

const replacements = new Map<string, ManagedProcess>();

function argvOf(pid: number): string[] | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').slice(0, -1);
  } catch {
    return undefined;
  }
}

function parentOf(pid: number): number | undefined {
  try {
    // "pid (comm) state ppid ...": comm may hold spaces, so split after the last ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

/** The pid and argv of this process's child running `component` for the control plane in `dir`. */
function findChild(component: Component, dir: string): { pid: number; argv: string[] } | undefined {
  const binary = binaryPath(component);
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || parentOf(pid) !== process.pid) continue;
    const argv = argvOf(pid);
    if (argv?.[0] === binary && argv.some((a) => a.includes(dir))) return { pid, argv };
  }
  return undefined;
}

async function gone(pid: number): Promise<void> {
  for (;;) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    // A zombie until the harness reaps it: that counts as gone (and so does a reaped one).
    const stat = (() => {
      try {
        return readFileSync(`/proc/${pid}/stat`, 'utf8');
      } catch {
        return ') Z ';
      }
    })();
    if (stat.includes(') Z ')) return;
    await sleep(100);
  }
}

/**
 * Stops `component` (SIGTERM, as a node's process manager would), keeps it down for
 * `downMs`, and starts it again; resolves when its health endpoint answers via `ready`.
 */
export async function restartComponent(
  component: Component,
  controlPlaneDir: string,
  downMs: number,
  ready: () => Promise<boolean>,
): Promise<void> {
  const previous = replacements.get(component);
  const found = previous
    ? { pid: previous.child.pid!, argv: [previous.child.spawnfile, ...previous.child.spawnargs.slice(1)] }
    : findChild(component, controlPlaneDir);
  if (!found) throw new Error(`no ${component} child process of this process for ${controlPlaneDir}`);
  if (previous) await previous.stop();
  else {
    process.kill(found.pid, 'SIGTERM');
    await gone(found.pid);
  }
  await sleep(downMs);
  const logFile = `${controlPlaneDir}/${component}.log`;
  const next = startProcess(component, found.argv[0]!, found.argv.slice(1), logFile);
  replacements.set(component, next);
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (next.child.exitCode !== null) throw new Error(`${component} exited after restart:\n${next.tail()}`);
    if (await ready().catch(() => false)) return;
    await sleep(250);
  }
  throw new Error(`${component} not ready 120 s after restart:\n${next.tail()}`);
}

/** Stops the restarted processes (before the control plane's own stop). */
export async function stopRestarted(): Promise<void> {
  for (const p of replacements.values()) await p.stop();
  replacements.clear();
}
