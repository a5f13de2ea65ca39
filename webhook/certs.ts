// Serving certificates. Self-managed (default): a CA and a serving certificate kept in a
// Secret (shared by replicas), reissued before expiry or when the wanted names change,
// with the CA bundle patched into the MutatingWebhookConfiguration. Mounted (--cert-dir):
// tls.crt/tls.key from a directory (cert-manager), reloaded when the files change.
import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { watch, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import { isIP } from 'node:net';
import {
  AdmissionregistrationV1Api,
  CoreV1Api,
  type KubeConfig,
  type V1Secret,
} from '@kubernetes/client-node';
import type { Logger } from '../shared/logger.ts';
import { isAlreadyExists, isConflict, isNotFound } from '../shared/kube.ts';
import { createCertificateAuthority, issueCertificate, loadCertificateAuthority } from '../shared/x509.ts';

export interface ServingCertificate {
  cert: string;
  key: string;
  /** PEM bundle the apiserver must trust (current CA, plus the previous one during a CA roll). */
  caBundle: string;
}

const SECRET_KEYS = {
  cert: 'tls.crt',
  key: 'tls.key',
  ca: 'ca.crt',
  caKey: 'ca.key',
  previousCa: 'ca-previous.crt',
} as const;

const CA_VALIDITY_DAYS = 3650;
const LEAF_VALIDITY_DAYS = 365;

/** The names the serving certificate must carry: the Service's DNS names plus any extra hosts. */
export function servingNames(
  service: string,
  namespace: string,
  extraHosts: readonly string[],
  clusterDomain = 'cluster.local',
): { dnsNames: string[]; ipAddresses: string[] } {
  const dnsNames = [
    service,
    `${service}.${namespace}`,
    `${service}.${namespace}.svc`,
    `${service}.${namespace}.svc.${clusterDomain}`,
  ];
  const ipAddresses: string[] = [];
  for (const host of extraHosts) (isIP(host) ? ipAddresses : dnsNames).push(host);
  return { dnsNames: [...new Set(dnsNames)], ipAddresses: [...new Set(ipAddresses)] };
}

function sans(cert: X509Certificate): Set<string> {
  return new Set(
    (cert.subjectAltName ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  );
}

/**
 * Pure: why the stored certificate must be replaced, or undefined when it is fine.
 * Renew when less than `renewFraction` of the lifetime is left, so a rotation happens
 * long before expiry even if checks are missed.
 */
export function renewalReason(
  certPem: string | undefined,
  caPem: string | undefined,
  wanted: { dnsNames: string[]; ipAddresses: string[] },
  now: Date,
  renewFraction: number,
): string | undefined {
  if (!certPem || !caPem) return 'no certificate stored';
  let cert: X509Certificate;
  let ca: X509Certificate;
  try {
    cert = new X509Certificate(certPem);
    ca = new X509Certificate(caPem);
  } catch (err) {
    return `stored certificate unreadable: ${(err as Error).message}`;
  }
  if (!cert.checkIssued(ca) || !cert.verify(ca.publicKey)) return 'certificate not signed by the stored CA';
  const from = new Date(cert.validFrom).getTime();
  const to = new Date(cert.validTo).getTime();
  if (to - now.getTime() < (to - from) * renewFraction) return `certificate expires ${cert.validTo}`;
  const have = sans(cert);
  const missing = [
    ...wanted.dnsNames.map((n) => `DNS:${n}`),
    ...wanted.ipAddresses.map((ip) => `IP Address:${ip}`),
  ].filter((n) => !have.has(n));
  if (missing.length > 0) return `certificate lacks ${missing.join(', ')}`;
  return undefined;
}

/** Pure: whether the CA itself must be replaced (same rule, on the CA's lifetime). */
export function caRenewalReason(
  caPem: string | undefined,
  now: Date,
  renewFraction: number,
): string | undefined {
  if (!caPem) return 'no CA stored';
  try {
    const ca = new X509Certificate(caPem);
    const from = new Date(ca.validFrom).getTime();
    const to = new Date(ca.validTo).getTime();
    if (to - now.getTime() < (to - from) * renewFraction) return `CA expires ${ca.validTo}`;
    return undefined;
  } catch (err) {
    return `stored CA unreadable: ${(err as Error).message}`;
  }
}

const decode = (data: Record<string, string> | undefined, key: string) => {
  const value = data?.[key];
  return value === undefined ? undefined : Buffer.from(value, 'base64').toString('utf8');
};
const encode = (value: string) => Buffer.from(value).toString('base64');

export interface SelfManagedOptions {
  kubeConfig: KubeConfig;
  logger: Logger;
  namespace: string;
  secretName: string;
  serviceName: string;
  extraHosts: readonly string[];
  clusterDomain?: string;
  renewFraction: number;
  now?: () => Date;
}

/** Reads the Secret, creating or renewing its content as needed; returns what to serve. */
export async function ensureSelfManagedCertificate(options: SelfManagedOptions): Promise<ServingCertificate> {
  const { logger, namespace, secretName } = options;
  const core = options.kubeConfig.makeApiClient(CoreV1Api);
  const wanted = servingNames(options.serviceName, namespace, options.extraHosts, options.clusterDomain);
  const now = options.now?.() ?? new Date();

  for (let attempt = 0; attempt < 5; attempt++) {
    let secret: V1Secret | undefined;
    try {
      secret = await core.readNamespacedSecret({ name: secretName, namespace });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    const data = secret?.data;
    let caPem = decode(data, SECRET_KEYS.ca);
    let caKeyPem = decode(data, SECRET_KEYS.caKey);
    let previousCa = decode(data, SECRET_KEYS.previousCa);
    const certPem = decode(data, SECRET_KEYS.cert);
    const keyPem = decode(data, SECRET_KEYS.key);

    const caReason = caKeyPem ? caRenewalReason(caPem, now, options.renewFraction) : 'no CA key stored';
    const leafReason = caReason ?? renewalReason(certPem, caPem, wanted, now, options.renewFraction);
    if (!caReason && !leafReason && certPem && keyPem && caPem) {
      return { cert: certPem, key: keyPem, caBundle: previousCa ? caPem + previousCa : caPem };
    }

    let ca;
    if (caReason) {
      logger.info({ secret: `${namespace}/${secretName}`, reason: caReason }, 'creating a new webhook CA');
      // Keep trusting the old CA until every replica serves a certificate from the new one.
      previousCa = caPem && caRenewalReason(caPem, now, 0) === undefined ? caPem : undefined;
      ca = await createCertificateAuthority(
        `eci-webhook-ca@${Math.floor(now.getTime() / 1000)}`,
        CA_VALIDITY_DAYS,
      );
      caPem = ca.certPem;
      caKeyPem = ca.keyPem;
    } else {
      ca = await loadCertificateAuthority(caPem!, caKeyPem!);
    }
    logger.info(
      { secret: `${namespace}/${secretName}`, reason: leafReason },
      'issuing a webhook serving certificate',
    );
    const leaf = await issueCertificate(ca, {
      commonName: `${options.serviceName}.${namespace}.svc`,
      ...wanted,
      usage: 'server',
      validityDays: LEAF_VALIDITY_DAYS,
    });
    const body: V1Secret = {
      metadata: {
        name: secretName,
        namespace,
        resourceVersion: secret?.metadata?.resourceVersion,
        labels: { 'app.kubernetes.io/name': 'eci-webhook', 'app.kubernetes.io/part-of': 'eci-virtual-node' },
      },
      type: 'kubernetes.io/tls',
      data: {
        [SECRET_KEYS.cert]: encode(leaf.certPem),
        [SECRET_KEYS.key]: encode(leaf.keyPem),
        [SECRET_KEYS.ca]: encode(caPem!),
        [SECRET_KEYS.caKey]: encode(caKeyPem!),
        ...(previousCa ? { [SECRET_KEYS.previousCa]: encode(previousCa) } : {}),
      },
    };
    try {
      if (secret) await core.replaceNamespacedSecret({ name: secretName, namespace, body });
      else await core.createNamespacedSecret({ namespace, body });
      return { cert: leaf.certPem, key: leaf.keyPem, caBundle: previousCa ? caPem! + previousCa : caPem! };
    } catch (err) {
      // Another replica wrote first: use what it stored.
      if (isConflict(err) || isAlreadyExists(err)) continue;
      throw err;
    }
  }
  throw new Error(`could not settle the certificate Secret ${namespace}/${secretName} after 5 attempts`);
}

/** Puts the CA bundle into every webhook of the configuration; returns how many were patched. */
export async function patchCaBundle(
  kubeConfig: KubeConfig,
  configName: string,
  caBundlePem: string,
): Promise<number> {
  const api = kubeConfig.makeApiClient(AdmissionregistrationV1Api);
  const config = await api.readMutatingWebhookConfiguration({ name: configName });
  const wanted = encode(caBundlePem);
  const ops: object[] = [];
  (config.webhooks ?? []).forEach((hook, i) => {
    if (hook.clientConfig.caBundle === wanted) return;
    // The test guards against the list changing between read and patch.
    ops.push({ op: 'test', path: `/webhooks/${i}/name`, value: hook.name });
    ops.push({ op: 'add', path: `/webhooks/${i}/clientConfig/caBundle`, value: wanted });
  });
  if (ops.length === 0) return 0;
  await api.patchMutatingWebhookConfiguration({ name: configName, body: ops });
  return ops.length / 2;
}

export interface CertDirWatcher {
  current(): ServingCertificate;
  stop(): void;
}

async function readCertDir(dir: string): Promise<ServingCertificate> {
  const [cert, key] = await Promise.all([
    readFile(join(dir, SECRET_KEYS.cert), 'utf8'),
    readFile(join(dir, SECRET_KEYS.key), 'utf8'),
  ]);
  new X509Certificate(cert); // refuse a half-written or garbage file
  const caBundle = await readFile(join(dir, SECRET_KEYS.ca), 'utf8').catch(() => '');
  return { cert, key, caBundle };
}

/**
 * Loads tls.crt/tls.key from a directory and calls `onChange` when they change. Kubernetes
 * swaps mounted Secrets through a symlink, which fs.watch does not always report, so the
 * files are also polled.
 */
export async function watchCertDir(
  dir: string,
  logger: Logger,
  onChange: (cert: ServingCertificate) => void,
  pollMs = 10_000,
): Promise<CertDirWatcher> {
  let current = await readCertDir(dir);
  let watcher: FSWatcher | undefined;
  const check = async () => {
    try {
      const next = await readCertDir(dir);
      if (next.cert === current.cert && next.key === current.key) return;
      current = next;
      logger.info({ dir }, 'serving certificate reloaded from --cert-dir');
      onChange(next);
    } catch (err) {
      logger.warn({ err, dir }, 'could not reload the certificate from --cert-dir; keeping the current one');
    }
  };
  try {
    watcher = watch(dir, () => void check());
  } catch (err) {
    logger.warn({ err, dir }, 'fs.watch unavailable; polling only');
  }
  const timer = setInterval(() => void check(), pollMs);
  timer.unref();
  return {
    current: () => current,
    stop: () => {
      clearInterval(timer);
      watcher?.close();
    },
  };
}
