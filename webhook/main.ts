// The webhook program: flags → certificates → caches → HTTPS server; graceful SIGTERM.
import { X509Certificate } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { Gauge } from 'prom-client';
import { checkEciAnnotations } from '../shared/annotations.ts';
import { createLogger } from '../shared/logger.ts';
import { createRegistry } from '../shared/metrics.ts';
import { loadKubeConfig, isNotFound } from '../shared/kube.ts';
import { watchEciProfile } from '../shared/profile-watcher.ts';
import { wantsHelp } from '../shared/flags.ts';
import { parseWebhookConfig, splitNamespacedName, USAGE, type WebhookConfig } from './config.ts';
import { watchClusterFacts, watchNamespaces } from './cluster.ts';
import {
  ensureSelfManagedCertificate,
  patchCaBundle,
  watchCertDir,
  type ServingCertificate,
} from './certs.ts';
import { buildServer, setServingCertificate } from './server.ts';
import { memoizeChecker } from './annotation-check.ts';
import { startDebugListener } from '../shared/debug-listener.ts';
import { checkWebhookPermissions } from '../shared/permissions/webhook.ts';

/** In-flight reviews get this long after SIGTERM before connections are cut. */
const SHUTDOWN_DRAIN_MS = 6_000;
/** The process exits by then whatever is still pending. */
const SHUTDOWN_HARD_MS = 15_000;

