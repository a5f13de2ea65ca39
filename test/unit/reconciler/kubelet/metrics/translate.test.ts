// ECI metric records → the node's snapshot → /stats/summary JSON and /metrics/resource text:
// table tests of the pure translation, with records shaped as the SDK models them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { samplesOf } from '../../../../../reconciler/kubelet/metrics/eci-sample.ts';
import {
  advanceNodeCpu,
  buildSnapshot,
  EMPTY_COUNTER,
  type Snapshot,
} from '../../../../../reconciler/kubelet/metrics/snapshot.ts';
import { metaTime, summaryJson } from '../../../../../reconciler/kubelet/metrics/summary.ts';
import { resourceMetricsText } from '../../../../../reconciler/kubelet/metrics/resource-metrics.ts';
import type { MetricsTarget } from '../../../../../reconciler/kubelet/metrics/targets.ts';

const T0 = Date.parse('2026-11-30T10:00:00.250Z');

function record(o: { at?: number; ns?: number; containers?: [string, number, number][] } = {}) {
  const containers = o.containers ?? [['main', 2_000_000_000, 50 * 2 ** 20]];
  return {
    timestamp: new Date(o.at ?? T0).toISOString(),
    CPU: {
      limit: 1000,
      load: 10,
      usageNanoCores: 100_000_000,
      usageCoreNanoSeconds: o.ns ?? containers.reduce((a, c) => a + c[1], 0),
    },
    memory: {
      availableBytes: 900,
      usageBytes: 60 * 2 ** 20,
      workingSet: containers.reduce((a, c) => a + c[2], 0),
      rss: 40 * 2 ** 20,
      cache: 1,
    },
    network: {
      interfaces: [{ name: 'eth0', rxBytes: 2048, txBytes: 1024, rxErrors: 0, txErrors: 0, rxPackets: 4 }],
    },
    filesystem: [{ fsName: '/dev/vda1', capacity: 30, usage: 10, available: 20 }],
    containers: containers.map(([name, ns, ws]) => ({
      name,
      CPU: { usageNanoCores: 50_000_000, usageCoreNanoSeconds: ns },
      memory: { workingSet: ws, usageBytes: ws + 1 },
    })),
  };
}

function target(
  name: string,
  groupId: string,
  starts: [string, number][] = [['main', T0 - 60_000]],
): MetricsTarget {
  return {
    groupId,
    namespace: 'team-a',
    name,
    uid: `uid-${name}`,
    startMs: T0 - 70_000,
    containerStartMs: new Map(starts),
  };
}

