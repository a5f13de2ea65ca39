// Wires the reconciler together: credentials, ECI Profile, the pod tracker, the ECI provider
// and its status poller, the pod controller, the Leases that say which virtual nodes this
// replica serves and whether it leads, and the health/metrics server. Everything is built in
// dependency order, so no part holds a late-bound reference: the poller and the informers
// write into the tracker, the tracker wakes the controller's queue, the kubelet API reads the
// tracker, the Leases start and stop each node's heartbeat and pods. main.ts parses flags and
// calls startReconciler; integration tests and the demo call it in-process.
import type { AddressInfo } from 'node:net';
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { createLogger } from '../shared/logger.ts';
import { createRegistry } from '../shared/metrics.ts';
import { eciEndpointOf, nodeNamesOf, type ReconcilerConfig } from './config.ts';
import { Eci } from './provider/eci-client.ts';
import { copyKubeConfig, loadKubeConfig, withPooledConnections } from '../shared/kube.ts';
import { TokenBucket, WorkQueue } from './workqueue.ts';
import { PodController } from './controller/pod-controller.ts';
import { KubePodWriter } from './controller/pod-kube.ts';
import { startNodeKubeletApi } from './kubelet/node-kubelet.ts';
import type { NodeController } from './node.ts';
import { resolveCredentials, StartupError, watchCredentials } from './provider/credentials.ts';
import { EciProvider } from './provider/eci-provider.ts';
import type { StatusPoller } from './provider/status-poller.ts';
import { ContentRefresher } from './update/refresher.ts';
import { TOKEN_EXPIRATION_SECONDS } from './controller/references.ts';
import { ImageCacheController } from './imagecache/controller.ts';
import { secretCredentialsReader } from './imagecache/credentials.ts';
import { deniedActionNotices } from './provider/denied-actions.ts';
import { PodTracker } from './tracker.ts';
import { leaseTimingProblem } from './leases/lease-rules.ts';
import type { NodeOwnership } from './leases/replica-leases.ts';
import { serveNodes } from './leases/serve-nodes.ts';
import { resolvePlacement } from './translate.ts';
import type { PrivateZoneSync } from './privatezone/sync.ts';
import { startHealthServer } from './app/health-server.ts';
import { reconcilerMetrics, registerLiveGauges } from './app/metrics.ts';
import { kubeletVersionOf, nodeHeartbeats, nodeOwnership } from './app/node-serving.ts';
import { leaderPrivateZone } from './app/private-zone.ts';
import { placementSettings, syncedEciProfile } from './app/profile.ts';
import { Shutdown } from './app/shutdown.ts';
import { replicaStatusPoller } from './app/status-polling.ts';

export interface ReconcilerHandle {
  /** Every virtual node of the cluster; this replica serves those it holds. */
  nodeNames: string[];
  /** The heartbeats of the nodes this replica serves now. */
  readonly nodes: NodeController[];
  /** Whether this replica serves `node` now (its pods, heartbeat and kubelet API). */
  holds(node: string): boolean;
  /** The Leases (or, with --leader-elect=false, every node and leadership at once). */
  ownership: NodeOwnership;
  controller: PodController;
  tracker: PodTracker;
  provider: EciProvider;
  poller: StatusPoller;
  eci: Eci;
  /** PrivateZone service discovery, on while the ECI Profile's enablePrivateZone is. */
  privateZone: PrivateZoneSync;
  /** http://host:port of /healthz, /readyz, /metrics. */
  healthUrl: string;
  stop(): Promise<void>;
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
  const shutdown = new Shutdown(log);
  const stopAll = () => shutdown.stopAll();

