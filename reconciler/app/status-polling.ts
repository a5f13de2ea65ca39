// The status poller as this replica runs it: the incremental poll and the full listing cover
// the nodes served now, and the leader's listing covers every node and feeds the orphan sweep
// (docs/scale.md). It is started only once the Leases have been read, so its first listing
// already sees the nodes held and the leadership.
import type { Logger } from 'pino';
import type { ReconcilerConfig } from '../config.ts';
import type { PodController } from '../controller/pod-controller.ts';
import type { NodeOwnership } from '../leases/replica-leases.ts';
import type { DeniedActions } from '../provider/denied-actions.ts';
import type { EciProvider } from '../provider/eci-provider.ts';
import { StatusPoller } from '../provider/status-poller.ts';
import type { PodTracker } from '../tracker.ts';

export function replicaStatusPoller(o: {
  config: Pick<ReconcilerConfig, 'statusIntervalMs' | 'resyncIntervalMs' | 'gcIntervalMs'>;
  provider: EciProvider;
  tracker: PodTracker;
  controller: Pick<PodController, 'sweepOrphans'>;
  ownership: Pick<NodeOwnership, 'isLeader'>;
  /** Every virtual node of the cluster. */
  nodeNames: string[];
  /** The nodes served now (a live set). */
  served: ReadonlySet<string>;
  denied: Pick<DeniedActions, 'fallsBack'>;
  log: Logger;
}): StatusPoller {
  return new StatusPoller({
    provider: o.provider,
    target: o.tracker,
    // Only the leader sweeps (every node's groups, re-checked against the API server).
    onFullList: (groups, node) => o.controller.sweepOrphans(groups, node),
    sweeps: () => o.ownership.isLeader,
    // Listed node by node: the served nodes' groups, every node's when sweeping (docs/scale.md).
    scope: (sweeping) => (sweeping ? o.nodeNames : [...o.served]),
    intervalMs: o.config.statusIntervalMs,
    resyncIntervalMs: o.config.resyncIntervalMs,
    gcIntervalMs: o.config.gcIntervalMs,
    onActionDenied: o.denied.fallsBack,
    log: o.log,
  });
}