test('samplesOf: the newest record of each group; bad figures dropped alone, timeless records counted', () => {
  const cases: {
    name: string;
    input: unknown[];
    groups: string[];
    unreadable: number;
    check?: (s: ReturnType<typeof samplesOf>) => void;
  }[] = [
    { name: 'empty answer', input: [], groups: [], unreadable: 0 },
    {
      name: 'group without records (not running)',
      input: [{ containerGroupId: 'eci-1', records: [] }],
      groups: [],
      unreadable: 0,
    },
    {
      name: 'newest of two records wins',
      input: [
        { containerGroupId: 'eci-1', records: [record({ at: T0 + 5000, ns: 9 }), record({ at: T0, ns: 5 })] },
      ],
      groups: ['eci-1'],
      unreadable: 0,
      check: (s) => {
        assert.equal(s.samples[0]!.timeMs, T0 + 5000);
        assert.equal(s.samples[0]!.cpu.usageCoreNanoSeconds, 9);
      },
    },
    {
      name: 'record without a time is dropped and counted',
      input: [{ containerGroupId: 'eci-1', records: [{ ...record(), timestamp: 'yesterday' }] }],
      groups: [],
      unreadable: 1,
    },
    {
      name: 'monitor data without a group id is counted',
      input: [{ records: [record()] }, 'garbage', null],
      groups: [],
      unreadable: 3,
    },
    {
      name: 'a negative or non-numeric figure reads as absent, the rest stays',
      input: [
        {
          containerGroupId: 'eci-1',
          records: [
            {
              ...record(),
              CPU: { usageNanoCores: -1, usageCoreNanoSeconds: 'x' },
              memory: { workingSet: 7 },
            },
          ],
        },
      ],
      groups: ['eci-1'],
      unreadable: 0,
      check: (s) => {
        assert.deepEqual(s.samples[0]!.cpu, { usageNanoCores: undefined, usageCoreNanoSeconds: undefined });
        assert.equal(s.samples[0]!.memory.workingSetBytes, 7);
        assert.equal(s.samples[0]!.containers.length, 1);
      },
    },
    {
      name: 'every container of a multi-container group, network and filesystem',
      input: [
        {
          containerGroupId: 'eci-2',
          records: [
            record({
              containers: [
                ['web', 3e9, 100],
                ['sidecar', 1e9, 50],
              ],
            }),
          ],
        },
      ],
      groups: ['eci-2'],
      unreadable: 0,
      check: (s) => {
        const g = s.samples[0]!;
        assert.deepEqual(
          g.containers.map((c) => [c.name, c.cpu.usageCoreNanoSeconds, c.memory.workingSetBytes]),
          [
            ['web', 3e9, 100],
            ['sidecar', 1e9, 50],
          ],
        );
        assert.deepEqual(g.interfaces, [
          { name: 'eth0', rxBytes: 2048, txBytes: 1024, rxErrors: 0, txErrors: 0 },
        ]);
        assert.deepEqual(g.fs, { capacityBytes: 30, usedBytes: 10, availableBytes: 20 });
      },
    },
  ];
  for (const c of cases) {
    const out = samplesOf(c.input);
    assert.deepEqual(
      out.samples.map((s) => s.groupId),
      c.groups,
      c.name,
    );
    assert.equal(out.unreadable, c.unreadable, c.name);
    c.check?.(out);
  }
});

test('advanceNodeCpu: the node counter never goes down as pods come, restart and go', () => {
  const steps: { pods: [string, number][]; still?: string[]; total: number; why: string }[] = [
    { pods: [['a', 100]], total: 100, why: 'a new pod adds its whole counter' },
    {
      pods: [
        ['a', 150],
        ['b', 30],
      ],
      total: 180,
      why: 'a grew by 50, b is new',
    },
    { pods: [['b', 40]], total: 190, why: 'a left: nothing taken back' },
    { pods: [['b', 5]], total: 195, why: 'b restarted (counter reset): its new counter counts' },
    { pods: [], still: ['b'], total: 195, why: 'b missing from a failed batch: remembered' },
    { pods: [['b', 25]], total: 215, why: 'b back: only its growth counts' },
  ];
  let counter = EMPTY_COUNTER;
  for (const s of steps) {
    counter = advanceNodeCpu(
      counter,
      s.pods.map(([uid, v]) => ({ uid, usageCoreNanoSeconds: v })),
      new Set(s.still ?? s.pods.map(([uid]) => uid)),
    );
    assert.equal(counter.totalNanoSeconds, s.total, s.why);
  }
  assert.deepEqual([...counter.byPod.keys()], ['b'], 'only pods still on the node are remembered');
});

function snapshotOf(): Snapshot {
  const { samples } = samplesOf([
    {
      containerGroupId: 'eci-1',
      records: [
        record({
          containers: [
            ['web', 3e9, 100 * 2 ** 20],
            ['sidecar', 1e9, 20 * 2 ** 20],
          ],
        }),
      ],
    },
    { containerGroupId: 'eci-2', records: [record({ at: T0 + 2000 })] },
    { containerGroupId: 'eci-3', records: [] },
  ]);
  return buildSnapshot({
    nodeName: 'virtual-node-eci-0',
    nodeStartMs: T0 - 3_600_000,
    nowMs: T0 + 5000,
    targets: [
      target('web', 'eci-1', [
        ['web', T0 - 60_000],
        ['sidecar', T0 - 59_000],
      ]),
      target('api', 'eci-2'),
      target('pending', 'eci-3'),
    ],
    samples,
    counter: EMPTY_COUNTER,
    errors: 0,
  }).snapshot;
}

