// The kubelet API of this process's virtual nodes, put together from the reconciler's parts:
// the advertised address (node-address.ts), the certificates (node-tls.ts), authentication
// and authorization as the kubelet does them (auth/), logs from ECI, exec and port-forward
// through ECI (eci-backend/), and /pods from the pod tracker.
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { ReconcilerConfig } from '../config.ts';
import { startKubeletApi } from '../kubelet-api.ts';
import type { EciProvider } from '../provider/eci-provider.ts';
import type { PodTracker, TrackedPod } from '../tracker.ts';
import { eciStreamingBackend } from './eci-backend/backend.ts';
import { nodeMetricsFor } from './metrics/wiring.ts';
import { resolveNodeIp } from './node-address.ts';
import { readServingFiles, resolveClientCa, watchServingFiles } from './node-tls.ts';
import type { NodePod } from './pods.ts';

export interface NodeKubeletApi {
  /** The InternalIP the nodes advertise. */
  nodeIp: string;
  port: number;
  /** What the nodes declare in status.declaredFeatures (ExtendWebSocketsToKubelet once WebSockets are served). */
  declaredFeatures: string[];
  close(): Promise<void>;
}

type KubeletConfig = Pick<
  ReconcilerConfig,
  | 'nodeIp'
  | 'kubeletAddress'
  | 'kubeletPort'
  | 'tlsCertFile'
  | 'tlsPrivateKeyFile'
  | 'clientCaFile'
  | 'anonymousAuth'
  | 'authorizationMode'
>;

export async function startNodeKubeletApi(
  config: KubeletConfig,
  o: {
    kc: KubeConfig;
    tracker: PodTracker;
    provider: EciProvider;
    nodeNames: string[];
    log: Logger;
    env?: Record<string, string | undefined>;
  },
): Promise<NodeKubeletApi> {
  const { tracker, provider, log } = o;
  const nodeIp = resolveNodeIp(config.nodeIp, o.env ?? process.env);
  const serving = readServingFiles(config.tlsCertFile, config.tlsPrivateKeyFile);
  const clientCaPem = await resolveClientCa(config.clientCaFile, o.kc.makeApiClient(CoreV1Api), log);
  const nodes = new Set(o.nodeNames);

  const trackedOf = (namespace: string, pod: string): TrackedPod | undefined => {
    const id = tracker.groupOf(namespace, pod);
    const uid = id === undefined ? undefined : tracker.uidOfGroup(id);
    return uid === undefined ? undefined : tracker.get(uid);
  };
  const nodePods = (): NodePod[] => {
    const out: NodePod[] = [];
    for (const uid of tracker.uids()) {
      const t = tracker.get(uid);
      if (t?.pod && nodes.has(t.pod.spec?.nodeName ?? '')) out.push({ pod: t.pod, group: t.record?.group });
    }
    return out;
  };

  const api = await startKubeletApi({
    host: config.kubeletAddress,
    port: config.kubeletPort,
    nodeIp,
    log,
    serving,
    groupOf: (namespace, pod) => tracker.groupOf(namespace, pod),
    readLog: (q) => provider.readLog(q),
    // A followed log ends with its container (as far as the last poll of ECI knows).
    containerRunning: (q) => {
      const t = trackedOf(q.namespace, q.pod);
      if (t?.record?.gone) return Promise.resolve(false);
      const c = t?.record?.group?.containers?.find((x) => x.name === q.container);
      return Promise.resolve(c?.currentState?.state === undefined || c.currentState.state === 'Running');
    },
    streaming: eciStreamingBackend({
      groupOf: (namespace, pod) => tracker.groupOf(namespace, pod),
      podIpOf: (namespace, pod) => {
        const t = trackedOf(namespace, pod);
        return t?.record?.group?.intranetIp || t?.pod?.status?.podIP || undefined;
      },
      execCommand: (q) => provider.exec(q),
      log,
    }),
    nodePods,
    metrics: nodeMetricsFor({ tracker, provider, nodeNames: o.nodeNames, log }),
    auth: {
      // One port serves every node of this process, so requests cannot say which node they
      // meant: SubjectAccessReviews name the first (RBAC on nodes/proxy rarely names nodes).
      nodeName: o.nodeNames[0] ?? '',
      clientCaPem,
      kubeConfig: o.kc,
      anonymous: config.anonymousAuth,
      alwaysAllow: config.authorizationMode === 'AlwaysAllow',
    },
  });
  const unwatch =
    config.tlsCertFile && config.tlsPrivateKeyFile
      ? watchServingFiles(config.tlsCertFile, config.tlsPrivateKeyFile, (pem) => api.setServing(pem), log)
      : () => undefined;
  return {
    nodeIp,
    port: api.port,
    declaredFeatures: api.declaredFeatures,
    close: () => {
      unwatch();
      return api.close();
    },
  };
}
