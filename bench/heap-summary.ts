// bench/heap-summary: where a reconciler's heap goes, from V8 heap snapshots (written by
// bench/scale.ts with SCALE_HEAP_SNAPSHOT=1). One file: live bytes by constructor (the
// snapshot's summary view, self sizes). Two files and a pod count: the growth between them
// by constructor, and the bytes per pod.
//   node bench/heap-summary.ts AT0.heapsnapshot [AT_N.heapsnapshot PODS]
import { readFileSync } from 'node:fs';

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

/** Live bytes and object count by "type:name" (objects by constructor, strings and code by type). */
function summarize(file: string): { total: number; by: Map<string, { bytes: number; count: number }> } {
  const s = JSON.parse(readFileSync(file, 'utf8')) as Snapshot;
  const fields = s.snapshot.meta.node_fields;
  const types = s.snapshot.meta.node_types[0];
  const width = fields.length;
  const [typeAt, nameAt, sizeAt] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f));
  const by = new Map<string, { bytes: number; count: number }>();
  let total = 0;
  for (let i = 0; i < s.nodes.length; i += width) {
    const type = types[s.nodes[i + typeAt!]!]!;
    const size = s.nodes[i + sizeAt!]!;
    const name = type === 'object' || type === 'closure' ? s.strings[s.nodes[i + nameAt!]!]! : '';
    const key = name ? `${type}:${name}` : type;
    const row = by.get(key) ?? { bytes: 0, count: 0 };
    row.bytes += size;
    row.count++;
    by.set(key, row);
    total += size;
  }
  return { total, by };
}

const kib = (n: number) => `${(n / 1024).toFixed(0)} KiB`;
const [first, second, pods] = process.argv.slice(2);
if (!first) {
  console.error('usage: node bench/heap-summary.ts AT0.heapsnapshot [AT_N.heapsnapshot PODS]');
  process.exit(2);
}
const a = summarize(first);
if (!second) {
  console.log(`live heap ${kib(a.total)}`);
  const rows = [...a.by].sort((x, y) => y[1].bytes - x[1].bytes).slice(0, 25);
  for (const [k, v] of rows)
    console.log(`  ${kib(v.bytes).padStart(10)} ${String(v.count).padStart(8)}  ${k}`);
} else {
  const b = summarize(second);
  const n = Number(pods ?? 1);
  console.log(
    `live heap ${kib(a.total)} -> ${kib(b.total)}: fixed ${kib(a.total)}, ${((b.total - a.total) / n).toFixed(0)} bytes per pod (${n} pods)`,
  );
  const keys = new Set([...a.by.keys(), ...b.by.keys()]);
  const rows = [...keys]
    .map((k) => {
      const x = a.by.get(k) ?? { bytes: 0, count: 0 };
      const y = b.by.get(k) ?? { bytes: 0, count: 0 };
      return { k, bytes: y.bytes - x.bytes, count: y.count - x.count };
    })
    .sort((x, y) => y.bytes - x.bytes)
    .slice(0, 25);
  console.log('  bytes/pod  objects/pod  what');
  for (const r of rows)
    console.log(`  ${(r.bytes / n).toFixed(0).padStart(9)} ${(r.count / n).toFixed(1).padStart(12)}  ${r.k}`);
}
