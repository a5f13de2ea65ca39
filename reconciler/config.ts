// Reconciler flags and environment: one row per flag for the shared parser
// (shared/flags.ts). Credentials come from the environment only, never from flags.
import { hostname } from 'node:os';
import { z } from 'zod';
import {
  csvList,
  flagSchema,
  flagUsage,
  parseFlags,
  type FlagResult,
  type FlagTable,
} from '../shared/flags.ts';

export { wantsHelp } from '../shared/flags.ts';
import { DEBUG_FLAGS } from '../shared/debug-listener.ts';
import { unsafeSysctlPatternProblem } from './controller/sysctl-admission.ts';

const positiveInt = z.coerce.number().int().positive();
const quantity = z
  .string()
  .regex(/^\d+(\.\d+)?([KMGTPE]i?|m)?$/, 'must be a Kubernetes quantity such as 4Ti or 1000');
/** A Go-style duration, as controller-runtime's lease flags take it: `15s`, `500ms`, `1m`. */
const duration = z
  .string()
  .regex(/^\d+(\.\d+)?(ms|s|m)$/, 'must be a duration such as 15s, 500ms or 1m')
  .transform((v) => {
    const [, n, unit] = /^([\d.]+)(ms|s|m)$/.exec(v)!;
    return Math.round(Number(n) * (unit === 'ms' ? 1 : unit === 's' ? 1000 : 60_000));
  })
  .pipe(z.number().int().positive('must be longer than 0'));
const namespacedName = z.string().regex(/^[a-z0-9-]+\/[a-z0-9.-]+$/, 'must be <namespace>/<name>');

