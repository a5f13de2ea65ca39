// Webhook flags and environment, validated with zod. Flags win over environment
// variables; an error names the flag (and variable) at fault in one line.
import { parseArgs } from 'node:util';
import { z } from 'zod';

const namespacedName = z
  .string()
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?\/[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, 'must be <namespace>/<name>');
const dnsLabel = z
  .string()
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be a DNS label (lowercase, digits, "-")');
const csv = z.string().transform((s) =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean),
);

export const webhookConfigSchema = z.object({
  kubeconfig: z.string().min(1).optional(),
  host: z.string().min(1),
  // 0 picks a free port (tests); the chosen one is logged.
  port: z.coerce.number({ error: 'must be a port number (0-65535)' }).int().min(0).max(65535),
  /** Mounted certificates (tls.crt, tls.key), e.g. from cert-manager; unset = self-managed. */
  certDir: z.string().min(1).optional(),
  namespace: dnsLabel,
  serviceName: dnsLabel,
  certSecret: dnsLabel,
  /** Extra SANs for the self-managed certificate (IPs or DNS names), e.g. 127.0.0.1. */
  certHosts: csv.pipe(z.array(z.string().min(1))),
  /** MutatingWebhookConfiguration whose caBundle the webhook keeps current (self-managed certs). */
  webhookConfigName: z.string().regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, 'must be a DNS subdomain'),
  profileConfigMap: namespacedName,
  dnsService: namespacedName,
  clusterDomain: z
    .string()
    .regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, 'must be a DNS domain such as cluster.local'),
  certCheckIntervalMs: z.coerce.number().int().min(1000),
  /** Rotate the serving certificate when less than this fraction of its lifetime is left. */
  certRenewFraction: z.coerce.number().gt(0).lt(1),
});

export type WebhookConfig = z.infer<typeof webhookConfigSchema>;

/** Flag → [config key, environment variable, default]. */
const FLAGS: Record<string, [keyof WebhookConfig, string | undefined, string | undefined]> = {
  kubeconfig: ['kubeconfig', 'KUBECONFIG', undefined],
  host: ['host', 'WEBHOOK_HOST', '0.0.0.0'],
  port: ['port', 'WEBHOOK_PORT', '8443'],
  'cert-dir': ['certDir', 'WEBHOOK_CERT_DIR', undefined],
  namespace: ['namespace', 'POD_NAMESPACE', 'eci-virtual-node'],
  'service-name': ['serviceName', undefined, 'eci-webhook'],
  'cert-secret': ['certSecret', undefined, 'eci-webhook-certs'],
  'cert-hosts': ['certHosts', undefined, ''],
  'webhook-config-name': ['webhookConfigName', undefined, 'eci-virtual-node-webhook'],
  'profile-configmap': ['profileConfigMap', undefined, 'kube-system/eci-profile'],
  'dns-service': ['dnsService', undefined, 'kube-system/kube-dns'],
  'cluster-domain': ['clusterDomain', 'CLUSTER_DOMAIN', 'cluster.local'],
  'cert-check-interval-ms': ['certCheckIntervalMs', undefined, '300000'],
  'cert-renew-fraction': ['certRenewFraction', undefined, '0.33'],
};

export type ConfigResult = { ok: true; config: WebhookConfig } | { ok: false; error: string };

export const USAGE = `usage: node webhook/main.ts [flags]\n${Object.entries(FLAGS)
  .map(
    ([flag, [, env, def]]) =>
      `  --${flag}${env ? ` (env ${env})` : ''}${def !== undefined ? ` default "${def}"` : ''}`,
  )
  .join('\n')}`;

/** Pure: argv (without node and script) + environment → a validated config or one error line. */
export function parseWebhookConfig(argv: string[], env: Record<string, string | undefined>): ConfigResult {
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({
      args: argv,
      options: Object.fromEntries(Object.keys(FLAGS).map((flag) => [flag, { type: 'string' as const }])),
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
  const input: Record<string, string | undefined> = {};
  const source: Record<string, string> = {};
  for (const [flag, [key, envName, def]] of Object.entries(FLAGS)) {
    const fromFlag = values[flag];
    const fromEnv = envName ? env[envName] : undefined;
    if (typeof fromFlag === 'string') {
      input[key] = fromFlag;
      source[key] = `--${flag}`;
    } else if (fromEnv !== undefined && fromEnv !== '') {
      input[key] = fromEnv;
      source[key] = `${envName} (--${flag})`;
    } else {
      input[key] = def;
      source[key] = `--${flag}`;
    }
  }
  const parsed = webhookConfigSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = String(issue?.path[0] ?? '');
    return { ok: false, error: `${source[key] ?? key}: ${issue?.message ?? 'invalid'}` };
  }
  return { ok: true, config: parsed.data };
}

export function splitNamespacedName(value: string): { namespace: string; name: string } {
  const [namespace = '', name = ''] = value.split('/');
  return { namespace, name };
}
