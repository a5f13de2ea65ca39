// Turns the SDK's flattened parameters (`Container.1.EnvironmentVar.2.Key`) back
// into nested objects, and maps zod issues to the InvalidParameter /
// MissingParameter answers naming the wire field (1-based, like the SDK sends).
import type { z } from 'zod';
import { Errors } from './errors.ts';

type Node = { value?: string; children: Map<string, Node> };

function toValue(node: Node): unknown {
  if (node.children.size === 0) return node.value ?? '';
  const keys = [...node.children.keys()];
  if (keys.every((k) => /^\d+$/.test(k))) {
    // Sparse indices are possible (a null inside an array): keep the order, drop the gaps.
    return keys
      .map(Number)
      .sort((a, b) => a - b)
      .map((k) => toValue(node.children.get(String(k)) as Node));
  }
  const out: Record<string, unknown> = {};
  for (const [k, child] of node.children) out[k] = toValue(child);
  return out;
}

export function unflatten(flat: Record<string, string>): Record<string, unknown> {
  const root: Node = { children: new Map() };
  for (const [key, value] of Object.entries(flat)) {
    let node = root;
    for (const seg of key.split('.')) {
      let next = node.children.get(seg);
      if (!next) {
        next = { children: new Map() };
        node.children.set(seg, next);
      }
      node = next;
    }
    node.value = value;
  }
  const v = toValue(root);
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

/** `['Container', 0, 'Cpu']` → `Container.1.Cpu`. */
export function wirePath(path: readonly PropertyKey[]): string {
  return path.map((p) => (typeof p === 'number' ? String(p + 1) : String(p))).join('.');
}

/** Parses with the schema or throws the matching OpenAPI error. */
export function parseParams<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const name = wirePath(issue?.path ?? []);
  if (issue && issue.code === 'invalid_type' && /received undefined/.test(issue.message)) {
    throw Errors.missingParameter(name);
  }
  throw Errors.invalidParameter(name, issue?.message);
}
