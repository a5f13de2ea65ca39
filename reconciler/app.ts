// Wires the reconciler together: credentials, ECI Profile, virtual nodes, the pod
// reconciler, the status poller and the health/metrics server. main.ts parses flags and
// calls startReconciler; integration tests and the demo call it in-process.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  CoreV1Api,
  ListWatch,
  VersionApi,
  Watch,
  type KubeConfig,
  type V1Secret,
} from '@kubernetes/client-node';
import { Counter, Gauge, Histogram } from 'prom-client';
import type { Logger } from 'pino';
import { createLogger } from '../shared/logger.ts';
import { createRegistry } from '../shared/metrics.ts';
import {
  credentialsFromSecretData,
  eciEndpointOf,
  nodeNamesOf,
  type Credentials,
  type ReconcilerConfig,
} from '../shared/config.ts';
import { Eci } from '../shared/eci-client.ts';
import { copyKubeConfig, isNotFound, loadKubeConfig, withPooledConnections } from '../shared/kube.ts';
import { runInformer, watchEciProfile, type ProfileWatcher } from '../shared/profile-watcher.ts';
import { TokenBucket } from '../shared/workqueue.ts';
import { startKubeletApi } from './kubelet-api.ts';
import { NodeController } from './node.ts';
import { PodReconciler } from './pods.ts';
import { StatusPoller } from './sync.ts';

export interface ReconcilerHandle {
  nodeNames: string[];
  nodes: NodeController[];
  pods: PodReconciler;
  poller: StatusPoller;
  eci: Eci;
  /** http://host:port of /healthz, /readyz, /metrics. */
  healthUrl: string;
  stop(): Promise<void>;
}

/** A start-up problem the operator must fix; main.ts prints its message as one line. */
export class StartupError extends Error {}

async function resolveCredentials(
  core: CoreV1Api,
  config: ReconcilerConfig,
): Promise<{ credentials: Credentials; fromSecret: boolean }> {
  const [namespace, name] = config.credentialsSecret.split('/') as [string, string];
  try {
    const secret = await core.readNamespacedSecret({ name, namespace });
    const parsed = credentialsFromSecretData(secret.data, config.credentialsSecret);
    if (!parsed.ok) throw new StartupError(parsed.error);
    return { credentials: parsed.credentials, fromSecret: true };
  } catch (err) {
    if (err instanceof StartupError) throw err;
    if (!isNotFound(err)) throw err;
  }
  if (config.accessKeyId && config.accessKeySecret) {
    return {
      credentials: { accessKeyId: config.accessKeyId, accessKeySecret: config.accessKeySecret },
      fromSecret: false,
    };
  }
  throw new StartupError(
    `no ECI credentials: create Secret ${config.credentialsSecret} with keys access-key-id and access-key-secret, ` +
      'or set ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET',
  );
}

