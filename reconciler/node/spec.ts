// Pure: the virtual Node object and its Lease, as a kubelet would register them.
import { V1MicroTime, type V1Lease, type V1Node, type V1NodeCondition } from '@kubernetes/client-node';
import { VIRTUAL_NODE } from '../../shared/annotations.ts';

export const NODE_LEASE_NAMESPACE = 'kube-node-lease';
const PROVIDER_VERSION = '0.1.0';

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
  /** status.declaredFeatures (the kubelet API's: ExtendWebSocketsToKubelet); unset leaves the field alone. */
  declaredFeatures?: string[];
}

/** Pure: the node's labels (those of the original ack-virtual-node add-on's node). */
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

/**
 * Pure: the healthy conditions a working kubelet reports. Ready speaks for this process and its
 * link to the API server only; ECI's health is the separate ProviderReady condition (node.ts).
 */
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

/** Pure: the Node object to create; `extraConditions` follow the kubelet's (ProviderReady). */
export function buildNode(o: NodeSpecOptions, now: Date, extraConditions: V1NodeCondition[] = []): V1Node {
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
      conditions: [...readyConditions(now), ...extraConditions],
      // No Hostname address: the API server prefers it for kubelet calls, and the node name does not resolve.
      addresses: [{ type: 'InternalIP', address: o.nodeIp }],
      daemonEndpoints: { kubeletEndpoint: { Port: o.kubeletPort } },
      // The API server requires the list sorted and without duplicates.
      ...(o.declaredFeatures ? { declaredFeatures: [...new Set(o.declaredFeatures)].sort() } : {}),
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