test('buildSnapshot: pods with a sample, sorted; node figures summed; node time is the newest sample', () => {
  const s = snapshotOf();
  assert.deepEqual(
    s.pods.map((p) => p.name),
    ['api', 'web'],
    'a target without a sample is left out',
  );
  assert.deepEqual(
    s.pods[1]!.containers.map((c) => [c.name, c.startMs]),
    [
      ['web', T0 - 60_000],
      ['sidecar', T0 - 59_000],
    ],
  );
  assert.equal(s.node.cpu.usageCoreNanoSeconds, 4e9 + 2e9);
  assert.equal(s.node.cpu.usageNanoCores, 2e8);
  assert.equal(s.node.memory.workingSetBytes, 120 * 2 ** 20 + 50 * 2 ** 20);
  assert.equal(s.node.timeMs, T0 + 2000);
});

test('summaryJson: the Summary API shape, names and second-precision times; only_cpu_and_memory drops the rest', () => {
  const j = summaryJson(snapshotOf());
  assert.equal(metaTime(T0), '2026-11-30T10:00:00Z');
  assert.deepEqual(j.node, {
    nodeName: 'virtual-node-eci-0',
    startTime: '2026-11-30T09:00:00Z',
    cpu: { time: '2026-11-30T10:00:02Z', usageNanoCores: 2e8, usageCoreNanoSeconds: 6e9 },
    memory: {
      time: '2026-11-30T10:00:02Z',
      availableBytes: undefined,
      usageBytes: 120 * 2 ** 20,
      workingSetBytes: 170 * 2 ** 20,
      rssBytes: 80 * 2 ** 20,
    },
  });
  const web = JSON.parse(JSON.stringify(j.pods[1])) as Record<string, unknown>;
  assert.deepEqual(web.podRef, { name: 'web', namespace: 'team-a', uid: 'uid-web' });
  assert.equal(web.startTime, '2026-11-30T09:58:50Z');
  assert.deepEqual(web.containers, [
    {
      name: 'web',
      startTime: '2026-11-30T09:59:00Z',
      cpu: { time: '2026-11-30T10:00:00Z', usageNanoCores: 5e7, usageCoreNanoSeconds: 3e9 },
      memory: { time: '2026-11-30T10:00:00Z', usageBytes: 100 * 2 ** 20 + 1, workingSetBytes: 100 * 2 ** 20 },
    },
    {
      name: 'sidecar',
      startTime: '2026-11-30T09:59:01Z',
      cpu: { time: '2026-11-30T10:00:00Z', usageNanoCores: 5e7, usageCoreNanoSeconds: 1e9 },
      memory: { time: '2026-11-30T10:00:00Z', usageBytes: 20 * 2 ** 20 + 1, workingSetBytes: 20 * 2 ** 20 },
    },
  ]);
  assert.deepEqual(web.network, {
    time: '2026-11-30T10:00:00Z',
    name: 'eth0',
    rxBytes: 2048,
    rxErrors: 0,
    txBytes: 1024,
    txErrors: 0,
    interfaces: [{ name: 'eth0', rxBytes: 2048, rxErrors: 0, txBytes: 1024, txErrors: 0 }],
  });
  assert.deepEqual(web['ephemeral-storage'], {
    time: '2026-11-30T10:00:00Z',
    availableBytes: 20,
    capacityBytes: 30,
    usedBytes: 10,
  });
  const lean = summaryJson(snapshotOf(), true).pods[1]!;
  assert.equal('network' in lean, false);
  assert.equal('ephemeral-storage' in lean, false);
});

