// Runs the integration tests against real control planes, INTEGRATION_SHARDS of them side
// by side (default 3): the files are split longest first onto the least-loaded shard using
// test/integration/durations.json, each shard runs its files one at a time, and one summary
// follows. Every control plane is stopped afterwards, also on failure or Ctrl-C.
// INTEGRATION_UPDATE_DURATIONS=1 stores the measured per-file seconds.
import { globSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { z } from 'zod';
import { startControlPlane, type ControlPlane } from '../test/harness/control-plane.ts';
import { killAllNow } from '../test/harness/process.ts';
import { planShards, usesProcessMode } from './test-integration/plan.ts';
import { mergedDurations, shardResult, summaryText, type ShardResult } from './test-integration/results.ts';
import { runShard, type ShardRun } from './test-integration/shard.ts';

const DURATIONS_FILE = 'test/integration/durations.json';
/** The chaos subset is the longest file: it starts first. */
const startsFirst = (file: string) => file.startsWith('test/integration/chaos/');
const sameShard = (file: string) => usesProcessMode(readFileSync(file, 'utf8'));

const envSchema = z.object({
  INTEGRATION_SHARDS: z.coerce.number().int().min(1).max(8).default(3),
  INTEGRATION_UPDATE_DURATIONS: z.enum(['0', '1']).default('0'),
});
const parsedEnv = envSchema.safeParse(process.env);
if (!parsedEnv.success) {
  for (const issue of parsedEnv.error.issues) console.error(`${issue.path.join('.')}: ${issue.message}`);
  process.exit(2);
}
const env = parsedEnv.data;
const durationsSchema = z.record(z.string(), z.number().nonnegative());

function expand(patterns: string[]): string[] {
  const files = patterns.flatMap((p) => (/[*?[{]/.test(p) ? globSync(p) : [p]));
  return [...new Set(files.map((f) => relative(process.cwd(), f)))].sort();
}

function readDurations(): Record<string, number> {
  try {
    return durationsSchema.parse(JSON.parse(readFileSync(DURATIONS_FILE, 'utf8')));
  } catch (err) {
    console.error(`${DURATIONS_FILE}: ${(err as Error).message}; every file counts the same`);
    return {};
  }
}

const patterns = process.argv.slice(2);
const files = expand(patterns.length > 0 ? patterns : ['test/integration/**/*.test.ts']);
const durations = readDurations();
const shards = planShards({ files, durations, shards: env.INTEGRATION_SHARDS, startsFirst, sameShard });
const runDir = mkdtempSync(join(tmpdir(), 'eci-vn-integration-'));
console.error(
  `${files.length} files on ${shards.length} shard(s): ${shards.map((s, i) => `shard ${i + 1} ${s.files.length} files ~${Math.round(s.seconds)} s`).join(', ')}; logs in ${runDir}`,
);

const started = Date.now();
const planes: ControlPlane[] = [];
const runs: ShardRun[] = [];
let stopping = false;
/**
 * Ctrl-C / SIGTERM stop every shard's runner (their test processes stop theirs), then the
 * control planes stop below; a second one kills everything at once. Called again once the
 * control planes run, since starting them installs the harness's own exit-at-once hooks.
 */
function takeSignals(): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.removeAllListeners(signal);
    process.on(signal, () => {
      if (stopping) {
        killAllNow();
        process.exit(130);
      }
      stopping = true;
      for (const r of runs) r.child.kill(signal);
    });
  }
}
takeSignals();

let results: ShardResult[] = [];
try {
  const ready = await Promise.allSettled(shards.map(() => startControlPlane()));
  for (const r of ready) if (r.status === 'fulfilled') planes.push(r.value);
  const failed = ready.find((r) => r.status === 'rejected');
  if (failed) throw failed.reason;
  takeSignals();
  console.error(`${planes.length} control plane(s) ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  if (!stopping) {
    shards.forEach((shard, i) => {
      const cp = planes[i] as ControlPlane;
      const caFile = join(cp.dir, 'ca.crt');
      writeFileSync(caFile, cp.caPem);
      runs.push(
        runShard({ index: i + 1, files: shard.files, cp, caFile, runDir, prefixed: shards.length > 1 }),
      );
    });
  }
  const done = await Promise.all(runs.map((r) => r.done));
  results = done.map((d, i) => shardResult(i + 1, d.records, d.exitCode, (f) => relative(process.cwd(), f)));
} catch (err) {
  console.error(`integration run failed: ${(err as Error).message}`);
  process.exitCode = 1;
} finally {
  await Promise.all(planes.map((cp) => cp.stop()));
}

console.log(summaryText(results, (Date.now() - started) / 1000));
console.log(`logs: ${runDir}`);
if (env.INTEGRATION_UPDATE_DURATIONS === '1' && results.length > 0) {
  const measured = Object.assign({}, ...results.map((r) => r.seconds)) as Record<string, number>;
  const existing = new Set(expand(['test/integration/**/*.test.ts']));
  writeFileSync(
    DURATIONS_FILE,
    `${JSON.stringify(mergedDurations(durations, measured, existing), null, 2)}\n`,
  );
  console.log(`${DURATIONS_FILE}: ${Object.keys(measured).length} durations stored`);
}
const ok =
  results.length === shards.length && results.every((r) => r.exitCode === 0 && r.failures.length === 0);
process.exit(ok && !process.exitCode ? 0 : 1);
