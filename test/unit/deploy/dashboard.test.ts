// deploy/grafana/eci-virtual-node.json charts only what the programs export (issue 15): every
// metric a query names is one the programs register (found in their sources, every
// `new Counter|Gauge|Histogram|Summary({ name, labelNames })` under reconciler/, webhook/ and
// shared/, plus the default process metrics of shared/metrics.ts), every label a query selects
// or groups by is one that metric has (or one Prometheus adds to a scraped target), and a
// query filtered to one program uses that program's metrics.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRegistry } from '../../../shared/metrics.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

interface Family {
  type: string;
  labels: Set<string>;
  /** Where it is defined: reconciler, webhook, or shared (both). */
  owner: 'reconciler' | 'webhook' | 'shared';
}

/** Pure: the metric definitions of one source file. */
function definitionsIn(source: string): { name: string; type: string; labels: string[] }[] {
  const out: { name: string; type: string; labels: string[] }[] = [];
  for (const m of source.matchAll(/new (Counter|Gauge|Histogram|Summary)(?:<[^>]*>)?\(\{/g)) {
    // The object literal, by brace depth.
    let depth = 0;
    let end = m.index + m[0].length - 1;
    for (; end < source.length; end++) {
      if (source[end] === '{') depth++;
      else if (source[end] === '}' && --depth === 0) break;
    }
    const literal = source.slice(m.index, end);
    const name = /\bname: '([a-zA-Z_:][\w:]*)'/.exec(literal)?.[1];
    assert.ok(name, `a metric without a literal name: ${literal.slice(0, 80)}`);
    const labels = /\blabelNames: \[([^\]]*)\]/.exec(literal)?.[1] ?? '';
    out.push({
      name,
      type: m[1]!.toLowerCase(),
      labels: [...labels.matchAll(/'([^']+)'/g)].map((l) => l[1]!),
    });
  }
  return out;
}

function catalog(): Map<string, Family> {
  const families = new Map<string, Family>();
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts')) {
        const owner = relative(ROOT, path).split('/')[0] as Family['owner'];
        for (const d of definitionsIn(readFileSync(path, 'utf8')))
          families.set(d.name, { type: d.type, labels: new Set(d.labels), owner });
      }
    }
  };
  for (const dir of ['reconciler', 'webhook', 'shared']) walk(join(ROOT, dir));
  // The default process and Node.js metrics every program's registry collects.
  const registry = createRegistry('test');
  for (const name of registry.getMetricsAsArray().map((m) => m.name)) {
    const metric = registry.getSingleMetric(name) as unknown as { labelNames?: string[] };
    families.set(name, { type: 'default', labels: new Set(metric.labelNames ?? []), owner: 'shared' });
  }
  return families;
}

/** Labels every series has: the registries' default label, and what Prometheus adds to a scraped target. */
const ALWAYS = new Set([
  'program',
  'job',
  'instance',
  'namespace',
  'pod',
  'service',
  'container',
  'endpoint',
]);
const PROMQL_WORDS = new Set([
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'and',
  'or',
  'unless',
  'bool',
  'offset',
]);

interface Selector {
  metric: string;
  matchers: { label: string; value: string }[];
}

/** Pure: the series selectors of a PromQL expression and the labels it groups by. */
function parseQuery(expr: string): { selectors: Selector[]; groupBy: string[] } {
  const selectors: Selector[] = [];
  const groupBy: string[] = [];
  for (const g of expr.matchAll(/\b(?:by|without|on|ignoring)\s*\(([^)]*)\)/g))
    groupBy.push(
      ...g[1]!
        .split(',')
        .map((l) => l.trim())
        .filter(Boolean),
    );
  const bare = expr.replace(/\b(?:by|without|on|ignoring)\s*\([^)]*\)/g, ' ').replace(/\[[^\]]*\]/g, ' ');
  for (const m of bare.matchAll(/([a-zA-Z_:][\w:]*)\s*(\{[^}]*\})?(\s*\()?/g)) {
    const [, name, braces, call] = m;
    if (call || PROMQL_WORDS.has(name!) || /^\d/.test(name!)) continue;
    const matchers = [...(braces ?? '').matchAll(/(\w+)\s*(?:=~|!~|!=|=)\s*"([^"]*)"/g)].map((x) => ({
      label: x[1]!,
      value: x[2]!,
    }));
    selectors.push({ metric: name!, matchers });
  }
  return { selectors, groupBy };
}