test('resourceMetricsText: the kubelet families, labels and millisecond timestamps, every container', () => {
  const text = resourceMetricsText(snapshotOf());
  const lines = text.trimEnd().split('\n');
  const families = lines.filter((l) => l.startsWith('# TYPE')).map((l) => l.split(' ').slice(2).join(' '));
  assert.deepEqual(families, [
    'container_cpu_usage_seconds_total counter',
    'container_memory_working_set_bytes gauge',
    'container_start_time_seconds gauge',
    'node_cpu_usage_seconds_total counter',
    'node_memory_working_set_bytes gauge',
    'pod_cpu_usage_seconds_total counter',
    'pod_memory_working_set_bytes gauge',
    'resource_scrape_error gauge',
    'scrape_error gauge',
  ]);
  const series = lines.filter((l) => !l.startsWith('#'));
  const expected = [
    `container_cpu_usage_seconds_total{container="main",namespace="team-a",pod="api"} 2 ${T0 + 2000}`,
    `container_cpu_usage_seconds_total{container="web",namespace="team-a",pod="web"} 3 ${T0}`,
    `container_cpu_usage_seconds_total{container="sidecar",namespace="team-a",pod="web"} 1 ${T0}`,
    `container_memory_working_set_bytes{container="main",namespace="team-a",pod="api"} ${50 * 2 ** 20} ${T0 + 2000}`,
    `container_memory_working_set_bytes{container="web",namespace="team-a",pod="web"} ${100 * 2 ** 20} ${T0}`,
    `container_memory_working_set_bytes{container="sidecar",namespace="team-a",pod="web"} ${20 * 2 ** 20} ${T0}`,
    `container_start_time_seconds{container="main",namespace="team-a",pod="api"} ${(T0 - 60_000) / 1000}`,
    `container_start_time_seconds{container="web",namespace="team-a",pod="web"} ${(T0 - 60_000) / 1000}`,
    `container_start_time_seconds{container="sidecar",namespace="team-a",pod="web"} ${(T0 - 59_000) / 1000}`,
    `node_cpu_usage_seconds_total 6 ${T0 + 2000}`,
    `node_memory_working_set_bytes ${170 * 2 ** 20} ${T0 + 2000}`,
    `pod_cpu_usage_seconds_total{namespace="team-a",pod="api"} 2 ${T0 + 2000}`,
    `pod_cpu_usage_seconds_total{namespace="team-a",pod="web"} 4 ${T0}`,
    `pod_memory_working_set_bytes{namespace="team-a",pod="api"} ${50 * 2 ** 20} ${T0 + 2000}`,
    `pod_memory_working_set_bytes{namespace="team-a",pod="web"} ${120 * 2 ** 20} ${T0}`,
    'resource_scrape_error 0',
    'scrape_error 0',
  ];
  assert.deepEqual([...series].sort(), [...expected].sort());
  assert.match(
    text,
    /^# HELP container_cpu_usage_seconds_total \[STABLE\] Cumulative cpu time consumed by the container in core-seconds$/m,
  );
});

test('resourceMetricsText: unreported figures are left out, not written as 0; errors set the gauges', () => {
  const s = snapshotOf();
  s.pods[0]!.containers[0]!.cpu = {};
  s.pods[0]!.containers[0]!.startMs = undefined;
  s.errors = 2;
  const text = resourceMetricsText(s);
  assert.doesNotMatch(text, /container_cpu_usage_seconds_total\{container="main"/);
  assert.doesNotMatch(text, /container_start_time_seconds\{container="main"/);
  assert.match(text, /^resource_scrape_error 1$/m);
  assert.match(text, /^scrape_error 1$/m);

  const failed = resourceMetricsText(undefined);
  assert.deepEqual(
    failed.split('\n').filter((l) => l && !l.startsWith('#')),
    ['resource_scrape_error 1', 'scrape_error 1'],
  );
});

test('resourceMetricsText: label values are escaped', () => {
  const s = snapshotOf();
  s.pods[0]!.name = 'a"b\\c\nd';
  assert.match(resourceMetricsText(s), /pod="a\\"b\\\\c\\nd"/);
});
