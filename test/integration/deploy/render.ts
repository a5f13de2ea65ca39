// deploy/'s chart and kustomizations rendered with the built helm and kubectl, as plain objects.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { binaryPath } from '../../harness/binaries.ts';

export const DEPLOY = fileURLToPath(new URL('../../../deploy/', import.meta.url));
export const CHART = `${DEPLOY}helm/eci-virtual-node`;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Manifest = Record<string, any>;

export interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function run(binary: 'helm' | 'kubectl', args: string[]): Run {
  const r = spawnSync(binaryPath(binary), args, { encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

export function parseManifests(text: string): Manifest[] {
  return parseAllDocuments(text)
    .map((d) => d.toJSON() as Manifest | null)
    .filter((m): m is Manifest => m !== null);
}

/** `helm template` of the chart into `namespace`, with `--set`/`--set-string` style args. */
export function renderChart(args: string[] = [], namespace = 'eci-virtual-node'): Manifest[] {
  const r = run('helm', ['template', 'eci-virtual-node', CHART, '--namespace', namespace, ...args]);
  assert.equal(r.status, 0, r.stderr);
  return parseManifests(r.stdout);
}

/** `kubectl kustomize deploy/<dir>`. */
export function renderKustomize(dir: string): Manifest[] {
  const r = run('kubectl', ['kustomize', DEPLOY + dir]);
  assert.equal(r.status, 0, r.stderr);
  return parseManifests(r.stdout);
}

export function find(objects: Manifest[], kind: string, name: string): Manifest {
  const found = objects.filter((o) => o.kind === kind && o.metadata?.name === name);
  assert.equal(found.length, 1, `one ${kind} ${name}, found ${found.length}`);
  return found[0]!;
}
