// The secret scan over every captured log of the run: the suite's processes (emulator,
// webhooks, reconcilers) and the control plane's. One table row.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { findSecretLeaks, type SecretHit } from './secret-scan.ts';
import type { ChaosSystem } from './system.ts';
import type { ScenarioRow } from './table.ts';

function logFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.log'))
    .map((f) => join(dir, f));
}

export function secretLeaks(sys: ChaosSystem): { files: number; lines: number; hits: SecretHit[] } {
  const files = [...logFiles(sys.logDir), ...logFiles(sys.cp.dir)];
  let lines = 0;
  const hits: SecretHit[] = [];
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    lines += text.split('\n').length;
    hits.push(...findSecretLeaks(file, text, sys.secretsInUse));
  }
  return { files: files.length, lines, hits };
}

export function scanLogs(sys: ChaosSystem): ScenarioRow {
  const { files, lines, hits } = secretLeaks(sys);
  const where = hits.slice(0, 3).map((h) => `${h.what} in ${h.source.split('/').pop()}:${h.line}`);
  return {
    scenario: 'secrets in logs',
    workload: `${files} log files, ${lines} lines`,
    fault: `grep for the ${sys.secretsInUse.length} AccessKey secrets used and any JWT (ServiceAccount token)`,
    duplicates: 0,
    orphans: 0,
    lost: 0,
    statusMismatches: 0,
    crashes: 0,
    result: hits.length === 0 ? 'ok' : 'FAIL',
    note: hits.length === 0 ? 'no line holds a secret' : `${hits.length} lines: ${where.join(', ')}`,
  };
}
