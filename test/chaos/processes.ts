// The suite's own child processes (emulator, webhooks, reconcilers): started through the
// harness (own process group, log file, cleaned up on exit), with a record of which exits
// the scenario caused, so every other exit counts as a crash.
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { startProcess, type ManagedProcess } from '../harness/process.ts';

export interface ChaosProcess {
  name: string;
  logFile: string;
  managed: ManagedProcess;
  /** Set before the suite stops or kills it: that exit is not a crash. */
  expectedExit: boolean;
  exitCode?: number | null;
}

export class ProcessBook {
  readonly all: ChaosProcess[] = [];

  start(name: string, command: string, args: string[], logFile: string): ChaosProcess {
    const managed = startProcess(name, command, args, logFile);
    const p: ChaosProcess = { name, logFile, managed, expectedExit: false };
    void managed.exited.then((code) => (p.exitCode = code));
    this.all.push(p);
    return p;
  }

  /** kill -9 of the whole process group: no shutdown hook runs. */
  async kill9(p: ChaosProcess): Promise<void> {
    p.expectedExit = true;
    if (p.managed.child.pid) process.kill(-p.managed.child.pid, 'SIGKILL');
    await p.managed.exited;
  }

  async stop(p: ChaosProcess): Promise<void> {
    p.expectedExit = true;
    await p.managed.stop();
  }

  /** SIGSTOP/SIGCONT: the process keeps its sockets (the kernel still accepts) but answers nothing. */
  freeze(p: ChaosProcess, frozen: boolean): void {
    if (p.managed.child.pid) process.kill(-p.managed.child.pid, frozen ? 'SIGSTOP' : 'SIGCONT');
  }

  /** Processes that exited on their own, with the tail of their log. */
  crashes(): { name: string; code: number | null | undefined; tail: string }[] {
    return this.all
      .filter((p) => !p.expectedExit && p.exitCode !== undefined)
      .map((p) => ({ name: p.name, code: p.exitCode, tail: p.managed.tail(5) }));
  }

  async stopAll(): Promise<void> {
    for (const p of [...this.all].reverse()) await this.stop(p);
  }
}

/** Waits for a JSON log line matching `match` in a log file; returns it. */
export async function waitForLogLine(
  p: ChaosProcess,
  match: (entry: Record<string, unknown>) => boolean,
  timeoutMs = 90_000,
): Promise<Record<string, unknown>> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (p.exitCode !== undefined) throw new Error(`${p.name} exited (${p.exitCode}):\n${p.managed.tail()}`);
    let text = '';
    try {
      text = readFileSync(p.logFile, 'utf8');
    } catch {
      // not written yet
    }
    for (const line of text.split('\n')) {
      if (!line.startsWith('{')) continue;
      try {
        const entry = JSON.parse(line) as Record<string, unknown>;
        if (match(entry)) return entry;
      } catch {
        // a partial line
      }
    }
    await sleep(200);
  }
  throw new Error(`${p.name}: no matching log line in ${timeoutMs} ms:\n${p.managed.tail()}`);
}
