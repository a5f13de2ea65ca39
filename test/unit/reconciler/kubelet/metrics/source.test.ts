// The ECI-backed metrics source: one fetch per interval however many ask, shared in-flight
// fetches, 20 ids per call, partial and total failures; and the metric routes on the node.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { MetricsSource } from '../../../../../reconciler/kubelet/metrics/source.ts';
import {
  createNodeMetrics,
  metricsRoute,
  pathLabel,
} from '../../../../../reconciler/kubelet/metrics/node-metrics.ts';
import { metricsTargets, type MetricsTarget } from '../../../../../reconciler/kubelet/metrics/targets.ts';
import { PodTracker, type TrackedPod } from '../../../../../reconciler/tracker.ts';
import { nodeMetricsFor } from '../../../../../reconciler/kubelet/metrics/wiring.ts';

const log = pino({ level: 'silent' });
const T0 = Date.parse('2026-11-30T10:00:00Z');

function targets(n: number): MetricsTarget[] {
  return Array.from({ length: n }, (_, i) => ({
    groupId: `eci-${i}`,
    namespace: 'ns',
    name: `p${i}`,
    uid: `u${i}`,
    containerStartMs: new Map([['main', T0 - 60_000]]),
  }));
}

function answer(ids: string[], at = T0) {
  return ids.map((id) => ({
    containerGroupId: id,
    records: [
      {
        timestamp: new Date(at).toISOString(),
        CPU: { usageNanoCores: 1e8, usageCoreNanoSeconds: 5e9 },
        memory: { workingSet: 1e6 },
        containers: [{ name: 'main', CPU: { usageCoreNanoSeconds: 5e9 }, memory: { workingSet: 1e6 } }],
      },
    ],
  }));
}

function fixture(n: number, fail: (ids: string[]) => boolean = () => false) {
  let now = T0;
  const calls: string[][] = [];
  let release: () => void = () => {};
  let gate: Promise<void> | undefined;
  const source = new MetricsSource({
    nodeName: 'vn',
    targets: () => targets(n),
    fetch: async (ids) => {
      calls.push(ids);
      if (gate) await gate;
      if (fail(ids)) throw Object.assign(new Error('boom'), { code: 'Throttling.User' });
      return answer(ids, now);
    },
    intervalMs: 10_000,
    log,
    now: () => now,
  });
  return {
    source,
    calls,
    advance: (ms: number) => (now += ms),
    hold: () => (gate = new Promise<void>((r) => (release = r))),
    release: () => {
      gate = undefined;
      release();
    },
  };
}

test('one fetch per interval: askers within it share the snapshot; the next interval asks again', async () => {
  const f = fixture(3);
  const a = await f.source.snapshot();
  const b = await f.source.snapshot();
  assert.equal(f.calls.length, 1);
  assert.equal(a, b);
  f.advance(9_999);
  await f.source.snapshot();
  assert.equal(f.calls.length, 1, 'still within the interval');
  f.advance(1);
  const c = await f.source.snapshot();
  assert.equal(f.calls.length, 2);
  assert.notEqual(c, a);
});

test('concurrent askers share one in-flight fetch', async () => {
  const f = fixture(3);
  f.hold();
  const asks = Array.from({ length: 25 }, () => f.source.snapshot());
  await new Promise((r) => setImmediate(r));
  assert.equal(f.calls.length, 1);
  f.release();
  const got = await Promise.all(asks);
  assert.equal(new Set(got).size, 1);
  assert.equal(got[0]!.pods.length, 3);
});

test('20 ids per call, each group asked once', async () => {
  const f = fixture(45);
  const s = await f.source.snapshot();
  assert.deepEqual(
    f.calls.map((c) => c.length).sort((x, y) => x - y),
    [5, 20, 20],
  );
  assert.equal(new Set(f.calls.flat()).size, 45);
  assert.equal(s.pods.length, 45);
  assert.equal(s.errors, 0);
});

