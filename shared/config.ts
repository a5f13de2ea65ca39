// Reconciler flags and environment, validated with zod. Flags win over environment
// variables; every error names the flag (and variable) at fault in one line.
import { parseArgs } from 'node:util';
import { z } from 'zod';

const positiveInt = z.coerce.number().int().positive();
const quantity = z
  .string()
  .regex(/^\d+(\.\d+)?([KMGTPE]i?|m)?$/, 'must be a Kubernetes quantity such as 4Ti or 1000');
const csv = z
  .string()
  .transform((s) =>
    s
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean),
  )
  .pipe(z.array(z.string()));

export const reconcilerConfigSchema = z.object({
  kubeconfig: z.string().optional(),
  regionId: z.string().regex(/^[a-z]+(-[a-z0-9]+)+$/, 'must be a region id such as cn-hangzhou'),
  clusterId: z.string().min(1).max(128),
  /** Explicit node names; when empty, `nodes` names are generated from `nodePrefix`. */
  nodeNames: z.array(z.string().regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, 'must be a DNS subdomain')),
  nodes: positiveInt.max(100),
  nodePrefix: z.string().min(1),
  nodeCpu: quantity,
  nodeMemory: quantity,
  nodePods: positiveInt,
  nodeIp: z.ipv4().or(z.ipv6()),
  /** 0 picks a free port (tests); the node advertises the one bound. */
  kubeletPort: z.coerce.number().int().min(0).max(65535),
  kubeletAddress: z.string().min(1),
  eciEndpoint: z.string().min(1).optional(),
  vSwitchIds: z.array(z.string().min(1)),
  securityGroupId: z.string().optional(),
  credentialsSecret: z.string().regex(/^[a-z0-9-]+\/[a-z0-9.-]+$/, 'must be <namespace>/<name>'),
  profileConfigMap: z.string().regex(/^[a-z0-9-]+\/[a-z0-9.-]+$/, 'must be <namespace>/<name>'),
  accessKeyId: z.string().min(1).optional(),
  accessKeySecret: z.string().min(1).optional(),
  healthAddress: z.string().regex(/^[^:]*:\d+$/, 'must be host:port'),
  workers: positiveInt.max(1000),
  createWorkers: positiveInt.max(1000),
  createQps: z.coerce.number().positive(),
  createBurst: positiveInt,
  statusIntervalMs: positiveInt,
  resyncIntervalMs: positiveInt,
  gcIntervalMs: positiveInt,
  leaseDurationSeconds: positiveInt,
  renewIntervalMs: positiveInt,
  eciTimeoutMs: positiveInt,
});

export type ReconcilerConfig = z.infer<typeof reconcilerConfigSchema>;

/** Flag name → [config key, environment variable, default]. */
const FLAGS: Record<string, [keyof ReconcilerConfig, string | undefined, string | undefined]> = {
  kubeconfig: ['kubeconfig', 'KUBECONFIG', undefined],
  region: ['regionId', 'ECI_REGION', 'cn-hangzhou'],
  'cluster-id': ['clusterId', 'ALIYUN_CLUSTERID', 'default'],
  'node-name': ['nodeNames', 'DEFAULT_NODE_NAME', undefined],
  nodes: ['nodes', 'ECI_NODES', '1'],
  'node-prefix': ['nodePrefix', undefined, 'virtual-node-eci-'],
  'node-cpu': ['nodeCpu', 'ECI_QUOTA_CPU', '1000'],
  'node-memory': ['nodeMemory', 'ECI_QUOTA_MEMORY', '4Ti'],
  'node-pods': ['nodePods', 'ECI_QUOTA_POD', '1000'],
  'node-ip': ['nodeIp', 'VKUBELET_POD_IP', '127.0.0.1'],
  'kubelet-port': ['kubeletPort', 'KUBELET_PORT', '10250'],
  'kubelet-address': ['kubeletAddress', undefined, '0.0.0.0'],
  'eci-endpoint': ['eciEndpoint', 'ECI_ENDPOINT', undefined],
  'vswitch-ids': ['vSwitchIds', 'ECI_VSWITCH', ''],
  'security-group-id': ['securityGroupId', 'ECI_SECURITY_GROUP', undefined],
  'credentials-secret': ['credentialsSecret', undefined, 'kube-system/alibaba-addon-secret'],
  'profile-configmap': ['profileConfigMap', undefined, 'kube-system/eci-profile'],
  'health-address': ['healthAddress', 'HEALTH_ADDRESS', '0.0.0.0:10256'],
  workers: ['workers', undefined, '10'],
  'create-workers': ['createWorkers', undefined, '30'],
  'create-qps': ['createQps', undefined, '20'],
  'create-burst': ['createBurst', undefined, '100'],
  'status-interval-ms': ['statusIntervalMs', undefined, '1000'],
  'resync-interval-ms': ['resyncIntervalMs', undefined, '60000'],
  'gc-interval-ms': ['gcIntervalMs', undefined, '60000'],
  'lease-duration-seconds': ['leaseDurationSeconds', undefined, '40'],
  'renew-interval-ms': ['renewIntervalMs', undefined, '10000'],
  'eci-timeout-ms': ['eciTimeoutMs', undefined, '10000'],
};

