// The metrics of a named work queue and of the reconciles run from it, under the names
// controller-runtime (client-go's workqueue, sigs.k8s.io/controller-runtime/pkg/internal/controller/metrics)
// gives them, so the dashboards and alerts operators have for controllers apply unchanged:
// workqueue_*{name} and controller_runtime_reconcile_*{controller}. Buckets as theirs.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** What a queue reports; all durations in seconds. */
export interface QueueMetrics {
  added(): void;
  /** A key handed to a worker after waiting this long. */
  taken(waitedSeconds: number): void;
  /** A key's processing finished after this long. */
  finished(workedSeconds: number): void;
  retried(): void;
  reconciled(result: ReconcileResult, seconds: number): void;
}

/** controller-runtime's `result` label values this queue's result switch can produce. */
type ReconcileResult = 'success' | 'error' | 'requeue_after';
const RESULTS: ReconcileResult[] = ['success', 'error', 'requeue_after'];

/** What the gauges read of a live queue. */
interface ObservedQueue {
  readonly length: number;
  processingAges(): number[];
}

/** client-go: prometheus.ExponentialBuckets(10e-9, 10, 12). */
const QUEUE_BUCKETS = Array.from({ length: 12 }, (_, i) => 1e-8 * 10 ** i);
/** controller-runtime's reconcile_time_seconds buckets. */
const RECONCILE_BUCKETS = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.25,
  1.5, 1.75, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5, 6, 7, 8, 9, 10, 15, 20, 25, 30, 40, 50, 60,
];

/** The metric families, registered once per registry; the gauges read every named queue. */
function registerFamilies(registry: Registry) {
  const queues = new Map<string, ObservedQueue>();
  const registers = [registry];
  const perQueue = (fn: (q: ObservedQueue) => number) =>
    function (this: Gauge) {
      for (const [name, q] of queues) this.set({ name }, fn(q));
    };
  return {
    queues,
    adds: new Counter({
      name: 'workqueue_adds_total',
      help: 'Total number of adds handled by workqueue',
      labelNames: ['name'],
      registers,
    }),
    retries: new Counter({
      name: 'workqueue_retries_total',
      help: 'Total number of retries handled by workqueue',
      labelNames: ['name'],
      registers,
    }),
    queueDuration: new Histogram({
      name: 'workqueue_queue_duration_seconds',
      help: 'How long in seconds an item stays in workqueue before being requested',
      labelNames: ['name'],
      buckets: QUEUE_BUCKETS,
      registers,
    }),
    workDuration: new Histogram({
      name: 'workqueue_work_duration_seconds',
      help: 'How long in seconds processing an item from workqueue takes',
      labelNames: ['name'],
      buckets: QUEUE_BUCKETS,
      registers,
    }),
    depth: new Gauge({
      name: 'workqueue_depth',
      help: 'Current depth of workqueue',
      labelNames: ['name'],
      registers,
      collect: perQueue((q) => q.length),
    }),
    unfinished: new Gauge({
      name: 'workqueue_unfinished_work_seconds',
      help: 'How many seconds of work has been done that is in progress and has not been observed by work_duration; large values indicate stuck workers',
      labelNames: ['name'],
      registers,
      collect: perQueue((q) => q.processingAges().reduce((a, b) => a + b, 0)),
    }),
    longest: new Gauge({
      name: 'workqueue_longest_running_processor_seconds',
      help: 'How many seconds has the longest running processor for workqueue been running',
      labelNames: ['name'],
      registers,
      collect: perQueue((q) => Math.max(0, ...q.processingAges())),
    }),
    reconciles: new Counter({
      name: 'controller_runtime_reconcile_total',
      help: 'Total number of reconciliations per controller',
      labelNames: ['controller', 'result'],
      registers,
    }),
    errors: new Counter({
      name: 'controller_runtime_reconcile_errors_total',
      help: 'Total number of reconciliation errors per controller',
      labelNames: ['controller'],
      registers,
    }),
    reconcileTime: new Histogram({
      name: 'controller_runtime_reconcile_time_seconds',
      help: 'Length of time per reconciliation per controller',
      labelNames: ['controller'],
      buckets: RECONCILE_BUCKETS,
      registers,
    }),
  };
}

const byRegistry = new WeakMap<Registry, ReturnType<typeof registerFamilies>>();

/** The metrics of the queue called `name` in `registry` (a second queue of that name replaces the first). */
export function queueMetrics(registry: Registry, name: string, queue: ObservedQueue): QueueMetrics {
  let f = byRegistry.get(registry);
  if (!f) {
    f = registerFamilies(registry);
    byRegistry.set(registry, f);
  }
  const m = f;
  m.queues.set(name, queue);
  // Every series from the start at 0, as controller-runtime does: rate() needs the first sample.
  m.adds.inc({ name }, 0);
  m.retries.inc({ name }, 0);
  m.errors.inc({ controller: name }, 0);
  for (const result of RESULTS) m.reconciles.inc({ controller: name, result }, 0);
  return {
    added: () => m.adds.inc({ name }),
    taken: (s) => m.queueDuration.observe({ name }, s),
    finished: (s) => m.workDuration.observe({ name }, s),
    retried: () => m.retries.inc({ name }),
    reconciled: (result, s) => {
      m.reconciles.inc({ controller: name, result });
      if (result === 'error') m.errors.inc({ controller: name });
      m.reconcileTime.observe({ controller: name }, s);
    },
  };
}
