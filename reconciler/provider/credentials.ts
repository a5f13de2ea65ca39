// The ECI access key: read at start-up from the credentials Secret (else the environment),
// and kept current while the reconciler runs: an edited Secret and a Secret deleted and
// created again both take effect without a restart.
import { CoreV1Api, type KubeConfig, type V1Secret } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { credentialsFromSecretData, type Credentials, type ReconcilerConfig } from '../config.ts';
import { isNotFound } from '../../shared/kube.ts';
import { watchObjects } from '../../shared/profile-watcher.ts';

/** A start-up problem the operator must fix; main.ts prints its message as one line. */
export class StartupError extends Error {}

function secretRef(config: Pick<ReconcilerConfig, 'credentialsSecret'>): { namespace: string; name: string } {
  const [namespace, name] = config.credentialsSecret.split('/') as [string, string];
  return { namespace, name };
}

export async function resolveCredentials(
  core: CoreV1Api,
  config: ReconcilerConfig,
): Promise<{ credentials: Credentials; fromSecret: boolean }> {
  const { namespace, name } = secretRef(config);
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

/** Applies every new version of the Secret (edited, or deleted and created again). */
export function watchCredentials(
  kc: KubeConfig,
  config: Pick<ReconcilerConfig, 'credentialsSecret'>,
  apply: (credentials: Credentials) => void,
  log: Logger,
): { stop(): Promise<void> } {
  const { namespace, name } = secretRef(config);
  const core = kc.makeApiClient(CoreV1Api);
  let lastVersion: string | undefined;
  const onSecret = (s: V1Secret) => {
    // A relist repeats versions already applied.
    const version = s.metadata?.resourceVersion;
    if (version !== undefined && version === lastVersion) return;
    lastVersion = version;
    const parsed = credentialsFromSecretData(s.data, config.credentialsSecret);
    if (parsed.ok) {
      apply(parsed.credentials);
      log.info('ECI credentials reloaded from the Secret');
    } else {
      log.warn(parsed.error + '; keeping the previous credentials');
    }
  };
  return watchObjects<V1Secret>({
    kubeConfig: kc,
    logger: log,
    path: `/api/v1/namespaces/${namespace}/secrets`,
    list: () => core.listNamespacedSecret({ namespace, fieldSelector: `metadata.name=${name}` }),
    fieldSelector: `metadata.name=${name}`,
    what: 'credentials secret',
    onAdd: onSecret,
    onUpdate: onSecret,
    onDelete: () => {
      lastVersion = undefined;
      log.warn(
        `Secret ${config.credentialsSecret} deleted; keeping the previous credentials until it is created again`,
      );
    },
  });
}