test('a failed call: the other groups still answer and the snapshot counts the error', async () => {
  const f = fixture(25, (ids) => ids.includes('eci-0'));
  const s = await f.source.snapshot();
  assert.equal(s.pods.length, 5);
  assert.equal(s.errors, 1);
});

test('every call failed: the snapshot rejects with ECI error, and the failure is cached for the interval', async () => {
  const f = fixture(2, () => true);
  await assert.rejects(f.source.snapshot(), /Throttling\.User: boom/);
  await assert.rejects(f.source.snapshot(), /Throttling\.User/);
  assert.equal(f.calls.length, 1, 'a failing ECI is not asked again within the interval');
});

test('no pods: no ECI call, an empty snapshot', async () => {
  const f = fixture(0);
  const s = await f.source.snapshot();
  assert.equal(f.calls.length, 0);
  assert.deepEqual(s.pods, []);
  assert.equal(s.node.cpu.usageCoreNanoSeconds, 0);
});

test('metricsTargets: only live pods whose group ECI reports Running; container starts from ECI first', () => {
  const pod = (name: string, extra: Partial<TrackedPod> = {}, status = 'Running'): TrackedPod => ({
    uid: `u-${name}`,
    seenEvents: new Set(),
    create: { noStock: 0, failures: 0, referenceWaits: 0 },
    pod: {
      metadata: { name, namespace: 'ns', uid: `u-${name}` },
      status: {
        startTime: new Date(T0 - 5000),
        containerStatuses: [
          {
            name: 'a',
            image: 'x',
            imageID: '',
            ready: true,
            restartCount: 0,
            state: { running: { startedAt: new Date(T0 - 4000) } },
          },
          {
            name: 'b',
            image: 'x',
            imageID: '',
            ready: true,
            restartCount: 0,
            state: { running: { startedAt: new Date(T0 - 4000) } },
          },
        ],
      },
    },
    record: {
      id: `eci-${name}`,
      group: {
        status,
        containers: [
          { name: 'a', currentState: { state: 'Running', startTime: new Date(T0 - 3500).toISOString() } },
        ],
      },
    },
    ...extra,
  });
  const out = metricsTargets([
    pod('run'),
    pod('pending', {}, 'Pending'),
    pod('succeeded', {}, 'Succeeded'),
    pod('gone', { record: { id: 'eci-gone', gone: true, group: { status: 'Running' } } }),
    pod('deleting', { record: { id: 'eci-del', deleteRequested: true, group: { status: 'Running' } } }),
    pod('no-group', { record: undefined }),
    pod('no-pod', { pod: undefined }),
  ]);
  assert.deepEqual(
    out.map((t) => t.name),
    ['run'],
  );
  assert.equal(out[0]!.startMs, T0 - 5000);
  assert.deepEqual(
    [...out[0]!.containerStartMs],
    [
      ['a', T0 - 3500],
      ['b', T0 - 4000],
    ],
  );
});

test('metricsRoute and pathLabel: the three metric paths, nothing else', () => {
  const routes: [string, ReturnType<typeof metricsRoute>][] = [
    ['/stats/summary', { kind: 'summary', onlyCpuAndMemory: false }],
    ['/stats/summary?only_cpu_and_memory=true', { kind: 'summary', onlyCpuAndMemory: true }],
    ['/stats/summary?only_cpu_and_memory=1', { kind: 'summary', onlyCpuAndMemory: false }],
    ['/stats/summary/', { kind: 'summary', onlyCpuAndMemory: false }],
    ['/metrics/resource', { kind: 'resource' }],
    ['/metrics', { kind: 'prometheus' }],
    ['/metrics/cadvisor', undefined],
    ['/metrics/probes', undefined],
    ['/stats', undefined],
    ['/containerLogs/ns/p/c', undefined],
  ];
  for (const [url, want] of routes) assert.deepEqual(metricsRoute(url), want, url);
  const labels: [string, string][] = [
    ['/containerLogs/ns/p/c?follow=true', 'containerLogs'],
    ['/stats/summary', 'stats'],
    ['/metrics/resource', 'metrics'],
    ['/exec/ns/p/c', 'exec'],
    ['/x/../../etc', 'other'],
    ['/', 'other'],
  ];
  for (const [url, want] of labels) assert.equal(pathLabel(url), want, url);
});

