// The virtual node: a kubelet-less Node object (eci-reference §4) kept Ready the way a
// kubelet keeps itself Ready — a Lease in kube-node-lease renewed every 10 s (the node
// lifecycle controller's heartbeat) and a periodic status heartbeat. Re-created when
// someone deletes it. On shutdown it is left as a stopped kubelet leaves its node.
import {
  CoordinationV1Api,
  CoreV1Api,
  PatchStrategy,
  setHeaderOptions,
  V1MicroTime,
  type KubeConfig,
  type V1Lease,
  type V1Node,
  type V1NodeCondition,
} from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { VIRTUAL_NODE } from '../shared/annotations.ts';
import { isAlreadyExists, isNotFound } from '../shared/kube.ts';

export const NODE_LEASE_NAMESPACE = 'kube-node-lease';
export const PROVIDER_VERSION = '0.1.0';

export interface NodeSpecOptions {
  name: string;
  regionId: string;
  /** Set when all of the node's vSwitches are in one zone. */
  zoneId?: string;
  cpu: string;
  memory: string;
  pods: number;
  nodeIp: string;
  kubeletPort: number;
  /** Kubernetes version of the control plane, reported as the kubelet version. */
  kubeletVersion: string;
}

/** Pure: the node's labels (eci-reference §4.1–4.3). */
export function nodeLabels(o: Pick<NodeSpecOptions, 'name' | 'regionId' | 'zoneId'>): Record<string, string> {
  const labels: Record<string, string> = {
    [VIRTUAL_NODE.typeLabel]: VIRTUAL_NODE.typeValue,
    'kubernetes.io/role': 'agent',
    'kubernetes.io/hostname': o.name,
    'kubernetes.io/os': 'linux',
    'beta.kubernetes.io/os': 'linux',
    'kubernetes.io/arch': 'amd64',
    'topology.kubernetes.io/region': o.regionId,
    'failure-domain.beta.kubernetes.io/region': o.regionId,
    'alpha.service-controller.kubernetes.io/exclude-balancer': 'true',
    'node.kubernetes.io/exclude-from-external-load-balancers': 'true',
  };
  if (o.zoneId) {
    labels['topology.kubernetes.io/zone'] = o.zoneId;
    labels['failure-domain.beta.kubernetes.io/zone'] = o.zoneId;
  }
  return labels;
}

/** Pure: the healthy conditions a working kubelet reports. */
export function readyConditions(now: Date): V1NodeCondition[] {
  const c = (type: string, status: string, reason: string, message: string): V1NodeCondition => ({
    type,
    status,
    reason,
    message,
    lastHeartbeatTime: now,
    lastTransitionTime: now,
  });
  return [
    c('Ready', 'True', 'KubeletReady', 'virtual node is ready to run pods on ECI'),
    c('MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'ECI provides memory per pod'),
    c('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'ECI provides storage per pod'),
    c('PIDPressure', 'False', 'KubeletHasSufficientPID', 'ECI provides PIDs per pod'),
    c('NetworkUnavailable', 'False', 'RouteCreated', 'ECI pods get VPC addresses'),
  ];
}

/** Pure: the Node object to create. */
export function buildNode(o: NodeSpecOptions, now: Date): V1Node {
  const resources = { cpu: o.cpu, memory: o.memory, pods: String(o.pods) };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: o.name, labels: nodeLabels(o) },
    spec: {
      taints: [{ key: VIRTUAL_NODE.taintKey, value: VIRTUAL_NODE.taintValue, effect: 'NoSchedule' }],
    },
    status: {
      capacity: resources,
      allocatable: resources,
      conditions: readyConditions(now),
      // No Hostname address: the API server prefers it for kubelet calls, and the node name does not resolve.
      addresses: [{ type: 'InternalIP', address: o.nodeIp }],
      daemonEndpoints: { kubeletEndpoint: { Port: o.kubeletPort } },
      nodeInfo: {
        operatingSystem: 'linux',
        architecture: 'amd64',
        kubeletVersion: o.kubeletVersion,
        kubeProxyVersion: '',
        containerRuntimeVersion: `eci://${PROVIDER_VERSION}`,
        kernelVersion: '',
        osImage: 'Alibaba Cloud ECI',
        machineID: '',
        systemUUID: '',
        bootID: '',
      },
    },
  };
}

/** Pure: the node Lease, owned by the Node so it goes away with it (as the kubelet's does). */
export function buildLease(
  nodeName: string,
  nodeUid: string | undefined,
  durationSeconds: number,
  now: Date,
): V1Lease {
  return {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: {
      name: nodeName,
      namespace: NODE_LEASE_NAMESPACE,
      ownerReferences: nodeUid
        ? [{ apiVersion: 'v1', kind: 'Node', name: nodeName, uid: nodeUid }]
        : undefined,
    },
    spec: {
      holderIdentity: nodeName,
      leaseDurationSeconds: durationSeconds,
      renewTime: new V1MicroTime(now.getTime()),
    },
  };
}

