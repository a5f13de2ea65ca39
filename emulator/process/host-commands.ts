// Thin shell over the host tools process mode drives (ip, nsenter, unshare).
import { execFile, spawnSync } from 'node:child_process';

/** Runs a host command; rejects with its stderr when it fails. */
export function runHost(cmd: string, args: readonly string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(cmd, args, { timeout: 15_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.join(' ')}: ${String(stderr).trim() || err.message}`));
      else resolve(String(stdout));
    });
    if (input !== undefined) child.stdin?.end(input);
  });
}

/** Like runHost, but failures are ignored (best-effort cleanup). */
export async function tryHost(cmd: string, args: readonly string[]): Promise<void> {
  await runHost(cmd, args).catch(() => undefined);
}

/** Synchronous best-effort, for cleanup on process exit where nothing async runs. */
export function tryHostSync(cmd: string, args: readonly string[]): void {
  spawnSync(cmd, args, { stdio: 'ignore', timeout: 5000 });
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
