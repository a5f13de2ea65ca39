// A named WorkQueue reports controller-runtime's metrics (reconciler/workqueue-metrics.ts):
// workqueue_*{name} from the queue, controller_runtime_reconcile_*{controller} from runWorkers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { runWorkers, TerminalError, WorkQueue } from '../../../reconciler/workqueue.ts';

async function value(registry: Registry, metric: string, labels: Record<string, string>): Promise<number> {
  // A histogram's `_count` series is read from the histogram.
  const family = metric.replace(/_count$/, '');
  const m = await registry.getSingleMetric(family)!.get();
  const found = m.values.find(
    (v) =>
      ((v as { metricName?: string }).metricName ?? family) === metric &&
      Object.entries(labels).every(([k, x]) => v.labels[k] === x),
  );
  return found?.value ?? Number.NaN;
}

test('adds (deduplicated), depth, queue and work durations', async () => {
  const registry = new Registry();
  const q = new WorkQueue<string>({ metrics: { name: 'pod', registry } });
  q.add('a');
  q.add('b');
  q.add('a'); // already waiting: not an add
  assert.equal(await value(registry, 'workqueue_adds_total', { name: 'pod' }), 2);
  assert.equal(await value(registry, 'workqueue_depth', { name: 'pod' }), 2);
  const a = await q.get();
  assert.equal(await value(registry, 'workqueue_depth', { name: 'pod' }), 1);
  assert.equal(await value(registry, 'workqueue_queue_duration_seconds_count', { name: 'pod' }), 1);
  // Added again while being processed: one add, re-queued by done() without a second one.
  q.add(a!);
  q.done(a!);
  assert.equal(await value(registry, 'workqueue_adds_total', { name: 'pod' }), 3);
  assert.equal(await value(registry, 'workqueue_work_duration_seconds_count', { name: 'pod' }), 1);
  assert.equal(await value(registry, 'workqueue_depth', { name: 'pod' }), 2);
});

test('unfinished work and the longest running processor grow while a key is processed, and fall to 0 after', async () => {
  const registry = new Registry();
  const q = new WorkQueue<string>({ metrics: { name: 'pod', registry } });
  q.add('slow');
  const key = await q.get();
  await new Promise((resolve) => setTimeout(resolve, 30));
  assert.ok((await value(registry, 'workqueue_unfinished_work_seconds', { name: 'pod' })) > 0);
  assert.ok((await value(registry, 'workqueue_longest_running_processor_seconds', { name: 'pod' })) > 0);
  q.done(key!);
  assert.equal(await value(registry, 'workqueue_unfinished_work_seconds', { name: 'pod' }), 0);
  assert.equal(await value(registry, 'workqueue_longest_running_processor_seconds', { name: 'pod' }), 0);
});

test('runWorkers: one reconcile per pass by result; errors and retries counted; every series starts at 0', async () => {
  const registry = new Registry();
  const q = new WorkQueue<string>({ baseDelayMs: 1, metrics: { name: 'pod', registry } });
  assert.equal(
    await value(registry, 'controller_runtime_reconcile_total', { controller: 'pod', result: 'error' }),
    0,
  );
  assert.equal(await value(registry, 'workqueue_retries_total', { name: 'pod' }), 0);
  const passes = new Map<string, number>();
  const workers = runWorkers(q, 2, async (key) => {
    const n = (passes.get(key) ?? 0) + 1;
    passes.set(key, n);
    if (key === 'flaky' && n === 1) throw new Error('first pass fails');
    if (key === 'doomed') throw new TerminalError('never');
    if (key === 'later' && n === 1) return { requeueAfterMs: 1 };
    return undefined;
  });
  for (const key of ['ok', 'flaky', 'doomed', 'later']) q.add(key);
  while ((passes.get('flaky') ?? 0) < 2 || (passes.get('later') ?? 0) < 2)
    await new Promise((resolve) => setTimeout(resolve, 5));
  q.shutdown();
  await workers;
  const total = (result: string) =>
    value(registry, 'controller_runtime_reconcile_total', { controller: 'pod', result });
  assert.equal(await total('success'), 3); // ok, flaky's 2nd, later's 2nd
  assert.equal(await total('error'), 2); // flaky's 1st, doomed
  assert.equal(await total('requeue_after'), 1);
  assert.equal(await value(registry, 'controller_runtime_reconcile_errors_total', { controller: 'pod' }), 2);
  assert.equal(
    await value(registry, 'controller_runtime_reconcile_time_seconds_count', { controller: 'pod' }),
    6,
  );
  // Only the retryable error is re-added with backoff.
  assert.equal(await value(registry, 'workqueue_retries_total', { name: 'pod' }), 1);
});

test('two named queues share one registry; an unnamed queue reports nothing', async () => {
  const registry = new Registry();
  const pods = new WorkQueue<string>({ metrics: { name: 'pod', registry } });
  const caches = new WorkQueue<string>({ metrics: { name: 'imagecache', registry } });
  const plain = new WorkQueue<string>();
  pods.add('x');
  caches.add('y');
  caches.add('z');
  plain.add('w');
  assert.equal(plain.metrics, undefined);
  assert.equal(await value(registry, 'workqueue_depth', { name: 'pod' }), 1);
  assert.equal(await value(registry, 'workqueue_depth', { name: 'imagecache' }), 2);
});
