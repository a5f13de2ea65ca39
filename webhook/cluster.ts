// The cluster facts the webhook needs beside the pod: namespace labels (informer cache,
// with a direct read for a namespace created a moment ago), the apiserver version and
// the cluster DNS Service's ClusterIP.
import {
  CoreV1Api,
  ListWatch,
  VersionApi,
  Watch,
  type KubeConfig,
  type V1Namespace,
  type V1Service,
} from '@kubernetes/client-node';
import type { Logger } from '../shared/logger.ts';
import { isNotFound } from '../shared/kube.ts';
import { runInformer } from '../shared/profile-watcher.ts';
import type { ClusterFacts } from './mutate.ts';

export interface NamespaceCache {
  /** Synchronous for a namespace in the cache (the hot path); a promise when it must be read. */
  labels(
    name: string | undefined,
  ): Readonly<Record<string, string>> | undefined | Promise<Readonly<Record<string, string>> | undefined>;
  synced(): boolean;
  stop(): Promise<void>;
}

export function watchNamespaces(kubeConfig: KubeConfig, logger: Logger): NamespaceCache {
  const core = kubeConfig.makeApiClient(CoreV1Api);
  let stopped = false;
  let isSynced = false;
  const informer = new ListWatch<V1Namespace>(
    '/api/v1/namespaces',
    new Watch(kubeConfig),
    () => core.listNamespace(),
    false,
  );
  runInformer(
    informer,
    logger,
    'namespaces',
    () => stopped,
    () => (isSynced = true),
  );
  return {
    labels(name) {
      if (!name) return undefined;
      const cached = informer.get(name);
      if (cached) return cached.metadata?.labels ?? {};
      return readLabels(name);
    },
    synced: () => isSynced,
    stop: async () => {
      stopped = true;
      await informer.stop();
    },
  };

  // The watch may lag a namespace created just before its first pod.
  async function readLabels(name: string): Promise<Readonly<Record<string, string>> | undefined> {
    try {
      // Bounded: the apiserver gives the whole review only timeoutSeconds (5 s).
      const read = core.readNamespace({ name });
      const timeout = new Promise<never>((_, reject) => {
        setTimeout(() => reject(new Error('namespace read timed out after 2 s')), 2_000).unref();
      });
      return (await Promise.race([read, timeout])).metadata?.labels ?? {};
    } catch (err) {
      if (!isNotFound(err)) logger.warn({ err, namespace: name }, 'could not read namespace');
      return undefined;
    }
  }
}

export interface ClusterFactsOptions {
  kubeConfig: KubeConfig;
  logger: Logger;
  dnsService: { namespace: string; name: string };
  clusterDomain: string;
  versionRefreshMs?: number;
}

export interface ClusterFactsSource {
  facts(): ClusterFacts;
  stop(): Promise<void>;
}

export function watchClusterFacts(options: ClusterFactsOptions): ClusterFactsSource {
  const { kubeConfig, logger, dnsService } = options;
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const versionApi = kubeConfig.makeApiClient(VersionApi);
  let k8sVersion: string | undefined;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;

  const refreshVersion = async () => {
    try {
      k8sVersion = (await versionApi.getCode()).gitVersion;
    } catch (err) {
      logger.warn({ err }, 'could not read the apiserver version');
    }
    if (!stopped) {
      timer = setTimeout(refreshVersion, k8sVersion ? (options.versionRefreshMs ?? 600_000) : 5_000);
      timer.unref();
    }
  };
  void refreshVersion();

  const informer = new ListWatch<V1Service>(
    `/api/v1/namespaces/${dnsService.namespace}/services`,
    new Watch(kubeConfig),
    () =>
      core.listNamespacedService({
        namespace: dnsService.namespace,
        fieldSelector: `metadata.name=${dnsService.name}`,
      }),
    false,
    undefined,
    `metadata.name=${dnsService.name}`,
  );
  runInformer(
    informer,
    logger,
    `service ${dnsService.namespace}/${dnsService.name}`,
    () => stopped,
    () => {},
  );

  return {
    facts() {
      const ip = informer.get(dnsService.name, dnsService.namespace)?.spec?.clusterIP;
      return {
        k8sVersion,
        clusterDns: ip && ip !== 'None' ? ip : undefined,
        clusterDomain: options.clusterDomain,
      };
    },
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      await informer.stop();
    },
  };
}
