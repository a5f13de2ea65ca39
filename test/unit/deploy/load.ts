// Reads deploy/ manifests as plain objects for the deploy unit tests.
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Manifest = Record<string, any>;

const DEPLOY = new URL('../../../deploy/', import.meta.url);

/** Every document of deploy/<file>, as JSON. */
export function loadManifests(file: string): Manifest[] {
  return parseAllDocuments(readFileSync(new URL(file, DEPLOY), 'utf8'))
    .map((d) => d.toJSON() as Manifest | null)
    .filter((m): m is Manifest => m !== null);
}

export function one(manifests: Manifest[], kind: string, name?: string, namespace?: string): Manifest {
  const found = manifests.filter(
    (m) =>
      m.kind === kind &&
      (name === undefined || m.metadata?.name === name) &&
      (namespace === undefined || m.metadata?.namespace === namespace),
  );
  if (found.length !== 1)
    throw new Error(`expected one ${kind} ${namespace ?? ''}/${name ?? ''}, found ${found.length}`);
  return found[0]!;
}

/** The value of `--flag=value` in a container's args. */
export function flag(args: string[], name: string): string | undefined {
  const prefix = `--${name}=`;
  return args.find((a) => a.startsWith(prefix))?.slice(prefix.length);
}

/**
 * A container's environment as the kubelet would give it to replica 0 of `workload`: plain
 * values as written, downward-API fields resolved (pod name, namespace, a pod IP).
 */
export function containerEnv(workload: Manifest, container: Manifest): Record<string, string> {
  const fields: Record<string, string> = {
    'metadata.name': `${workload.metadata.name}-0`,
    'metadata.namespace': workload.metadata.namespace,
    'status.podIP': '10.0.0.1',
  };
  return Object.fromEntries(
    ((container.env ?? []) as Manifest[]).map((e) => {
      const field = e.valueFrom?.fieldRef?.fieldPath as string | undefined;
      const value = e.value ?? (field !== undefined ? fields[field] : undefined);
      if (value === undefined) throw new Error(`env ${e.name}: no value the test can resolve`);
      return [e.name, value];
    }),
  );
}