const argv = process.argv.slice(2);
if (wantsHelp(argv)) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
const parsed = parseWebhookConfig(argv, process.env);
if (!parsed.ok) {
  console.error(`eci-webhook: ${parsed.error}\n(see --help)`);
  process.exit(2);
}
const config: WebhookConfig = parsed.config;
const logger = createLogger('eci-webhook');
const registry = createRegistry('eci-webhook');
async function run(): Promise<void> {
  // Until the server listens a signal just ends the process: as PID 1 without an init, a
  // SIGTERM that finds no handler is ignored until the grace period runs out.
  const whileStarting = () => process.exit(0);
  process.on('SIGTERM', whileStarting);
  process.on('SIGINT', whileStarting);
  const kubeConfig = loadKubeConfig(config.kubeconfig);
  // Missing RBAC is named in seconds, one line per permission (shared/permissions/).
  if (!(await checkWebhookPermissions(kubeConfig, config))) process.exit(1);
  await startDebugListener(config, logger);
  const cleanups: Array<() => unknown> = [];
  let shuttingDown = false;

  // Certificates first: nothing can be served without them.
  let serving: ServingCertificate;
  let onCertificate: (cert: ServingCertificate) => void = () => {};
  if (config.certDir) {
    const dirWatcher = await watchCertDir(config.certDir, logger, (cert) => onCertificate(cert));
    serving = dirWatcher.current();
    cleanups.push(() => dirWatcher.stop());
  } else {
    const ensure = () =>
      ensureSelfManagedCertificate({
        kubeConfig,
        logger,
        namespace: config.namespace,
        secretName: config.certSecret,
        serviceName: config.serviceName,
        extraHosts: config.certHosts,
        clusterDomain: config.clusterDomain,
        renewFraction: config.certRenewFraction,
      });
    /** Returns true when the configuration already trusted this bundle (nothing to patch). */
    const syncCaBundle = async (caBundle: string): Promise<boolean> => {
      try {
        const patched = await patchCaBundle(kubeConfig, config.webhookConfigName, caBundle);
        if (patched > 0)
          logger.info({ webhookConfig: config.webhookConfigName, patched }, 'caBundle updated');
        return patched === 0;
      } catch (err) {
        const level = isNotFound(err) ? 'warn' : 'error';
        logger[level]({ err, webhookConfig: config.webhookConfigName }, 'could not update the caBundle');
        return false;
      }
    };
    serving = await ensure();
    await syncCaBundle(serving.caBundle);
    // Rotation (and pick-up of another replica's rotation) on a timer.
    const timer = setInterval(() => {
      ensure().then(
        async (next) => {
          const trusted = await syncCaBundle(next.caBundle);
          // A certificate from a new CA is served only once the apiserver has had a tick to
          // learn the new bundle; a renewed leaf from the same CA is served at once.
          const sameCa = next.caBundle === serving.caBundle;
          if (next.cert !== serving.cert && (sameCa || trusted)) onCertificate(next);
        },
        (err: unknown) => logger.error({ err }, 'certificate check failed'),
      );
    }, config.certCheckIntervalMs);
    timer.unref();
    cleanups.push(() => clearInterval(timer));
  }

  const profileRef = splitNamespacedName(config.profileConfigMap);
  const profile = watchEciProfile({
    kubeConfig,
    logger,
    namespace: profileRef.namespace,
    name: profileRef.name,
    component: 'eci-webhook',
    registry,
  });
  const namespaces = watchNamespaces(kubeConfig, logger);
  const facts = watchClusterFacts({
    kubeConfig,
    logger,
    dnsService: splitNamespacedName(config.dnsService),
    clusterDomain: config.clusterDomain,
  });
  cleanups.push(
    () => profile.stop(),
    () => namespaces.stop(),
    () => facts.stop(),
  );

  const checkAnnotations = memoizeChecker(checkEciAnnotations);
  new Gauge({
    name: 'eci_webhook_annotation_cache_bytes',
    help: 'Accounted bytes held by the annotation-check cache (bounded, see webhook/annotation-check.ts)',
    registers: [registry],
    collect() {
      this.set(checkAnnotations.cacheStats().bytes);
    },
  });
  const app = buildServer({
    logger,
    registry,
    tls: { cert: serving.cert, key: serving.key },
    state: {
      namespaceLabels: (name) => namespaces.labels(name),
      profile: () => profile.current(),
      facts: () => facts.facts(),
      ready: () => !shuttingDown && profile.synced() && namespaces.synced(),
      checkAnnotations,
    },
  });
  const certExpiry = new Gauge({
    name: 'eci_webhook_certificate_expiry_timestamp_seconds',
    help: 'notAfter of the serving certificate in use (alert when it nears now)',
    registers: [registry],
  });
  const recordExpiry = (pem: string) =>
    certExpiry.set(new Date(new X509Certificate(pem).validTo).getTime() / 1000);
  recordExpiry(serving.cert);
  onCertificate = (cert) => {
    serving = cert;
    recordExpiry(cert.cert);
    setServingCertificate(app, { cert: cert.cert, key: cert.key });
    logger.info('serving certificate replaced');
  };

  await app.listen({ host: config.host, port: config.port });
  const address = app.server.address() as AddressInfo;
  logger.info({ host: address.address, port: address.port }, 'listening');

  async function shutdown(signal: string) {
    if (shuttingDown) return;
    shuttingDown = true;
    logger.info({ signal }, 'shutting down: finishing in-flight reviews');
    // The apiserver gives up on a review after timeoutSeconds (5 s), so nothing worth
    // waiting for is in flight past the drain deadline; a keep-alive connection that
    // never goes idle must not hold the process for its 90 s idle timeout.
    const drain = setTimeout(() => {
      logger.warn({ afterMs: SHUTDOWN_DRAIN_MS }, 'drain deadline passed: closing remaining connections');
      app.server.closeAllConnections();
    }, SHUTDOWN_DRAIN_MS);
    const hardStop = setTimeout(() => {
      logger.error({ afterMs: SHUTDOWN_HARD_MS }, 'shutdown did not finish: exiting');
      process.exit(1);
    }, SHUTDOWN_HARD_MS);
    hardStop.unref();
    try {
      await app.close(); // stops accepting, waits for in-flight requests
      clearTimeout(drain);
      for (const cleanup of cleanups) await cleanup();
    } catch (err) {
      logger.error({ err }, 'error during shutdown');
    }
    logger.info('stopped');
    process.exit(0);
  }
  process.off('SIGTERM', whileStarting);
  process.off('SIGINT', whileStarting);
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

run().catch((err: unknown) => {
  logger.fatal({ err }, 'startup failed');
  process.exit(1);
});
