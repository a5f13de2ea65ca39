// What serving a virtual node takes, put together from the reconciler's parts: the version the
// nodes report, a heartbeat per node (NodeController) advertising the kubelet API's address
// and ECI's health, and who decides which nodes this replica serves (the Leases, or every
// node at once with --leader-elect=false).
import { VersionApi, type KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { ReconcilerConfig } from '../config.ts';
import type { NodeKubeletApi } from '../kubelet/node-kubelet.ts';
import { AllNodes } from '../leases/all-nodes.ts';
import { ReplicaLeases, type LeaseHooks, type NodeOwnership } from '../leases/replica-leases.ts';
import { NodeController } from '../node.ts';
import type { EciProvider } from '../provider/eci-provider.ts';

/** The API server's version, which the nodes report as their kubelet version (v0.0.0 if unreadable). */
export async function kubeletVersionOf(kc: KubeConfig, log: Logger): Promise<string> {
  try {
    return (await kc.makeApiClient(VersionApi).getCode()).gitVersion;
  } catch (err) {
    log.warn({ err }, 'could not read the API server version');
    return 'v0.0.0';
  }
}

/** Makes the heartbeat of one node; the kubelet API must listen before a node advertises its port. */
export function nodeHeartbeats(o: {
  kc: KubeConfig;
  config: ReconcilerConfig;
  kubelet: Pick<NodeKubeletApi, 'nodeIp' | 'port' | 'declaredFeatures'>;
  kubeletVersion: string;
  provider: Pick<EciProvider, 'health'>;
  log: Logger;
}): (name: string) => NodeController {
  const { config, kubelet } = o;
  return (name) =>
    new NodeController(
      o.kc,
      {
        name,
        regionId: config.regionId,
        cpu: config.nodeCpu,
        memory: config.nodeMemory,
        pods: config.nodePods,
        nodeIp: kubelet.nodeIp,
        kubeletPort: kubelet.port,
        // The API server then sends exec/attach/port-forward WebSockets straight to the node.
        declaredFeatures: kubelet.declaredFeatures,
        kubeletVersion: o.kubeletVersion,
        leaseDurationSeconds: config.leaseDurationSeconds,
        renewIntervalMs: config.renewIntervalMs,
        statusIntervalMs: 60_000,
        // ECI's health as the node's ProviderReady condition (never Ready=False: node.ts says why).
        providerHealth: () => {
          const h = o.provider.health();
          return { ok: h.ok, reason: h.reason, message: h.message, since: new Date(h.since) };
        },
      },
      o.log,
    );
}

/** Which nodes this replica serves and whether it leads: the Leases, or everything with --leader-elect=false. */
export function nodeOwnership(o: {
  kc: KubeConfig;
  config: ReconcilerConfig;
  nodeNames: string[];
  hooks: LeaseHooks;
  registry: Registry;
  log: Logger;
}): NodeOwnership {
  const { config } = o;
  if (!config.leaderElect) return new AllNodes(o.nodeNames, o.hooks, o.registry);
  return new ReplicaLeases({
    kc: o.kc,
    namespace: config.leaseNamespace,
    replicaId: config.replicaId,
    nodes: o.nodeNames,
    leaseDurationMs: config.leaseDurationMs,
    renewDeadlineMs: config.renewDeadlineMs,
    retryPeriodMs: config.retryPeriodMs,
    hooks: o.hooks,
    log: o.log.child({ replica: config.replicaId }),
    registry: o.registry,
  });
}
