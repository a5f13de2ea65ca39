// Keeps the ECI Profile current: an informer on the one ConfigMap, hot reload on every
// change, the last good profile kept when an update is malformed (with a Warning Event
// on the ConfigMap saying which key is at fault), built-in defaults when it is deleted.
import {
  CoreV1Api,
  ListWatch,
  Watch,
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
  type V1ConfigMap,
} from '@kubernetes/client-node';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Logger } from './logger.ts';
import { backoffDelay } from './backoff.ts';
import {
  DEFAULT_PROFILE,
  PROFILE_CONFIGMAP,
  formatProfileErrors,
  parseEciProfile,
  type EciProfile,
  type ProfileError,
} from './profile.ts';

export interface ProfileWatcherOptions {
  kubeConfig: KubeConfig;
  logger: Logger;
  namespace?: string;
  name?: string;
  /** Event source component, e.g. "eci-webhook". */
  component: string;
  registry?: Registry;
  /** Called after every accepted change (including deletion back to defaults). */
  onChange?: (profile: EciProfile) => void;
}

export interface ProfileWatcher {
  /** The profile in force: the last good one, or the defaults when there is none. */
  current(): EciProfile;
  /** True once the first list has been processed. */
  synced(): boolean;
  /** The errors of the newest ConfigMap version when it was rejected, else undefined. */
  lastErrors(): ProfileError[] | undefined;
  waitForSync(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

interface Restartable {
  on(verb: 'error', cb: (err?: unknown) => void): void;
  start(): Promise<void>;
  latestResourceVersion(): string;
}

/**
 * Starts an informer and keeps it running: client-node's ListWatch stops on errors other
 * than 410 Gone, so it is restarted with backoff. `onSynced` runs once, after the first
 * successful list (start() also resolves when the list failed).
 */
export function runInformer(
  informer: Restartable,
  logger: Logger,
  what: string,
  isStopped: () => boolean,
  onSynced: () => void,
): void {
  let failures = 0;
  let synced = false;
  const start = () =>
    informer.start().then(
      () => {
        if (!synced && informer.latestResourceVersion() !== '') {
          synced = true;
          failures = 0;
          onSynced();
        }
      },
      () => {},
    );
  informer.on('error', (err) => {
    if (isStopped()) return;
    const delay = backoffDelay(failures++, 500, 30_000);
    logger.warn({ err, what, retryInMs: delay }, 'list/watch failed; restarting');
    setTimeout(() => {
      if (!isStopped()) void start();
    }, delay).unref();
  });
  void start();
}

export interface WatchOptions<T extends KubernetesObject> {
  kubeConfig: KubeConfig;
  logger: Logger;
  /** The collection's path, e.g. `/api/v1/pods` or `/api/v1/namespaces/ns/secrets`. */
  path: string;
  /** The list call for the same collection and selector. */
  list: () => Promise<KubernetesListObject<T>>;
  fieldSelector?: string;
  /** For log lines: what is being watched. */
  what: string;
  onAdd?: (obj: T) => void;
  onUpdate?: (obj: T) => void;
  onDelete?: (obj: T) => void;
}

/**
 * The one informer helper: a ListWatch on a collection kept running by runInformer.
 * `synced` resolves after the first successful list; `stop` ends the watch.
 */
export function watchObjects<T extends KubernetesObject>(
  o: WatchOptions<T>,
): { synced: Promise<void>; stop(): Promise<void> } {
  let stopped = false;
  const informer = new ListWatch<T>(
    o.path,
    new Watch(o.kubeConfig),
    o.list,
    false,
    undefined,
    o.fieldSelector,
  );
  if (o.onAdd) informer.on('add', o.onAdd);
  if (o.onUpdate) informer.on('update', o.onUpdate);
  if (o.onDelete) informer.on('delete', o.onDelete);
  const synced = new Promise<void>((resolve) =>
    runInformer(informer, o.logger, o.what, () => stopped, resolve),
  );
  return {
    synced,
    stop: async () => {
      stopped = true;
      await informer.stop();
    },
  };
}

export function watchEciProfile(options: ProfileWatcherOptions): ProfileWatcher {
  const namespace = options.namespace ?? PROFILE_CONFIGMAP.namespace;
  const name = options.name ?? PROFILE_CONFIGMAP.name;
  const { logger } = options;
  const core = options.kubeConfig.makeApiClient(CoreV1Api);
  const reloads = new Counter({
    name: 'eci_profile_reloads_total',
    help: 'ECI Profile ConfigMap versions processed, by result (applied, rejected, deleted)',
    labelNames: ['result'],
    registers: options.registry ? [options.registry] : [],
  });
  const valid = new Gauge({
    name: 'eci_profile_valid',
    help: '1 when the newest ECI Profile ConfigMap version was accepted, 0 when the last good one is kept',
    registers: options.registry ? [options.registry] : [],
  });
  valid.set(1);

  let profile: EciProfile = DEFAULT_PROFILE;
  let errors: ProfileError[] | undefined;
  let isSynced = false;
  let lastSeenVersion: string | undefined;
  const syncWaiters: Array<() => void> = [];

  const apply = (cm: V1ConfigMap) => {
    const version = cm.metadata?.resourceVersion;
    if (version !== undefined && version === lastSeenVersion) return; // relist of the same object
    lastSeenVersion = version;
    const result = parseEciProfile(cm.data);
    if (result.ok) {
      profile = result.profile;
      errors = undefined;
      valid.set(1);
      reloads.inc({ result: 'applied' });
      for (const warning of result.warnings) logger.warn({ configMap: `${namespace}/${name}` }, warning);
      logger.info({ configMap: `${namespace}/${name}`, resourceVersion: version }, 'ECI profile applied');
      options.onChange?.(profile);
      return;
    }
    errors = result.errors;
    valid.set(0);
    reloads.inc({ result: 'rejected' });
    const message = `ECI profile rejected, keeping the previous one: ${formatProfileErrors(result.errors)}`;
    logger.error(
      { configMap: `${namespace}/${name}`, resourceVersion: version, errors: result.errors },
      message,
    );
    void recordWarning(cm, message);
  };

  const recordWarning = async (cm: V1ConfigMap, message: string) => {
    const now = new Date();
    try {
      await core.createNamespacedEvent({
        namespace,
        body: {
          metadata: { generateName: `${name}.`, namespace },
          involvedObject: {
            apiVersion: 'v1',
            kind: 'ConfigMap',
            namespace,
            name,
            uid: cm.metadata?.uid,
            resourceVersion: cm.metadata?.resourceVersion,
          },
          type: 'Warning',
          reason: 'InvalidEciProfile',
          message: message.slice(0, 1024),
          source: { component: options.component },
          reportingComponent: options.component,
          firstTimestamp: now,
          lastTimestamp: now,
          count: 1,
        },
      });
    } catch (err) {
      logger.warn({ err }, 'could not record the InvalidEciProfile event');
    }
  };

  const informer = watchObjects<V1ConfigMap>({
    kubeConfig: options.kubeConfig,
    logger,
    path: `/api/v1/namespaces/${namespace}/configmaps`,
    list: () => core.listNamespacedConfigMap({ namespace, fieldSelector: `metadata.name=${name}` }),
    fieldSelector: `metadata.name=${name}`,
    what: `configmap ${namespace}/${name}`,
    onAdd: apply,
    onUpdate: apply,
    onDelete: () => {
      lastSeenVersion = undefined;
      profile = DEFAULT_PROFILE;
      errors = undefined;
      valid.set(1);
      reloads.inc({ result: 'deleted' });
      logger.info({ configMap: `${namespace}/${name}` }, 'ECI profile deleted; built-in rules only');
      options.onChange?.(profile);
    },
  });
  void informer.synced.then(() => {
    isSynced = true;
    for (const resolve of syncWaiters.splice(0)) resolve();
  });

  return {
    current: () => profile,
    synced: () => isSynced,
    lastErrors: () => errors,
    waitForSync: (timeoutMs = 30_000) =>
      isSynced
        ? Promise.resolve()
        : new Promise<void>((resolve, reject) => {
            const timer = setTimeout(
              () => reject(new Error(`ECI profile ${namespace}/${name} not synced after ${timeoutMs} ms`)),
              timeoutMs,
            );
            syncWaiters.push(() => {
              clearTimeout(timer);
              resolve();
            });
          }),
    stop: () => informer.stop(),
  };
}