test('node metrics: summary JSON, resource text, 405 on other methods, 500 / error gauges when ECI fails', async () => {
  let failing = false;
  const m = createNodeMetrics({
    nodeName: 'vn',
    targets: () => targets(2),
    fetch: async (ids) => {
      if (failing) throw new Error('down');
      return answer(ids);
    },
    intervalMs: 0,
    log,
  });
  assert.equal(m.answer('GET', '/containerLogs/a/b/c'), undefined);
  const summary = await m.answer('GET', '/stats/summary')!;
  assert.equal(summary.status, 200);
  assert.equal(summary.headers?.['content-type'], 'application/json');
  const parsed = JSON.parse(summary.body.toString()) as { node: { nodeName: string }; pods: unknown[] };
  assert.equal(parsed.node.nodeName, 'vn');
  assert.equal(parsed.pods.length, 2);

  const resource = await m.answer('GET', '/metrics/resource')!;
  assert.equal(resource.status, 200);
  assert.match(resource.headers?.['content-type'] ?? '', /^text\/plain; version=0\.0\.4/);
  assert.match(
    resource.body.toString(),
    /^container_cpu_usage_seconds_total\{container="main",namespace="ns",pod="p1"\} 5 /m,
  );

  const post = await m.answer('POST', '/metrics/resource')!;
  assert.equal(post.status, 405);

  failing = true;
  const failedSummary = await m.answer('GET', '/stats/summary')!;
  assert.equal(failedSummary.status, 500);
  assert.match(failedSummary.body.toString(), /down/);
  const failedResource = await m.answer('GET', '/metrics/resource')!;
  assert.equal(failedResource.status, 200);
  assert.match(failedResource.body.toString(), /^resource_scrape_error 1$/m);

  const prom = await m.answer('GET', '/metrics')!;
  assert.equal(prom.status, 200);
  assert.match(
    prom.body.toString(),
    /^eci_node_metric_calls_total\{outcome="ok",program="reconciler-kubelet-api"\} 2$/m,
  );
  assert.match(
    prom.body.toString(),
    /^eci_node_metric_calls_total\{outcome="error",program="reconciler-kubelet-api"\} 2$/m,
  );
});

test('nodeMetricsFor: the pods of the served nodes with a Running group, measured in one call', async () => {
  const tracker = new PodTracker({ clusterId: 'c', nodes: new Set(['vn-0', 'vn-1']), wake: () => {} });
  const add = (name: string, node: string, status: string) => {
    const uid = `uid-${name}`;
    tracker.setPod({ metadata: { name, namespace: 'ns', uid }, spec: { nodeName: node, containers: [] } });
    tracker.bindGroup(uid, `eci-${name}`, { containerGroupId: `eci-${name}`, status });
  };
  add('a', 'vn-0', 'Running');
  add('b', 'vn-1', 'Running');
  add('c', 'other-node', 'Running');
  add('d', 'vn-0', 'Pending');
  const asked: string[][] = [];
  const m = nodeMetricsFor({
    tracker,
    provider: {
      groupMetrics: async (ids) => {
        asked.push(ids);
        return answer(ids);
      },
    },
    nodeNames: ['vn-0', 'vn-1'],
    log,
  });
  const reply = await m.answer('GET', '/stats/summary')!;
  const summary = JSON.parse(reply.body.toString()) as {
    node: { nodeName: string };
    pods: { podRef: { name: string } }[];
  };
  assert.deepEqual(
    asked.map((ids) => [...ids].sort()),
    [['eci-a', 'eci-b']],
  );
  assert.equal(summary.node.nodeName, 'vn-0');
  assert.deepEqual(
    summary.pods.map((p) => p.podRef.name),
    ['a', 'b'],
  );
});
