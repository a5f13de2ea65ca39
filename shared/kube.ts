// The Kubernetes client configuration: an explicit kubeconfig path, else $KUBECONFIG,
// else the in-cluster service account, else ~/.kube/config.
import { existsSync } from 'node:fs';
import { KubeConfig } from '@kubernetes/client-node';

const SA_TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';

/**
 * @kubernetes/client-node 2.0 builds a new undici Agent — so a new TLS connection — for every
 * request; under load that costs a handshake per call and leaks idle sockets. This gives the
 * KubeConfig one shared Agent per cluster/user, reused by every request and watch.
 */
export function withPooledConnections(kc: KubeConfig): KubeConfig {
  const target = kc as unknown as {
    createDispatcher: (cluster: unknown, agentOptions: unknown) => unknown;
    __pooled?: boolean;
  };
  if (target.__pooled) return kc;
  const original = target.createDispatcher.bind(kc);
  const cache = new Map<string, unknown>();
  target.createDispatcher = (cluster, agentOptions) => {
    const key = JSON.stringify([kc.getCurrentCluster()?.name, kc.getCurrentUser()?.name]);
    if (!cache.has(key)) cache.set(key, original(cluster, agentOptions));
    return cache.get(key);
  };
  target.__pooled = true;
  return kc;
}

/** An independent copy (so pooling or context changes never leak into the caller's object). */
export function copyKubeConfig(kc: KubeConfig): KubeConfig {
  const copy = new KubeConfig();
  copy.loadFromString(kc.exportConfig());
  return copy;
}

export function loadKubeConfig(path?: string): KubeConfig {
  const kc = new KubeConfig();
  const file = path ?? process.env.KUBECONFIG;
  if (file) {
    if (!existsSync(file)) throw new Error(`kubeconfig ${file} does not exist`);
    kc.loadFromFile(file);
  } else if (process.env.KUBERNETES_SERVICE_HOST && existsSync(SA_TOKEN)) {
    kc.loadFromCluster();
  } else {
    kc.loadFromDefault();
  }
  if (!kc.getCurrentCluster()) throw new Error('no Kubernetes cluster configured (use --kubeconfig)');
  return kc;
}

/** The HTTP status of an error thrown by @kubernetes/client-node 1.x/2.x, if any. */
export function kubeStatusCode(err: unknown): number | undefined {
  const e = err as { code?: unknown; statusCode?: unknown; response?: { statusCode?: unknown } } | null;
  for (const v of [e?.code, e?.statusCode, e?.response?.statusCode]) if (typeof v === 'number') return v;
  return undefined;
}

export const isNotFound = (err: unknown): boolean => kubeStatusCode(err) === 404;
export const isConflict = (err: unknown): boolean => kubeStatusCode(err) === 409;
export const isAlreadyExists = (err: unknown): boolean => kubeStatusCode(err) === 409;
