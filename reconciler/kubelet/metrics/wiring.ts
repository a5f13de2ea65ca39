// The node metrics of this process's virtual nodes, from the pod tracker (which groups to
// measure) and the ECI provider (DescribeMultiContainerGroupMetric). One kubelet port serves
// every node of the process, so the figures cover the pods of all of them, under the first
// node's name (docs/metrics.md).
import type { Logger } from 'pino';
import type { EciProvider } from '../../provider/eci-provider.ts';
import type { PodTracker, TrackedPod } from '../../tracker.ts';
import { createNodeMetrics, type NodeMetrics } from './node-metrics.ts';
import { metricsTargets } from './targets.ts';

/**
 * How long ECI's answer is served before it is asked again: under metrics-server's smallest
 * resolution (10 s), so each of its scrapes sees a newer sample.
 */
export const NODE_METRICS_INTERVAL_MS = 5_000;

export function nodeMetricsFor(o: {
  tracker: PodTracker;
  provider: Pick<EciProvider, 'groupMetrics'>;
  nodeNames: readonly string[];
  log: Logger;
  intervalMs?: number;
}): NodeMetrics {
  const nodes = new Set(o.nodeNames);
  function* onNodes(): Generator<TrackedPod> {
    for (const uid of o.tracker.uids()) {
      const t = o.tracker.get(uid);
      if (t && nodes.has(t.pod?.spec?.nodeName ?? '')) yield t;
    }
  }
  return createNodeMetrics({
    nodeName: o.nodeNames[0] ?? '',
    targets: () => metricsTargets(onNodes()),
    fetch: (ids) => o.provider.groupMetrics(ids),
    intervalMs: o.intervalMs ?? NODE_METRICS_INTERVAL_MS,
    log: o.log,
  });
}
