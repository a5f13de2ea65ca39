// The simulated containers' usage: the cumulative CPU counter must grow at the rate the sample
// reports (its slope is the usage), as a real container's cgroup counter does, since
// metrics-server and kubectl top rate the counter, not the instantaneous figure.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { observeActions, usageAt } from '../../../emulator/actions/observe.ts';
import { containerGroupActions } from '../../../emulator/actions/container-groups.ts';
import { EmulatorCore } from '../../../emulator/core.ts';
import { resolveOptions } from '../../../emulator/options.ts';
import { createLogger } from '../../../shared/logger.ts';
import type { ContainerGroup, ContainerRuntime } from '../../../emulator/model.ts';

test('usageAt: the CPU counter is the integral of the reported rate, and never decreases', () => {
  const start = Date.parse('2026-11-30T10:00:00Z');
  const c = { name: 'main', current: { state: 'Running', startTime: start } } as unknown as ContainerRuntime;
  const g = { cpu: 2, memory: 4, containers: [c], request: { Container: [{ Name: 'main', Cpu: 2 }] } };
  const group = g as unknown as ContainerGroup;
  let previous = -1;
  for (const upS of [0, 1, 10, 47, 94, 200, 1000, 3600]) {
    const t = start + upS * 1000;
    const a = usageAt(group, c, t).cpu.UsageCoreNanoSeconds;
    const b = usageAt(group, c, t + 1000).cpu.UsageCoreNanoSeconds;
    const rate = usageAt(group, c, t + 500).cpu.UsageNanoCores;
    assert.ok(Math.abs(b - a - rate) <= rate * 0.01, `at ${upS} s: slope ${b - a} vs rate ${rate}`);
    assert.ok(a >= previous, `at ${upS} s the counter went down`);
    previous = a;
  }
});

test('usageAt: two containers started together move apart (their own phase and growth)', () => {
  const start = Date.parse('2026-11-30T10:00:00Z');
  const mk = (name: string) =>
    ({ name, current: { state: 'Running', startTime: start } }) as unknown as ContainerRuntime;
  const [web, sidecar] = [mk('web'), mk('sidecar')];
  const g = {
    cpu: 2,
    memory: 4,
    containers: [web, sidecar],
    request: {
      Container: [
        { Name: 'web', Cpu: 1 },
        { Name: 'sidecar', Cpu: 1 },
      ],
    },
  } as unknown as ContainerGroup;
  const t = start + 120_000;
  const a = usageAt(g, web, t);
  const b = usageAt(g, sidecar, t);
  assert.notEqual(a.cpu.UsageNanoCores, b.cpu.UsageNanoCores);
  assert.notEqual(a.memory.WorkingSet, b.memory.WorkingSet);
  for (const u of [a, b]) {
    assert.ok(
      u.cpu.UsageNanoCores >= 0.05e9 && u.cpu.UsageNanoCores <= 0.15e9,
      'load stays within 5 % to 15 %',
    );
  }
  assert.equal(usageAt(g, web, start).cpu.UsageCoreNanoSeconds, 0, 'the counter starts at 0');
});

test('DescribeMultiContainerGroupMetric: the figures are those of the whole second its Timestamp names', () => {
  const T0 = Date.parse('2026-11-30T10:00:00Z');
  let now = T0;
  const core = new EmulatorCore(
    resolveOptions({ timing: { schedulingMs: 0, pendingMs: 0 } }),
    createLogger('test', { level: 'silent' }),
    () => now,
  );
  const ctx = { requestId: 'r', host: '127.0.0.1:1', tls: false };
  const id = String(
    containerGroupActions.CreateContainerGroup!(
      core,
      {
        ContainerGroupName: 'grp',
        SecurityGroupId: 'sg-emu',
        VSwitchId: 'vsw-emu-h',
        'Container.1.Name': 'c',
        'Container.1.Image': 'nginx',
        'Container.1.Cpu': '1',
      },
      ctx,
    ).ContainerGroupId,
  );
  const sample = (ms: number) => {
    now = T0 + ms;
    const answer = observeActions.DescribeMultiContainerGroupMetric!(
      core,
      { ContainerGroupIds: JSON.stringify([id]) },
      ctx,
    ) as { MonitorDatas: { Records: { Timestamp: string; CPU: { UsageCoreNanoSeconds: number } }[] }[] };
    const r = answer.MonitorDatas[0]!.Records[0]!;
    return { time: Date.parse(r.Timestamp), counter: r.CPU.UsageCoreNanoSeconds };
  };
  const a = sample(20_000);
  const b = sample(20_999);
  assert.equal(a.time, T0 + 20_000);
  assert.deepEqual(b, a, 'within one second, one sample');
  assert.ok(sample(21_000).counter > a.counter);
});