export interface NodeControllerOptions extends NodeSpecOptions {
  leaseDurationSeconds: number;
  renewIntervalMs: number;
  /** How often the Ready condition's heartbeat is refreshed (the Lease is the main heartbeat). */
  statusIntervalMs: number;
}

const MERGE = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

export class NodeController {
  private readonly core: CoreV1Api;
  private readonly coordination: CoordinationV1Api;
  private readonly o: NodeControllerOptions;
  private readonly log: Logger;
  private timer: NodeJS.Timeout | undefined;
  private lastStatus = 0;
  private nodeUid: string | undefined;
  private ticking: Promise<void> = Promise.resolve();
  /** Lease renewals that succeeded (for metrics and tests). */
  renewals = 0;
  recreations = 0;

  constructor(kc: KubeConfig, options: NodeControllerOptions, log: Logger) {
    this.core = kc.makeApiClient(CoreV1Api);
    this.coordination = kc.makeApiClient(CoordinationV1Api);
    this.o = options;
    this.log = log.child({ node: options.name });
  }

  get name(): string {
    return this.o.name;
  }

  /** Registers the node and its lease, then keeps both fresh until stop(). */
  async start(): Promise<void> {
    await this.ensureNode();
    await this.renewLease();
    this.timer = setInterval(() => {
      this.ticking = this.tick();
    }, this.o.renewIntervalMs);
    this.timer.unref?.();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.ticking;
  }

  private async tick(): Promise<void> {
    try {
      await this.renewLease();
      if (Date.now() - this.lastStatus >= this.o.statusIntervalMs) await this.heartbeat();
      else await this.checkExists();
    } catch (err) {
      this.log.warn({ err }, 'node heartbeat failed; retrying next tick');
    }
  }

  /** Creates the Node, or brings an existing one (from an earlier run) back to Ready. */
  async ensureNode(): Promise<void> {
    const node = buildNode(this.o, new Date());
    try {
      const created = await this.core.createNode({ body: node });
      this.nodeUid = created.metadata?.uid;
      this.log.info('virtual node registered');
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
      const existing = await this.core.readNode({ name: this.o.name });
      this.nodeUid = existing.metadata?.uid;
      const taints = existing.spec?.taints ?? [];
      const ours = taints.some((t) => t.key === VIRTUAL_NODE.taintKey);
      await this.core.patchNode(
        {
          name: this.o.name,
          body: {
            metadata: { labels: node.metadata?.labels },
            ...(ours ? {} : { spec: { taints: [...taints, ...(node.spec?.taints ?? [])] } }),
          },
        },
        MERGE,
      );
      this.log.info('virtual node already registered; taking it over');
    }
    await this.heartbeat();
  }

  /** Refreshes conditions, capacity and addresses through nodes/status; re-creates a deleted node. */
  async heartbeat(): Promise<void> {
    const node = buildNode(this.o, new Date());
    try {
      await this.core.patchNodeStatus({ name: this.o.name, body: { status: node.status } }, MERGE);
      this.lastStatus = Date.now();
    } catch (err) {
      if (!isNotFound(err)) throw err;
      this.log.warn('virtual node was deleted; re-creating it');
      this.recreations++;
      await this.ensureNode();
    }
  }

  /** A cheap read between heartbeats, so a deleted Node comes back within one renew interval. */
  private async checkExists(): Promise<void> {
    try {
      await this.core.readNode({ name: this.o.name });
    } catch (err) {
      if (!isNotFound(err)) throw err;
      this.log.warn('virtual node was deleted; re-creating it');
      this.recreations++;
      await this.ensureNode();
    }
  }

  async renewLease(): Promise<void> {
    const now = new Date();
    try {
      await this.coordination.patchNamespacedLease(
        {
          name: this.o.name,
          namespace: NODE_LEASE_NAMESPACE,
          body: {
            spec: {
              holderIdentity: this.o.name,
              leaseDurationSeconds: this.o.leaseDurationSeconds,
              renewTime: now.toISOString().replace('Z', '000Z'),
            },
          },
        },
        MERGE,
      );
      this.renewals++;
    } catch (err) {
      if (!isNotFound(err)) throw err;
      // The lease is gone: after a first start, or because the node was deleted and the garbage
      // collector took its lease. Check the node before creating a lease that it would own.
      await this.heartbeat();
      try {
        await this.coordination.createNamespacedLease({
          namespace: NODE_LEASE_NAMESPACE,
          body: buildLease(this.o.name, this.nodeUid, this.o.leaseDurationSeconds, now),
        });
        this.renewals++;
      } catch (e) {
        if (!isAlreadyExists(e)) throw e;
      }
    }
  }
}
