// The reconciler's own metrics on /metrics: ECI call counters and latency, operation counters,
// and gauges that read live state (queue, tracker, provider health, node Lease renewals) when
// scraped, so nothing has to remember to update them.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** The ECI call and operation counters. */
export function reconcilerMetrics(registry: Registry) {
  const calls = new Counter({
    name: 'eci_api_calls_total',
    help: 'ECI API calls by action and outcome (ok or the error code)',
    labelNames: ['action', 'outcome'],
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'eci_api_duration_seconds',
    help: 'ECI API call latency',
    labelNames: ['action'],
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const operations = new Counter({
    name: 'reconciler_operations_total',
    help: 'Reconciler operations: created, create_error, status_write, deleted, orphan_deleted',
    labelNames: ['operation', 'code'],
    registers: [registry],
  });
  return {
    operations,
    onCall: (action: string, outcome: string, ms: number) => {
      calls.inc({ action, outcome });
      latency.observe({ action }, ms / 1000);
    },
  };
}

/** Gauges computed at scrape time from the parts they describe. */
export function registerLiveGauges(
  registry: Registry,
  live: {
    queueLength: () => number;
    trackedGroups: () => number;
    providerHealthy: () => boolean;
    leaseRenewals: () => number;
  },
): void {
  // Each metric is written out with its literal name: the dashboard test finds the names in the source.
  new Gauge({
    name: 'reconciler_queue_depth',
    help: 'Pods waiting in the work queue (not counting delayed retries)',
    registers: [registry],
    collect() {
      this.set(live.queueLength());
    },
  });
  new Gauge({
    name: 'reconciler_tracked_container_groups',
    help: 'Container groups this process tracks',
    registers: [registry],
    collect() {
      this.set(live.trackedGroups());
    },
  });
  new Gauge({
    name: 'eci_provider_healthy',
    help: '1 while the last ECI call that could tell (auth, network, server) succeeded, else 0',
    registers: [registry],
    collect() {
      this.set(live.providerHealthy() ? 1 : 0);
    },
  });
  new Gauge({
    name: 'reconciler_node_lease_renewals',
    help: 'Node Lease renewals since start, summed over the virtual nodes',
    registers: [registry],
    collect() {
      this.set(live.leaseRenewals());
    },
  });
}