const FLAGS = {
  kubeconfig: {
    flag: 'kubeconfig',
    env: 'KUBECONFIG',
    schema: z.string().optional(),
    help: 'kubeconfig file; unset = the in-cluster service account',
  },
  regionId: {
    flag: 'region',
    env: 'ECI_REGION',
    default: 'cn-hangzhou',
    schema: z.string().regex(/^[a-z]+(-[a-z0-9]+)+$/, 'must be a region id such as cn-hangzhou'),
    help: 'Alibaba Cloud region of the container groups',
  },
  clusterId: {
    flag: 'cluster-id',
    env: 'ALIYUN_CLUSTERID',
    default: 'default',
    schema: z.string().min(1).max(128),
    help: 'cluster id tagged on every container group (ownership)',
  },
  /** Explicit node names; when empty, `nodes` names are generated from `nodePrefix`. */
  nodeNames: {
    flag: 'node-name',
    env: 'DEFAULT_NODE_NAME',
    schema: csvList.pipe(
      z.array(z.string().regex(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/, 'must be a DNS subdomain')),
    ),
    help: 'virtual node names, comma-separated; unset = --nodes names from --node-prefix',
  },
  nodes: {
    flag: 'nodes',
    env: 'ECI_NODES',
    default: '1',
    schema: positiveInt.max(100),
    help: 'how many virtual nodes to register (without --node-name)',
  },
  nodePrefix: {
    flag: 'node-prefix',
    default: 'virtual-node-eci-',
    schema: z.string().min(1),
    help: 'prefix of the generated node names',
  },
  nodeCpu: {
    flag: 'node-cpu',
    env: 'ECI_QUOTA_CPU',
    default: '1000',
    schema: quantity,
    help: 'CPU capacity of each node',
  },
  nodeMemory: {
    flag: 'node-memory',
    env: 'ECI_QUOTA_MEMORY',
    default: '4Ti',
    schema: quantity,
    help: 'memory capacity of each node',
  },
  nodePods: {
    flag: 'node-pods',
    env: 'ECI_QUOTA_POD',
    default: '1000',
    schema: positiveInt,
    help: 'pod capacity of each node',
  },
  nodeIp: {
    flag: 'node-ip',
    env: 'VKUBELET_POD_IP',
    schema: z.ipv4().or(z.ipv6()).optional(),
    help: "InternalIP the nodes advertise (the apiserver reaches the kubelet API there); unset = env POD_IP, else the machine's default-route IPv4",
  },
  /** 0 picks a free port (tests); the node advertises the one bound. */
  kubeletPort: {
    flag: 'kubelet-port',
    env: 'KUBELET_PORT',
    default: '10250',
    schema: z.coerce.number().int().min(0).max(65535),
    help: 'kubelet API port (logs); 0 = any free port, advertised on the node',
  },
  kubeletAddress: {
    flag: 'kubelet-address',
    default: '0.0.0.0',
    schema: z.string().min(1),
    help: 'kubelet API listen address',
  },
  // The kubelet's own flag names for its serving certificate and who may call it.
  tlsCertFile: {
    flag: 'tls-cert-file',
    schema: z.string().min(1).optional(),
    help: 'kubelet API serving certificate (PEM, with its chain), signed by the CA the apiserver trusts (--kubelet-certificate-authority); unset = self-signed',
  },
  tlsPrivateKeyFile: {
    flag: 'tls-private-key-file',
    schema: z.string().min(1).optional(),
    help: 'key of --tls-cert-file',
  },
  clientCaFile: {
    flag: 'client-ca-file',
    schema: z.string().min(1).optional(),
    help: "CA of the client certificates the kubelet API accepts; unset = the cluster's kube-system/extension-apiserver-authentication ConfigMap",
  },
  anonymousAuth: {
    flag: 'anonymous-auth',
    default: 'false',
    schema: z.enum(['true', 'false']).transform((v) => v === 'true'),
    help: 'let kubelet API requests without credentials in as system:anonymous (then authorized like any user)',
  },
  authorizationMode: {
    flag: 'authorization-mode',
    default: 'Webhook',
    schema: z.enum(['Webhook', 'AlwaysAllow']),
    help: 'kubelet API authorization: Webhook (SubjectAccessReview) or AlwaysAllow',
  },
  eciEndpoint: {
    flag: 'eci-endpoint',
    env: 'ECI_ENDPOINT',
    schema: z.string().min(1).optional(),
    help: "ECI API endpoint, host[:port] or URL; unset = the region's public endpoint",
  },
  vSwitchIds: {
    flag: 'vswitch-ids',
    env: 'ECI_VSWITCH',
    default: '',
    schema: csvList.pipe(z.array(z.string().min(1))),
    help: 'vSwitch ids, comma-separated (the ECI Profile wins when it sets them)',
  },
  securityGroupId: {
    flag: 'security-group-id',
    env: 'ECI_SECURITY_GROUP',
    schema: z.string().optional(),
    help: 'security group id (the ECI Profile wins when it sets one)',
  },
  credentialsSecret: {
    flag: 'credentials-secret',
    default: 'kube-system/alibaba-addon-secret',
    schema: namespacedName,
    help: 'Secret with access-key-id and access-key-secret, <namespace>/<name>',
  },
  profileConfigMap: {
    flag: 'profile-configmap',
    default: 'kube-system/eci-profile',
    schema: namespacedName,
    help: 'the ECI Profile ConfigMap, <namespace>/<name>',
  },
  healthAddress: {
    flag: 'health-address',
    env: 'HEALTH_ADDRESS',
    default: '0.0.0.0:10256',
    schema: z.string().regex(/^[^:]*:\d+$/, 'must be host:port'),
    help: '/healthz, /readyz and /metrics listener, host:port',
  },
  workers: { flag: 'workers', default: '10', schema: positiveInt.max(1000), help: 'pods reconciled at once' },
  createWorkers: {
    flag: 'create-workers',
    default: '30',
    schema: positiveInt.max(1000),
    help: 'CreateContainerGroup calls in flight at once',
  },
  createQps: {
    flag: 'create-qps',
    default: '20',
    schema: z.coerce.number().positive(),
    help: 'sustained CreateContainerGroup calls per second',
  },
  createBurst: {
    flag: 'create-burst',
    default: '100',
    schema: positiveInt,
    help: 'CreateContainerGroup burst',
  },
  statusIntervalMs: {
    flag: 'status-interval-ms',
    default: '1000',
    schema: positiveInt,
    help: 'how often container groups with pending changes are polled',
  },
  resyncIntervalMs: {
    flag: 'resync-interval-ms',
    default: '60000',
    schema: positiveInt,
    help: 'how often every container group is listed',
  },
  gcIntervalMs: {
    flag: 'gc-interval-ms',
    default: '60000',
    schema: positiveInt,
    help: 'how often orphaned container groups are collected',
  },
  contentRefreshIntervalMs: {
    flag: 'content-refresh-interval-ms',
    default: '60000',
    schema: positiveInt,
    help: "how often each running pod's ConfigMap, Secret and token volumes are re-read and changes sent to ECI (one update per pod per interval)",
  },
  contentRefreshQps: {
    flag: 'content-refresh-qps',
    default: '10',
    schema: positiveInt,
    help: 'UpdateContainerGroup calls per second for content refresh, all pods together',
  },
  tokenRefreshFraction: {
    flag: 'token-refresh-fraction',
    default: '0.8',
    schema: z.coerce.number().positive().max(1),
    help: "part of a projected service-account token's lifetime after which the group gets a new one (the kubelet's 0.8)",
  },
  leaseDurationSeconds: {
    flag: 'lease-duration-seconds',
    default: '40',
    schema: positiveInt,
    help: 'node lease duration',
  },
  renewIntervalMs: {
    flag: 'renew-interval-ms',
    default: '10000',
    schema: positiveInt,
    help: 'node lease renewal interval',
  },
  eciTimeoutMs: {
    flag: 'eci-timeout-ms',
    default: '10000',
    schema: positiveInt,
    help: 'timeout of one ECI API call',
  },
  allowedUnsafeSysctls: {
    flag: 'allowed-unsafe-sysctls',
    default: '',
    schema: csvList.pipe(
      z.array(
        z.string().superRefine((pattern, ctx) => {
          const problem = unsafeSysctlPatternProblem(pattern);
          if (problem) ctx.addIssue({ code: 'custom', message: problem });
        }),
      ),
    ),
    help: "the kubelet's flag: unsafe sysctls (or patterns ending in *, such as kernel.msg*) pods may set, comma-separated; any other sysctl outside the safe set fails the pod with SysctlForbidden",
  },
  ...DEBUG_FLAGS,
  leaderElect: {
    flag: 'leader-elect',
    default: 'true',
    schema: z.enum(['true', 'false'], 'must be true or false').transform((v) => v === 'true'),
    help: 'share the nodes among replicas through Leases; false = this one replica serves every node',
  },
  replicaId: {
    flag: 'replica-id',
    env: 'POD_NAME',
    default: hostname(),
    schema: z.string().min(1).max(200),
    help: "this replica's identity, the holder of its Leases (a StatefulSet pod's name)",
  },
  leaseNamespace: {
    flag: 'lease-namespace',
    env: 'POD_NAMESPACE',
    default: 'kube-system',
    schema: z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, 'must be a namespace name'),
    help: "namespace of the replicas' Leases (node, presence and leader)",
  },
  leaseDurationMs: {
    flag: 'lease-duration',
    default: '15s',
    schema: duration,
    help: 'how long a Lease not renewed stays held before another replica may take it',
  },
  renewDeadlineMs: {
    flag: 'renew-deadline',
    default: '10s',
    schema: duration,
    help: 'a replica that could not renew its Lease for this long stops acting on it',
  },
  retryPeriodMs: {
    flag: 'retry-period',
    default: '2s',
    schema: duration,
    help: 'how often Leases are renewed and free ones tried',
  },
} as const satisfies FlagTable;

