// bench/heap-summary: where a reconciler's heap goes, from V8 heap snapshots (written by
// bench/scale.ts with SCALE_HEAP_SNAPSHOT=1). One file: live bytes by constructor (the
// snapshot's summary view, self sizes). Two files and a pod count: the growth between them
// by constructor, and the bytes per pod.
// With HEAP_TRACKER=1 and one file: the bytes reachable per tracker entry from its pod (the
// informer's V1Pod), its group record and the rest of the entry (each object counted once,
// for the first entry that reaches it: shared strings are not charged to every pod).
//   node bench/heap-summary.ts AT0.heapsnapshot [AT_N.heapsnapshot PODS]
import { readFileSync } from 'node:fs';

interface Snapshot {
  snapshot: {
    meta: {
      node_fields: string[];
      node_types: [string[], ...unknown[]];
      edge_fields: string[];
      edge_types: [string[], ...unknown[]];
    };
  };
  nodes: number[];
  edges: number[];
  strings: string[];
}

/** Edges not followed when charging objects to an entry: shapes, prototypes, weak and shortcut links. */
const SKIP_EDGE_NAMES = new Set(['map', '__proto__', 'constructor']);
const SKIP_EDGE_TYPES = new Set(['weak', 'shortcut']);

/** Bytes per tracker entry reachable from its pod, its group record and the rest (see the header). */
function trackerSizes(file: string): void {
  const s = JSON.parse(readFileSync(file, 'utf8')) as Snapshot;
  const nf = s.snapshot.meta.node_fields;
  const ef = s.snapshot.meta.edge_fields;
  const width = nf.length;
  const [sizeAt, edgeCountAt] = ['self_size', 'edge_count'].map((f) => nf.indexOf(f)) as [number, number];
  const [eTypeAt, eNameAt, eToAt] = ['type', 'name_or_index', 'to_node'].map((f) => ef.indexOf(f)) as [
    number,
    number,
    number,
  ];
  const eWidth = ef.length;
  const edgeTypes = s.snapshot.meta.edge_types[0];
  const count = s.nodes.length / width;
  const firstEdge = new Uint32Array(count + 1);
  for (let n = 0, e = 0; n < count; n++) {
    firstEdge[n] = e;
    e += s.nodes[n * width + edgeCountAt]! * eWidth;
    firstEdge[n + 1] = e;
  }
  const edgesOf = function* (n: number) {
    for (let e = firstEdge[n]!; e < firstEdge[n + 1]!; e += eWidth) {
      const type = edgeTypes[s.edges[e + eTypeAt]!]!;
      const name = type === 'element' || type === 'hidden' ? '' : s.strings[s.edges[e + eNameAt]!]!;
      yield { type, name, to: s.edges[e + eToAt]! / width };
    }
  };
  // A tracker entry (TrackedPod) is the object with properties uid, seenEvents and create.
  const entries: number[] = [];
  for (let n = 0; n < count; n++) {
    const names = new Set([...edgesOf(n)].filter((e) => e.type === 'property').map((e) => e.name));
    if (names.has('uid') && names.has('seenEvents') && names.has('create')) entries.push(n);
  }
  const seen = new Uint8Array(count);
  const reach = (from: number): number => {
    let bytes = 0;
    const stack = [from];
    while (stack.length) {
      const n = stack.pop()!;
      if (seen[n]) continue;
      seen[n] = 1;
      bytes += s.nodes[n * width + sizeAt]!;
      for (const e of edgesOf(n))
        if (!SKIP_EDGE_TYPES.has(e.type) && !SKIP_EDGE_NAMES.has(e.name) && !seen[e.to]) stack.push(e.to);
    }
    return bytes;
  };
  const totals = { pod: 0, record: 0, rest: 0 };
  for (const n of entries) {
    for (const e of edgesOf(n)) {
      if (e.type !== 'property' || (e.name !== 'pod' && e.name !== 'record')) continue;
      totals[e.name] += reach(e.to);
    }
    totals.rest += reach(n);
  }
  const per = (b: number) => (entries.length ? (b / entries.length).toFixed(0) : '-');
  console.log(
    `tracker entries ${entries.length}: bytes per entry reachable from the pod ${per(totals.pod)}, the group record ${per(totals.record)}, the rest of the entry ${per(totals.rest)}`,
  );
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
if (process.env.HEAP_TRACKER === '1') {
  trackerSizes(first);
  process.exit(0);
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
