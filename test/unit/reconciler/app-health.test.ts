import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { healthAnswer } from '../../../reconciler/app/health-server.ts';
import { reconcilerMetrics, registerLiveGauges } from '../../../reconciler/app/metrics.ts';

const routes = (ready: boolean) => ({
  ready: () => ready,
  metrics: async () => 'm 1\n',
  metricsType: 'text/plain; version=0.0.4',
});

test('each health path answers as the probes and Prometheus expect', async () => {
  const table: [path: string, ready: boolean, status: number, body: string][] = [
    ['/healthz', false, 200, 'ok'],
    ['/readyz', false, 503, 'syncing'],
    ['/readyz', true, 200, 'ok'],
    ['/metrics', false, 200, 'm 1\n'],
    ['/', true, 404, 'not found'],
    ['/healthz/extra', true, 404, 'not found'],
  ];
  for (const [path, ready, status, body] of table) {
    const answer = await healthAnswer(path, routes(ready));
    assert.equal(answer.status, status, path);
    assert.equal(answer.body, body, path);
  }
  assert.equal((await healthAnswer('/metrics', routes(true))).type, 'text/plain; version=0.0.4');
});

test('the live gauges read their parts at scrape time', async () => {
  const registry = new Registry();
  const state = { queue: 3, groups: 7, healthy: true, renewals: 11 };
  registerLiveGauges(registry, {
    queueLength: () => state.queue,
    trackedGroups: () => state.groups,
    providerHealthy: () => state.healthy,
    leaseRenewals: () => state.renewals,
  });
  const metrics = reconcilerMetrics(registry);
  metrics.onCall('CreateContainerGroup', 'ok', 250);
  metrics.operations.inc({ operation: 'created', code: '' });
  const read = async () => {
    const text = await registry.metrics();
    const value = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1]);
    return {
      queue: value('reconciler_queue_depth'),
      groups: value('reconciler_tracked_container_groups'),
      healthy: value('eci_provider_healthy'),
      renewals: value('reconciler_node_lease_renewals'),
      text,
    };
  };
  const first = await read();
  assert.deepEqual([first.queue, first.groups, first.healthy, first.renewals], [3, 7, 1, 11]);
  assert.match(first.text, /eci_api_calls_total\{action="CreateContainerGroup",outcome="ok"\} 1/);
  assert.match(first.text, /eci_api_duration_seconds_sum\{action="CreateContainerGroup"\} 0\.25/);
  assert.match(first.text, /reconciler_operations_total\{operation="created",code=""\} 1/);
  Object.assign(state, { queue: 0, groups: 8, healthy: false, renewals: 12 });
  const second = await read();
  assert.deepEqual([second.queue, second.groups, second.healthy, second.renewals], [0, 8, 0, 12]);
});