  try {
    const timing = leaseTimingProblem(config);
    if (config.leaderElect && timing) throw new StartupError(timing);
    const { credentials, fromSecret } = await resolveCredentials(core, config);
    // Only the leader syncs PrivateZone; the others keep it off without touching the records.
    const privateZone = leaderPrivateZone({ kc, config, credentials, log, registry });
    shutdown.push(() => privateZone.sync.stop());
    const profile = await syncedEciProfile({
      kc,
      config,
      log,
      registry,
      // enablePrivateZone is hot: flipping it starts or stops the sync.
      onChange: (p) => void privateZone.apply(p),
      onStarted: (watcher) => shutdown.push(() => watcher.stop()),
    });
    void privateZone.apply(profile.current());
    // What the translation reads of the profile; its placement wins over the flags.
    const { profileDefaults, defaults } = placementSettings(profile, config);

    const metrics = reconcilerMetrics(registry);
    const { host, protocol } = eciEndpointOf(config);
    // Optional ECI actions the RAM policy denies: said once (log, node Event, metric); see deploy/ram-policy.md.
    const denied = deniedActionNotices({ kc, nodeNames, log, registry });
    const eci = new Eci({
      endpoint: host,
      protocol,
      regionId: config.regionId,
      credentials,
      timeoutMs: config.eciTimeoutMs,
      onCall: (action, outcome, ms) => {
        metrics.onCall(action, outcome, ms);
        denied.observe(action, outcome);
      },
    });

    if (fromSecret) {
      // Rotated credentials take effect without a restart.
      const secret = watchCredentials(
        kc,
        config,
        (c) => {
          eci.setCredentials(c);
          privateZone.sync.setCredentials(c);
        },
        log,
      );
      shutdown.push(() => secret.stop());
    }

    const kubeletVersion = await kubeletVersionOf(kc, log);
    // controller-runtime's workqueue_* and controller_runtime_reconcile_* metrics, controller "pod".
    const queue = new WorkQueue<string>({ metrics: { name: 'pod', registry } });
    const wake = (uid: string) => queue.add(uid);
    // The nodes served now: filled and emptied by the pod controller as Leases come and go.
    const served = new Set<string>();
    const tracker = new PodTracker({ clusterId: config.clusterId, nodes: served, wake });
    const provider = new EciProvider({
      eci,
      clusterId: config.clusterId,
      createBucket: new TokenBucket(config.createQps, config.createBurst),
      createConcurrency: config.createWorkers,
      wake,
      log,
    });
    // The kubelet API must listen before the nodes advertise its port.
    const kubelet = await startNodeKubeletApi(config, { kc, tracker, provider, nodeNames, log });
    shutdown.push(() => kubelet.close());
    const makeNode = nodeHeartbeats({ kc, config, kubelet, kubeletVersion, provider, log });

    // Running pods' ConfigMap, Secret and token volumes follow their sources (docs/updates.md).
    const refresher = new ContentRefresher({
      intervalMs: config.contentRefreshIntervalMs,
      tokenPolicy: { fraction: config.tokenRefreshFraction, requestedSeconds: TOKEN_EXPIRATION_SECONDS },
      bucket: new TokenBucket(config.contentRefreshQps, config.contentRefreshQps * 2),
      registry,
    });
    const controller = new PodController({
      clusterId: config.clusterId,
      nodeNames,
      served,
      regionId: config.regionId,
      defaults,
      profile: profileDefaults,
      provider,
      kube: new KubePodWriter(kc, log),
      tracker,
      queue,
      // Status passes always have `workers` of their own beside the creates in flight.
      workers: config.workers + config.createWorkers,
      log,
      onMetric: (operation, code) => metrics.operations.inc({ operation, code: code ?? '' }),
      refresher,
      allowedUnsafeSysctls: config.allowedUnsafeSysctls,
    });
    shutdown.push(() => controller.stop());
    controller.start(kc);
    refresher.start(() => tracker.uids(), wake);
    shutdown.push(() => refresher.stop());
    // ImageCache objects → ECI image caches, on the leader only (started by the leader hook).
    const imageCaches = new ImageCacheController({
      kc,
      clusterId: config.clusterId,
      eci,
      log,
      placement: () => resolvePlacement(profileDefaults(), defaults).placement,
      credentials: secretCredentialsReader(kc),
    });
    shutdown.push(() => imageCaches.stop());
    const servedNodes = serveNodes({
      kc,
      replicaId: config.replicaId,
      pods: controller,
      makeNode,
      leader: (isLeader) => {
        void privateZone.lead(isLeader, profile.current());
        void imageCaches.lead(isLeader);
      },
      log,
    });
    const ownership = nodeOwnership({ kc, config, nodeNames, hooks: servedNodes, registry, log });
    const poller = replicaStatusPoller({
      config,
      provider,
      tracker,
      controller,
      ownership,
      nodeNames,
      served,
      denied,
      log,
    });
    // Nodes are handed over on the way out while the controller still runs, then Events flushed.
    shutdown.push(() => servedNodes.flush());
    shutdown.push(() => ownership.stop());
    await ownership.start();
    // Its listing loop (a full listing, the sweep) starts at once and sees the nodes held and the leadership.
    poller.start();
    shutdown.push(() => poller.stop());

    registerLiveGauges(registry, {
      queueLength: () => queue.length,
      trackedGroups: () => tracker.trackedIds().size,
      providerHealthy: () => provider.health().ok,
      leaseRenewals: () => servedNodes.nodes().reduce((n, x) => n + x.renewals, 0),
    });

    const server = await startHealthServer(config.healthAddress, {
      ready: () => controller.adopted,
      registry,
    });
    shutdown.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const addr = server.address() as AddressInfo;
    log.info(
      { nodes: nodeNames, serving: nodeNames.filter((n) => ownership.holds(n)), health: addr.port },
      'reconciler started',
    );

    return {
      nodeNames,
      get nodes() {
        return servedNodes.nodes();
      },
      holds: (node) => ownership.holds(node),
      ownership,
      controller,
      tracker,
      provider,
      poller,
      eci,
      privateZone: privateZone.sync,
      healthUrl: `http://127.0.0.1:${addr.port}`,
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