export type ConfigResult = { ok: true; config: ReconcilerConfig } | { ok: false; error: string };

/** `--help`: every flag with its environment variable and default, and where credentials come from. */
export const USAGE = `usage: npm run reconciler -- [flags]   (node reconciler/main.ts [flags])
flags (a flag wins over its environment variable):
${Object.entries(FLAGS)
  .map(
    ([flag, [, env, def]]) =>
      `  --${flag}${env ? ` (env ${env})` : ''}${def !== undefined ? ` default "${def}"` : ''}`,
  )
  .join('\n')}
  --help  print this and exit
credentials: the --credentials-secret Secret (keys access-key-id, access-key-secret), else the
  environment (never flags): ALIBABA_CLOUD_ACCESS_KEY_ID / ALIBABA_CLOUD_ACCESS_KEY_SECRET
  (or ECI_ACCESS_KEY / ECI_SECRET_KEY).`;

/** Whether the command line asks for the usage text (checked before any validation). */
export function wantsHelp(argv: string[]): boolean {
  return argv.includes('--help') || argv.includes('-h');
}

/** Pure: argv (without node and script) + environment → a validated config or one error line. */
export function parseReconcilerConfig(argv: string[], env: Record<string, string | undefined>): ConfigResult {
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({
      args: argv,
      options: Object.fromEntries(Object.keys(FLAGS).map((f) => [f, { type: 'string' as const }])),
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
  const raw: Record<string, unknown> = {};
  const source: Record<string, string> = {};
  for (const [flag, [key, envName, fallback]] of Object.entries(FLAGS)) {
    const fromFlag = values[flag];
    const fromEnv = envName ? env[envName] : undefined;
    const value =
      typeof fromFlag === 'string' ? fromFlag : fromEnv !== undefined && fromEnv !== '' ? fromEnv : fallback;
    source[key] = `--${flag}${envName ? ` (env ${envName})` : ''}`;
    if (value === undefined) continue;
    raw[key] = key === 'vSwitchIds' || key === 'nodeNames' ? csv.parse(value) : value;
  }
  raw.nodeNames ??= [];
  // Secrets only from the environment, never from flags (they would show in `ps`).
  raw.accessKeyId = env.ALIBABA_CLOUD_ACCESS_KEY_ID || env.ECI_ACCESS_KEY || undefined;
  raw.accessKeySecret = env.ALIBABA_CLOUD_ACCESS_KEY_SECRET || env.ECI_SECRET_KEY || undefined;
  source.accessKeyId = 'env ALIBABA_CLOUD_ACCESS_KEY_ID';
  source.accessKeySecret = 'env ALIBABA_CLOUD_ACCESS_KEY_SECRET';
  const parsed = reconcilerConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const key = String(issue.path[0] ?? '');
    return { ok: false, error: `${source[key] ?? key}: ${issue.message}` };
  }
  return { ok: true, config: parsed.data };
}

/** The virtual node names this process serves. */
export function nodeNamesOf(config: Pick<ReconcilerConfig, 'nodeNames' | 'nodes' | 'nodePrefix'>): string[] {
  if (config.nodeNames.length > 0) return config.nodeNames;
  return Array.from({ length: config.nodes }, (_, i) => `${config.nodePrefix}${i}`);
}

/** The ECI endpoint: the flag as given (scheme optional) or the region's public endpoint. */
export function eciEndpointOf(config: Pick<ReconcilerConfig, 'eciEndpoint' | 'regionId'>): {
  host: string;
  protocol: 'http' | 'https';
} {
  const value = config.eciEndpoint ?? `eci.${config.regionId}.aliyuncs.com`;
  const match = /^(https?):\/\/([^/]+)\/?$/.exec(value);
  if (match) return { protocol: match[1] as 'http' | 'https', host: match[2]! };
  return { protocol: 'https', host: value.replace(/\/+$/, '') };
}

export const CREDENTIAL_KEYS = { id: 'access-key-id', secret: 'access-key-secret' } as const;

const credentialsSchema = z.object({
  [CREDENTIAL_KEYS.id]: z.string().min(1, 'is empty'),
  [CREDENTIAL_KEYS.secret]: z.string().min(1, 'is empty'),
});

export interface Credentials {
  accessKeyId: string;
  accessKeySecret: string;
}

/** Pure: a Secret's base64 `data` → credentials, or an error naming the missing key (never the value). */
export function credentialsFromSecretData(
  data: Record<string, string> | undefined,
  secretName: string,
): { ok: true; credentials: Credentials } | { ok: false; error: string } {
  const decoded = Object.fromEntries(
    Object.entries(data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8').trim()]),
  );
  const parsed = credentialsSchema.safeParse(decoded);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return {
      ok: false,
      error: `Secret ${secretName}: key ${String(issue.path[0])} ${issue.code === 'invalid_type' ? 'is missing' : issue.message}`,
    };
  }
  return {
    ok: true,
    credentials: {
      accessKeyId: parsed.data[CREDENTIAL_KEYS.id]!,
      accessKeySecret: parsed.data[CREDENTIAL_KEYS.secret]!,
    },
  };
}
