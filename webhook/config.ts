// Webhook flags and environment: one row per flag for the shared parser (shared/flags.ts).
import { z } from 'zod';
import {
  csvList,
  flagSchema,
  flagUsage,
  parseFlags,
  type FlagResult,
  type FlagTable,
} from '../shared/flags.ts';
import { DEBUG_FLAGS } from '../shared/debug-listener.ts';

const namespacedName = z
  .string()
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?\/[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, 'must be <namespace>/<name>');
const dnsLabel = z
  .string()
  .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be a DNS label (lowercase, digits, "-")');

const FLAGS = {
  kubeconfig: {
    flag: 'kubeconfig',
    env: 'KUBECONFIG',
    schema: z.string().min(1).optional(),
    help: 'kubeconfig file; unset = the in-cluster service account',
  },
  host: {
    flag: 'host',
    env: 'WEBHOOK_HOST',
    default: '0.0.0.0',
    schema: z.string().min(1),
    help: 'listen address',
  },
  port: {
    flag: 'port',
    env: 'WEBHOOK_PORT',
    default: '8443',
    // 0 picks a free port (tests); the chosen one is logged.
    schema: z.coerce.number({ error: 'must be a port number (0-65535)' }).int().min(0).max(65535),
    help: 'HTTPS port (0 = any free port, logged)',
  },
  certDir: {
    flag: 'cert-dir',
    env: 'WEBHOOK_CERT_DIR',
    schema: z.string().min(1).optional(),
    help: 'directory with tls.crt and tls.key (e.g. from cert-manager), reloaded on change; unset = self-managed certificate',
  },
  namespace: {
    flag: 'namespace',
    env: 'POD_NAMESPACE',
    default: 'eci-virtual-node',
    schema: dnsLabel,
    help: "the webhook's namespace (its Service and certificate Secret live there)",
  },
  serviceName: {
    flag: 'service-name',
    default: 'eci-webhook',
    schema: dnsLabel,
    help: 'Service name the self-managed certificate is issued for',
  },
  certSecret: {
    flag: 'cert-secret',
    default: 'eci-webhook-certs',
    schema: dnsLabel,
    help: 'Secret holding the self-managed CA and serving certificate',
  },
  certHosts: {
    flag: 'cert-hosts',
    default: '',
    schema: csvList.pipe(z.array(z.string().min(1))),
    help: 'extra SANs for the self-managed certificate, comma-separated (IPs or DNS names)',
  },
  webhookConfigName: {
    flag: 'webhook-config-name',
    default: 'eci-virtual-node-webhook',
    schema: z.string().regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, 'must be a DNS subdomain'),
    help: 'MutatingWebhookConfiguration whose caBundle the webhook keeps current (self-managed certificate)',
  },
  profileConfigMap: {
    flag: 'profile-configmap',
    default: 'kube-system/eci-profile',
    schema: namespacedName,
    help: 'the ECI Profile ConfigMap, <namespace>/<name>',
  },
  dnsService: {
    flag: 'dns-service',
    default: 'kube-system/kube-dns',
    schema: namespacedName,
    help: 'the cluster DNS Service whose ClusterIP is stamped on ECI pods, <namespace>/<name>',
  },
  clusterDomain: {
    flag: 'cluster-domain',
    env: 'CLUSTER_DOMAIN',
    default: 'cluster.local',
    schema: z
      .string()
      .regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, 'must be a DNS domain such as cluster.local'),
    help: 'cluster DNS domain stamped on ECI pods',
  },
  certCheckIntervalMs: {
    flag: 'cert-check-interval-ms',
    default: '300000',
    schema: z.coerce.number().int().min(1000),
    help: 'how often the serving certificate is checked for renewal',
  },
  certRenewFraction: {
    flag: 'cert-renew-fraction',
    default: '0.33',
    // Rotate the serving certificate when less than this fraction of its lifetime is left.
    schema: z.coerce.number().gt(0).lt(1),
    help: 'renew when less than this fraction of the certificate lifetime is left',
  },
  ...DEBUG_FLAGS,
} as const satisfies FlagTable;

const webhookConfigSchema = flagSchema(FLAGS);

export type WebhookConfig = z.infer<typeof webhookConfigSchema>;

export type ConfigResult = FlagResult<WebhookConfig>;

/** `--help`: every flag with its environment variable and default. */
export const USAGE = `usage: npm run webhook -- [flags]   (node webhook/main.ts [flags])
flags (a flag wins over its environment variable):
${flagUsage(FLAGS)}`;

/** Pure: argv (without node and script) + environment → a validated config or one error line. */
export function parseWebhookConfig(argv: string[], env: Record<string, string | undefined>): ConfigResult {
  // Errors name where the bad value came from: the flag, or the variable standing in for it.
  return parseFlags(FLAGS, webhookConfigSchema, argv, env, { errorNaming: 'origin' });
}

export function splitNamespacedName(value: string): { namespace: string; name: string } {
  const [namespace = '', name = ''] = value.split('/');
  return { namespace, name };
}
