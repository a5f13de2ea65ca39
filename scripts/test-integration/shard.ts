// One shard of an integration run: `node --test` over its files, one at a time, against
// its own control plane. The spec output goes to <runDir>/shard-N.log and to the console
// (each line prefixed with [shard N] when shards run side by side); the reporter's records
// go to <runDir>/shard-N.jsonl for the summary.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { ENV } from '../../test/harness/shared.ts';
import type { ControlPlane } from '../../test/harness/control-plane.ts';
import { parseRecords } from './results.ts';
import type { ReporterRecord } from './reporter.ts';

const REPORTER = fileURLToPath(new URL('./reporter.ts', import.meta.url));

export interface ShardRun {
  child: ChildProcess;
  done: Promise<{ exitCode: number; records: ReporterRecord[] }>;
}

export function runShard(o: {
  index: number;
  files: string[];
  cp: ControlPlane;
  caFile: string;
  runDir: string;
  /** Prefix console lines with [shard N] (several shards share the console). */
  prefixed: boolean;
}): ShardRun {
  const logFile = join(o.runDir, `shard-${o.index}.log`);
  const recordsFile = join(o.runDir, `shard-${o.index}.jsonl`);
  const child = spawn(
    process.execPath,
    [
      '--test',
      '--test-concurrency=1',
      '--test-timeout=600000',
      '--test-reporter=spec',
      '--test-reporter-destination=stdout',
      `--test-reporter=${REPORTER}`,
      `--test-reporter-destination=${recordsFile}`,
      ...o.files,
    ],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        [ENV.kubeconfig]: o.cp.kubeconfigPath,
        [ENV.caFile]: o.caFile,
        [ENV.kubectl]: o.cp.kubectlPath,
      },
    },
  );
  const log = createWriteStream(logFile);
  const prefix = o.prefixed ? `[shard ${o.index}] ` : '';
  const streams = [child.stdout, child.stderr].map(
    (input) =>
      new Promise<void>((resolve) => {
        const lines = createInterface({ input });
        lines.on('line', (line) => {
          log.write(`${line}\n`);
          process.stdout.write(`${prefix}${line}\n`);
        });
        lines.once('close', resolve);
      }),
  );
  const done = (async () => {
    const exitCode = await new Promise<number>((resolve) => {
      child.once('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
      child.once('error', () => resolve(1));
    });
    await Promise.all(streams);
    await new Promise<void>((resolve) => log.end(resolve));
    let text = '';
    try {
      text = readFileSync(recordsFile, 'utf8');
    } catch {
      // the runner died before writing any record
    }
    return { exitCode, records: parseRecords(text) };
  })();
  return { child, done };
}