const reconcilerConfigSchema = flagSchema(FLAGS).extend({
  accessKeyId: z.string().min(1).optional(),
  accessKeySecret: z.string().min(1).optional(),
});

export type ReconcilerConfig = z.infer<typeof reconcilerConfigSchema>;

export type ConfigResult = FlagResult<ReconcilerConfig>;

/** `--help`: every flag with its environment variable and default, and where credentials come from. */
export const USAGE = `usage: npm run reconciler -- [flags]   (node reconciler/main.ts [flags])
flags (a flag wins over its environment variable):
${flagUsage(FLAGS)}
credentials: the --credentials-secret Secret (keys access-key-id, access-key-secret), else the
  environment (never flags): ALIBABA_CLOUD_ACCESS_KEY_ID / ALIBABA_CLOUD_ACCESS_KEY_SECRET
  (or ECI_ACCESS_KEY / ECI_SECRET_KEY).`;

/** Pure: argv (without node and script) + environment → a validated config or one error line. */
export function parseReconcilerConfig(argv: string[], env: Record<string, string | undefined>): ConfigResult {
  return parseFlags(FLAGS, reconcilerConfigSchema, argv, env, {
    errorNaming: 'flag-and-env',
    // Secrets only from the environment, never from flags (they would show in `ps`).
    extra: {
      accessKeyId: {
        value: env.ALIBABA_CLOUD_ACCESS_KEY_ID || env.ECI_ACCESS_KEY || undefined,
        name: 'env ALIBABA_CLOUD_ACCESS_KEY_ID',
      },
      accessKeySecret: {
        value: env.ALIBABA_CLOUD_ACCESS_KEY_SECRET || env.ECI_SECRET_KEY || undefined,
        name: 'env ALIBABA_CLOUD_ACCESS_KEY_SECRET',
      },
    },
  });
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
