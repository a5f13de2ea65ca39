// Runs the e2e binary (or the ginkgo CLI driving it) to its end: its output goes to a log
// file and, when asked, to this process's stdout. Shared by `make conformance` and the
// short subset (`make conformance-subset`).
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';

/** Resolves with the exit code (128 when a signal ended it). */
export function runE2e(command: string, args: string[], logPath: string, echo: boolean): Promise<number> {
  const log = createWriteStream(logPath);
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  // The framework's own progress lines are enough on the terminal.
  if (echo) child.stdout.on('data', (c: Buffer) => process.stdout.write(c));
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1))));
}
