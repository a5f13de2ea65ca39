// Starts webhook/main.ts as a child process (the real program, real flags) and waits
// for its "listening" log line.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../../../webhook/main.ts', import.meta.url));

export interface WebhookProcess {
  child: ChildProcess;
  port: number;
  /** Every JSON log line so far. */
  logs: Array<Record<string, unknown>>;
  /** Sends SIGTERM and resolves with the exit code. */
  stop(): Promise<number | null>;
}

/** Flags every webhook under test shares: served on loopback with a self-managed certificate for 127.0.0.1. */
export function localWebhookArgs(o: {
  kubeconfigPath: string;
  port: number;
  namespace: string;
  configName: string;
}): string[] {
  return [
    '--kubeconfig',
    o.kubeconfigPath,
    '--host',
    '127.0.0.1',
    '--port',
    String(o.port),
    '--namespace',
    o.namespace,
    '--cert-hosts',
    '127.0.0.1',
    '--webhook-config-name',
    o.configName,
  ];
}

export async function startWebhook(args: string[], timeoutMs = 60_000): Promise<WebhookProcess> {
  const child = spawn(process.execPath, [MAIN, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, LOG_LEVEL: 'debug' },
  });
  const logs: Array<Record<string, unknown>> = [];
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`webhook did not start in ${timeoutMs} ms: ${stderr}`)),
      timeoutMs,
    );
    createInterface({ input: child.stdout! }).on('line', (line) => {
      try {
        const entry = JSON.parse(line) as Record<string, unknown>;
        logs.push(entry);
        if (entry.msg === 'listening' && typeof entry.port === 'number') {
          clearTimeout(timer);
          resolve(entry.port);
        }
      } catch {
        // not a log line
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`webhook exited with ${code} before listening: ${stderr}`));
    });
  });
  return {
    child,
    port,
    logs,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}
