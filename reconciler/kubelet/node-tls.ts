// Where the kubelet port's certificates come from. The serving certificate: the files of
// --tls-cert-file/--tls-private-key-file (cert-manager or an operator puts them there, signed
// by the CA the API server's --kubelet-certificate-authority names); without them a
// self-signed one, which such an API server refuses. The client CA (who may log in with a
// certificate, the API server's kubelet client among them): --client-ca-file, else the
// cluster's own, published in kube-system/extension-apiserver-authentication (key
// client-ca-file) for every delegated authenticator to read; without either only bearer
// tokens authenticate. Renewed files are picked up without a restart. See docs/security.md.
import { readFileSync, unwatchFile, watchFile } from 'node:fs';
import type { CoreV1Api } from '@kubernetes/client-node';
import type { Logger } from 'pino';

export interface ServingPem {
  certPem: string;
  keyPem: string;
}

const AUTH_CONFIGMAP = { namespace: 'kube-system', name: 'extension-apiserver-authentication' };

/** The serving certificate of the files, both or neither; throws naming the flag at fault. */
export function readServingFiles(certFile?: string, keyFile?: string): ServingPem | undefined {
  if (!certFile && !keyFile) return undefined;
  if (!certFile || !keyFile) {
    throw new Error('--tls-cert-file and --tls-private-key-file go together: give both or neither');
  }
  const read = (file: string, flag: string) => {
    try {
      return readFileSync(file, 'utf8');
    } catch (err) {
      throw new Error(`${flag} ${file}: ${(err as Error).message}`, { cause: err });
    }
  };
  return { certPem: read(certFile, '--tls-cert-file'), keyPem: read(keyFile, '--tls-private-key-file') };
}

/** The client CA bundle: the file, else the cluster's; undefined (with a warning) when neither can be read. */
export async function resolveClientCa(
  file: string | undefined,
  core: CoreV1Api,
  log: Logger,
): Promise<string | undefined> {
  if (file) {
    try {
      return readFileSync(file, 'utf8');
    } catch (err) {
      throw new Error(`--client-ca-file ${file}: ${(err as Error).message}`, { cause: err });
    }
  }
  try {
    const cm = await core.readNamespacedConfigMap(AUTH_CONFIGMAP);
    const pem = cm.data?.['client-ca-file'];
    if (pem?.includes('BEGIN CERTIFICATE')) return pem;
    log.warn(
      AUTH_CONFIGMAP,
      'kubelet API: the cluster publishes no client-ca-file; only bearer tokens authenticate (the API server logs in with a certificate: set --client-ca-file)',
    );
  } catch (err) {
    log.warn(
      { err, ...AUTH_CONFIGMAP },
      'kubelet API: cannot read the cluster client CA; only bearer tokens authenticate (set --client-ca-file, or grant the extension-apiserver-authentication-reader Role)',
    );
  }
  return undefined;
}

/**
 * Calls `onChange` with the files' new certificate whenever either file changes (cert-manager
 * renews them in place), polled every `intervalMs`. A pair caught half-written, or one that
 * `onChange` refuses (key and certificate do not match yet), is skipped with a warning; the
 * next change tries again. Returns the function that stops watching.
 */
export function watchServingFiles(
  certFile: string,
  keyFile: string,
  onChange: (pem: ServingPem) => void,
  log: Logger,
  intervalMs = 30_000,
): () => void {
  const reload = (cur: { mtimeMs: number }, prev: { mtimeMs: number }) => {
    if (cur.mtimeMs === prev.mtimeMs) return;
    try {
      onChange(readServingFiles(certFile, keyFile)!);
      log.info({ certFile }, 'kubelet API: serving certificate reloaded');
    } catch (err) {
      log.warn(
        { err, certFile },
        'kubelet API: the changed serving certificate is not usable yet; keeping the old one',
      );
    }
  };
  watchFile(certFile, { interval: intervalMs }, reload);
  watchFile(keyFile, { interval: intervalMs }, reload);
  return () => {
    unwatchFile(certFile, reload);
    unwatchFile(keyFile, reload);
  };
}