export async function startReconciler(
  config: ReconcilerConfig,
  options: { kc?: KubeConfig; log?: Logger } = {},
): Promise<ReconcilerHandle> {
  const log = options.log ?? createLogger('eci-reconciler');
  const kc = withPooledConnections(
    options.kc ? copyKubeConfig(options.kc) : loadKubeConfig(config.kubeconfig),
  );
  const core = kc.makeApiClient(CoreV1Api);
  const registry = createRegistry('reconciler');
  const nodeNames = nodeNamesOf(config);
  const cleanups: (() => Promise<void> | void)[] = [];
  const stopAll = async () => {
    for (const fn of cleanups.reverse()) {
      try {
        await fn();
      } catch (err) {
        log.warn({ err }, 'error while stopping');
      }
    }
  };

  try {
    const { credentials, fromSecret } = await resolveCredentials(core, config);

    // The ECI Profile wins over the flags for placement (vSwitchIds, securityGroupId).
    const [profileNamespace, profileName] = config.profileConfigMap.split('/') as [string, string];
    const profile: ProfileWatcher = watchEciProfile({
      kubeConfig: kc,
      logger: log,
      namespace: profileNamespace,
      name: profileName,
      component: 'eci-virtual-node-reconciler',
      registry,
    });
    cleanups.push(() => profile.stop());
    await profile.waitForSync(30_000).catch(() => log.warn('ECI Profile not synced; using flags'));
    const placement = () => {
      const p = profile.current();
      return {
        vSwitchIds: p.vSwitchIds.length > 0 ? p.vSwitchIds : config.vSwitchIds,
        securityGroupId: p.securityGroupId ?? config.securityGroupId ?? '',
        profile: {
          vSwitchIds: p.vSwitchIds,
          securityGroupId: p.securityGroupId,
          resourceGroupId: p.resourceGroupId,
          enableLogController: p.enableLogController,
          slsMachineGroup: p.slsMachineGroup,
        },
      };
    };
    const first = placement();
    if (first.vSwitchIds.length === 0) {
      throw new StartupError(
        `no vSwitch: set vSwitchIds in ConfigMap ${config.profileConfigMap} or --vswitch-ids (env ECI_VSWITCH)`,
      );
    }
    if (!first.securityGroupId) {
      throw new StartupError(
        `no security group: set securityGroupId in ConfigMap ${config.profileConfigMap} or --security-group-id (env ECI_SECURITY_GROUP)`,
      );
    }

    // Metrics.
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
    const events = new Counter({
      name: 'reconciler_operations_total',
      help: 'Reconciler operations: created, create_error, status_write, deleted, orphan_deleted',
      labelNames: ['operation', 'code'],
      registers: [registry],
    });

    const { host, protocol } = eciEndpointOf(config);
    const eci = new Eci({
      endpoint: host,
      protocol,
      regionId: config.regionId,
      credentials,
      timeoutMs: config.eciTimeoutMs,
      onCall: (action, outcome, ms) => {
        calls.inc({ action, outcome });
        latency.observe({ action }, ms / 1000);
      },
    });

    if (fromSecret) {
      // Rotated credentials take effect without a restart.
      const [namespace, name] = config.credentialsSecret.split('/') as [string, string];
      const secrets = new ListWatch<V1Secret>(
        `/api/v1/namespaces/${namespace}/secrets`,
        new Watch(kc),
        () => core.listNamespacedSecret({ namespace, fieldSelector: `metadata.name=${name}` }),
        false,
        undefined,
        `metadata.name=${name}`,
      );
      let stopped = false;
      secrets.on('update', (s) => {
        const parsed = credentialsFromSecretData(s.data, config.credentialsSecret);
        if (parsed.ok) {
          eci.setCredentials(parsed.credentials);
          log.info('ECI credentials reloaded from the Secret');
        } else {
          log.warn(parsed.error + '; keeping the previous credentials');
        }
      });
      runInformer(
        secrets,
        log,
        'credentials secret',
        () => stopped,
        () => {},
      );
      cleanups.push(async () => {
        stopped = true;
        await secrets.stop();
      });
    }

    let kubeletVersion = 'v0.0.0';
    try {
      kubeletVersion = (await kc.makeApiClient(VersionApi).getCode()).gitVersion;
    } catch (err) {
      log.warn({ err }, 'could not read the API server version');
    }
    // The late-bound reconciler: the kubelet API must listen before the nodes advertise its port.
    const lateRef: { pods?: PodReconciler } = {};
    const kubelet = await startKubeletApi({
      host: config.kubeletAddress,
      port: config.kubeletPort,
      nodeIp: config.nodeIp,
      log,
      groupOf: (namespace, pod) => lateRef.pods?.groupOf(namespace, pod),
      readLog: (q) =>
        eci.containerLog({
          containerGroupId: q.containerGroupId,
          containerName: q.container,
          tail: q.tail,
          sinceSeconds: q.sinceSeconds,
          limitBytes: q.limitBytes,
          timestamps: q.timestamps,
          previous: q.previous,
        }),
    });
    cleanups.push(() => kubelet.close());
    const nodes = nodeNames.map(
      (name) =>
        new NodeController(
          kc,
          {
            name,
            regionId: config.regionId,
            cpu: config.nodeCpu,
            memory: config.nodeMemory,
            pods: config.nodePods,
            nodeIp: config.nodeIp,
            kubeletPort: kubelet.port,
            kubeletVersion,
            leaseDurationSeconds: config.leaseDurationSeconds,
            renewIntervalMs: config.renewIntervalMs,
            statusIntervalMs: 60_000,
          },
          log,
        ),
    );
    for (const node of nodes) {
      await node.start();
      cleanups.push(() => node.stop());
    }

    const late: { poller?: StatusPoller } = {};
    const pods = new PodReconciler({
      kc,
      eci,
      clusterId: config.clusterId,
      nodeNames,
      regionId: config.regionId,
      placement,
      workers: config.workers,
      createWorkers: config.createWorkers,
      createBucket: new TokenBucket(config.createQps, config.createBurst),
      log,
      onCreated: (id) => late.poller?.markDirty(id),
      onMetric: (operation, code) => events.inc({ operation, code: code ?? '' }),
    });
    lateRef.pods = pods;
    cleanups.push(() => pods.stop());
    await pods.start();
    const poller = new StatusPoller({
      eci,
      clusterId: config.clusterId,
      target: pods,
      intervalMs: config.statusIntervalMs,
      resyncIntervalMs: config.resyncIntervalMs,
      gcIntervalMs: config.gcIntervalMs,
      log,
    });
    late.poller = poller;
    poller.start();
    cleanups.push(() => poller.stop());

    new Gauge({
      name: 'reconciler_queue_depth',
      help: 'Pods waiting in the work queue (not counting delayed retries)',
      registers: [registry],
      collect() {
        this.set(pods.queue.length);
      },
    });
    new Gauge({
      name: 'reconciler_tracked_container_groups',
      help: 'Container groups this process tracks',
      registers: [registry],
      collect() {
        this.set(pods.trackedIds().size);
      },
    });
    new Gauge({
      name: 'reconciler_node_lease_renewals',
      help: 'Node Lease renewals since start, summed over the virtual nodes',
      registers: [registry],
      collect() {
        this.set(nodes.reduce((n, x) => n + x.renewals, 0));
      },
    });

    const server = await listen(config.healthAddress, async (path) => {
      if (path === '/healthz') return { status: 200, body: 'ok' };
      if (path === '/readyz')
        return pods.synced ? { status: 200, body: 'ok' } : { status: 503, body: 'syncing' };
      if (path === '/metrics')
        return { status: 200, body: await registry.metrics(), type: registry.contentType };
      return { status: 404, body: 'not found' };
    });
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const addr = server.address() as AddressInfo;
    log.info({ nodes: nodeNames, health: addr.port }, 'reconciler started');

    return {
      nodeNames,
      nodes,
      pods,
      poller,
      eci,
      healthUrl: `http://127.0.0.1:${addr.port}`,
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

function listen(
  address: string,
  handle: (path: string) => Promise<{ status: number; body: string; type?: string }>,
): Promise<Server> {
  const i = address.lastIndexOf(':');
  const host = address.slice(0, i) || '0.0.0.0';
  const port = Number(address.slice(i + 1));
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    handle(path).then(
      (r) => {
        res.writeHead(r.status, { 'content-type': r.type ?? 'text/plain' });
        res.end(r.body);
      },
      () => {
        res.writeHead(500);
        res.end('error');
      },
    );
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}