/** The family a series name belongs to (a histogram's `_bucket`, `_sum`, `_count`). */
function familyOf(
  families: Map<string, Family>,
  series: string,
): { name: string; family: Family; extra: string[] } | undefined {
  const direct = families.get(series);
  if (direct) return { name: series, family: direct, extra: [] };
  const m = /^(.*)_(bucket|sum|count)$/.exec(series);
  const family = m && families.get(m[1]!);
  if (!family || !['histogram', 'summary', 'default'].includes(family.type)) return undefined;
  return { name: m[1]!, family, extra: m[2] === 'bucket' ? ['le'] : [] };
}

const dashboard = JSON.parse(readFileSync(join(ROOT, 'deploy/grafana/eci-virtual-node.json'), 'utf8')) as {
  panels: { title: string; type: string; targets?: { expr: string }[] }[];
};
const queries = dashboard.panels.flatMap((p) =>
  (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr })),
);

describe('the Grafana dashboard', () => {
  // Read in a hook, not while the suite is built: an assertion thrown there would be printed
  // but not counted as a failure by the test runner (Node 24.9), and the run would pass.
  let families = new Map<string, Family>();
  before(() => {
    families = catalog();
  });

  test('the catalog holds the metrics operators chart (the scan works)', () => {
    for (const name of [
      'workqueue_depth',
      'controller_runtime_reconcile_total',
      'eci_api_calls_total',
      'eci_webhook_admissions_total',
      'process_cpu_seconds_total',
    ])
      assert.ok(families.has(name), name);
    assert.deepEqual(parseQuery('sum by (le, action) (rate(x_bucket{program="r",a!="b"}[5m])) - time()'), {
      selectors: [
        {
          metric: 'x_bucket',
          matchers: [
            { label: 'program', value: 'r' },
            { label: 'a', value: 'b' },
          ],
        },
      ],
      groupBy: ['le', 'action'],
    });
  });

  test('every query names only exported metrics, and only labels they have', () => {
    assert.ok(queries.length >= 20);
    const problems: string[] = [];
    for (const { panel, expr } of queries) {
      const { selectors, groupBy } = parseQuery(expr);
      if (selectors.length === 0) problems.push(`${panel}: no metric in ${expr}`);
      const labels = new Set<string>(ALWAYS);
      for (const s of selectors) {
        const found = familyOf(families, s.metric);
        if (!found) {
          problems.push(`${panel}: ${s.metric} is not exported by any program`);
          continue;
        }
        const own = new Set([...found.family.labels, ...found.extra, ...ALWAYS]);
        for (const l of [...found.family.labels, ...found.extra]) labels.add(l);
        for (const { label, value } of s.matchers) {
          if (!own.has(label)) problems.push(`${panel}: ${s.metric} has no label ${label}`);
          if (label === 'program') {
            const owner =
              value === 'eci-webhook' ? 'webhook' : value === 'reconciler' ? 'reconciler' : undefined;
            if (!owner) problems.push(`${panel}: no program is called ${value}`);
            else if (found.family.owner !== owner && found.family.owner !== 'shared')
              problems.push(`${panel}: ${s.metric} is the ${found.family.owner}'s, not the ${owner}'s`);
          }
        }
      }
      for (const l of groupBy)
        if (!labels.has(l)) problems.push(`${panel}: grouped by ${l}, which no selected metric has`);
    }
    assert.deepEqual(problems, []);
  });

  test("docs/operations.md's metrics table lists exactly the metrics the programs define", () => {
    const doc = readFileSync(join(ROOT, 'docs/operations.md'), 'utf8');
    const listed = [
      ...doc.matchAll(/^\| `([a-z_:][a-z0-9_:]*)` +\| (?:counter|gauge|histogram|summary) /gm),
    ].map((m) => m[1]!);
    const defined = [...families].filter(([, f]) => f.type !== 'default').map(([name]) => name);
    assert.deepEqual(
      listed.filter((n) => !families.has(n)),
      [],
      'listed but not defined',
    );
    assert.deepEqual(
      defined.filter((n) => !listed.includes(n)),
      [],
      'defined but not listed',
    );
  });

  test('panels are unique by id and title, each with a query', () => {
    const charts = dashboard.panels.filter((p) => p.type !== 'row');
    assert.equal(new Set(charts.map((p) => p.title)).size, charts.length);
    for (const p of charts) assert.ok((p.targets ?? []).length > 0, p.title);
  });
});
