// Names of the labels, annotations, taints and tags shared by the webhook, the
// reconciler and the translation. Each name is defined here once.

import { z } from 'zod';
import type { CreateContainerGroupRequest } from '@alicloud/eci20180808';

/** Labels that select a pod or namespace for ECI (eci-reference §1.1). */
export const SELECTION_LABELS = {
  eci: 'alibabacloud.com/eci',
  eciShort: 'eci',
  /** Legacy namespace label, value `enabled`. */
  legacyNamespaceInjection: 'virtual-node-affinity-injection',
} as const;

/** The virtual node's scheduling contract. */
export const VIRTUAL_NODE = {
  typeLabel: 'type',
  typeValue: 'virtual-kubelet',
  taintKey: 'virtual-kubelet.io/provider',
  taintValue: 'alibabacloud',
  namePrefix: 'virtual-node-eci-',
} as const;

/** Pod annotations written by the webhook and read by the reconciler. */
export const CLUSTER_ANNOTATIONS = {
  k8sVersion: 'k8s.aliyun.com/k8s-version',
  clusterDns: 'k8s.aliyun.com/cluster-dns',
  clusterDomain: 'k8s.aliyun.com/cluster-domain',
} as const;

/** Pod annotations the reconciler writes back once a container group exists (eci-reference §3.4). */
export const INSTANCE_ANNOTATIONS = {
  instanceId: 'k8s.aliyun.com/eci-instance-id',
  clientToken: 'k8s.aliyun.com/eci-client-token',
  requestId: 'k8s.aliyun.com/eci-request-id',
  instanceSpec: 'k8s.aliyun.com/eci-instance-spec',
} as const;

/** Pod annotations that steer the reconciler's failure handling. */
export const BEHAVIOUR_ANNOTATIONS = {
  failStrategy: 'k8s.aliyun.com/eci-fail-strategy',
  maxPendingMinute: 'k8s.aliyun.com/eci-max-pending-minute',
} as const;

/** Prefix of every ECI tuning annotation. */
export const ECI_ANNOTATION_PREFIX = 'k8s.aliyun.com/eci-';

// ---------------------------------------------------------------------------
// The ECI tuning annotations (eci-reference §2): one table, annotation name →
// zod parser → request field. The webhook checks pods with it (admission
// warnings) and the translation applies it to the CreateContainerGroup request,
// so adding an annotation is one entry here.

type Scalar = string | number | boolean;
/** The data fields of an SDK model class, nested models included, without its methods or index signature. */
export type ModelFields<T> = T extends Scalar
  ? T
  : T extends ReadonlyArray<infer U>
    ? ModelFields<U>[]
    : T extends object
      ? {
          [
            K in keyof T as string extends K ? never : T[K] extends (...args: never[]) => unknown ? never : K
          ]?: ModelFields<NonNullable<T[K]>>;
        }
      : T;

/** A CreateContainerGroup request being built: plain data with the SDK's property names. */
export type EciRequestFields = ModelFields<CreateContainerGroupRequest>;

/** How the translation uses an annotation. */
export type AnnotationUse =
  /** sets request fields (its `apply`) */
  | 'request'
  /** read by the reconciler's failure handling; validated here */
  | 'reconciler'
  /** advisory with no request field in the SDK; accepted with a warning */
  | 'ignored'
  /** asks for something CreateContainerGroup cannot express; the pod is rejected */
  | 'unsupported'
  /** written back by the reconciler itself; never read */
  | 'status';

export interface AnnotationSpec<T> {
  use: AnnotationUse;
  /** The request field(s) it maps to, as wire names, or why it has none. */
  field: string;
  /** Human description of the accepted value, used in error messages. */
  format: string;
  schema: z.ZodType<T, string>;
  apply?: (request: EciRequestFields, value: T) => void;
  /** For `unsupported`: whether this value asks for the feature (a boolean `false` does not). */
  requests?: (value: T) => boolean;
}

const spec = <T>(s: AnnotationSpec<T>): AnnotationSpec<T> => s;

/** `apply` for an annotation whose parsed value is the request field as it is. */
function setField<K extends keyof EciRequestFields>(key: K) {
  return (request: EciRequestFields, value: EciRequestFields[K]): void => {
    request[key] = value;
  };
}

const str = z.string().trim();

const boolean = str
  .toLowerCase()
  .pipe(z.enum(['true', 'false']))
  .transform((v) => v === 'true');

const int = (min: number, max: number) =>
  str
    .regex(/^-?\d+$/, 'must be an integer')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));

const list = (item: z.ZodType<string, string>, max: number) =>
  str
    .transform((v) =>
      v
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== ''),
    )
    .pipe(z.array(item).min(1, 'must not be empty').max(max, `at most ${max} entries`));

// Same id shape the ECI Profile parser accepts (shared/profile.ts).
const idOf = (prefix: string) =>
  z.string().regex(new RegExp(`^${prefix}-[A-Za-z0-9-]+$`), `each entry must look like "${prefix}-xxxx"`);

const host = z.string().regex(/^[A-Za-z0-9.-]+(:\d{1,5})?$/, 'each entry must be host or host:port');

const ipv4 = z
  .string()
  .regex(/^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/, 'must be an IPv4 address');

const json = <T>(schema: z.ZodType<T>) =>
  str
    .transform((v, ctx) => {
      try {
        return JSON.parse(v) as unknown;
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: `not valid JSON: ${(err as Error).message}` });
        return z.NEVER;
      }
    })
    .pipe(schema);

/** One entry of `eci-use-specs`: a vCPU-memory pair or an instance type. */
export type UseSpec = { cpu: number; memory: number } | { instanceType: string };

const useSpecEntry = z.string().transform((v, ctx): UseSpec => {
  const pair = /^(\d+(?:\.\d+)?)-(\d+(?:\.\d+)?)Gi$/.exec(v);
  if (pair?.[1] && pair[2]) return { cpu: Number(pair[1]), memory: Number(pair[2]) };
  if (/^ecs\.[a-z0-9-]+\.[a-z0-9-]+$/i.test(v) || /^ecigpu-[A-Za-z0-9-]+$/.test(v))
    return { instanceType: v };
  ctx.addIssue({ code: 'custom', message: `"${v}" is neither <cpu>-<memory>Gi nor an instance type` });
  return z.NEVER;
});

/** `40M` style bandwidth: bytes per second with an optional unit (ECI doc "limit the bandwidth"). */
const bandwidth = str.transform((v, ctx) => {
  const m = /^(\d+(?:\.\d+)?)\s*(TB|T|GB|G|MB|M|KB|K|B|Ti|Gi|Mi|Ki)?$/i.exec(v);
  if (!m?.[1]) {
    ctx.addIssue({ code: 'custom', message: 'must be a number with an optional unit (K, M, G, T, B)' });
    return z.NEVER;
  }
  const unit = (m[2] ?? 'B').toUpperCase();
  const factor: Record<string, number> = {
    B: 1,
    K: 1e3,
    KB: 1e3,
    M: 1e6,
    MB: 1e6,
    G: 1e9,
    GB: 1e9,
    T: 1e12,
    TB: 1e12,
    KI: 1024,
    MI: 1024 ** 2,
    GI: 1024 ** 3,
    TI: 1024 ** 4,
  };
  return Math.round(Number(m[1]) * (factor[unit] ?? 1));
});

const dnsConfigJson = json(
  z.strictObject({
    nameservers: z.string().optional(),
    searches: z.string().optional(),
    options: z.string().optional(),
  }),
);

const hostsJson = json(
  z.array(z.strictObject({ host: z.string().min(1), ip: z.string().min(1) })).min(1, 'must not be empty'),
);

const splitCsv = (v: string | undefined) =>
  (v ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');

/** Merges DNS settings the way kubelet merges pod dnsConfig: servers and searches appended, options by name. */
export function mergeDnsConfig(
  request: EciRequestFields,
  add: { nameServer?: string[]; search?: string[]; option?: Array<{ name?: string; value?: string }> },
): void {
  const dns = (request.dnsConfig ??= {});
  const uniq = (xs: string[]) => [...new Set(xs)];
  if (add.nameServer?.length) dns.nameServer = uniq([...(dns.nameServer ?? []), ...add.nameServer]);
  if (add.search?.length) dns.search = uniq([...(dns.search ?? []), ...add.search]);
  if (add.option?.length) {
    const options = [...(dns.option ?? [])];
    for (const o of add.option) {
      const i = options.findIndex((x) => x.name === o.name);
      if (i >= 0) options[i] = o;
      else options.push(o);
    }
    dns.option = options;
  }
}

const unsupported = (field: string, format = '"true" or "false"') =>
  spec<boolean>({ use: 'unsupported', field, format, schema: boolean, requests: (v) => v });

const unsupportedValue = (field: string, format: string) =>
  spec<string>({ use: 'unsupported', field, format, schema: str.min(1), requests: () => true });

const ignored = (field: string, format: string, schema: z.ZodType<unknown, string> = str) =>
  spec<unknown>({ use: 'ignored', field, format, schema });

const status = spec<string>({
  use: 'status',
  field: 'written back by the reconciler',
  format: 'any',
  schema: z.string(),
});

const NO_FIELD = 'no such field in CreateContainerGroup (@alicloud/eci20180808 2.0.3)';

/** Every annotation of eci-reference §2, applied in this order (later entries win on the same field). */
export const ECI_ANNOTATIONS = {
  // §2.1 placement, specs, billing
  'k8s.aliyun.com/eci-instance-type': spec<string>({
    use: 'request',
    field: 'InstanceType',
    format: 'an ECS instance type such as "ecs.c6.xlarge" (legacy; prefer eci-use-specs)',
    schema: str.regex(/^ecs\.[a-z0-9-]+\.[a-z0-9-]+$/i, 'must look like "ecs.c6.xlarge"'),
    apply: (r, v) => {
      r.instanceType = v;
      delete r.cpu;
      delete r.memory;
    },
  }),
  'k8s.aliyun.com/eci-use-specs': spec<UseSpec[]>({
    use: 'request',
    field: 'Cpu + Memory (one vCPU-memory pair) or InstanceType (comma list, in priority order)',
    format:
      'up to 5 comma-separated entries, each "<cpu>-<memory>Gi" (e.g. "2-4Gi") or an instance type (e.g. "ecs.c6.xlarge")',
    schema: list(z.string(), 5).pipe(z.array(useSpecEntry)),
    apply: (r, specs) => {
      const [first] = specs;
      if (specs.length === 1 && first && 'cpu' in first) {
        r.cpu = first.cpu;
        r.memory = first.memory;
        delete r.instanceType;
        return;
      }
      r.instanceType = specs.map((s) => ('cpu' in s ? `${s.cpu}-${s.memory}Gi` : s.instanceType)).join(',');
      delete r.cpu;
      delete r.memory;
    },
  }),
  'k8s.aliyun.com/eci-gpu-type': unsupportedValue(
    `${NO_FIELD}; name a GPU instance type in k8s.aliyun.com/eci-use-specs instead`,
    'a GPU family such as "P4"',
  ),
  'k8s.aliyun.com/eci-instance-family': unsupportedValue(NO_FIELD, 'comma-separated ECS families'),
  'k8s.aliyun.com/eci-instance-generation': unsupportedValue(NO_FIELD, 'comma-separated generations'),
  'k8s.aliyun.com/eci-compute-category': unsupportedValue(NO_FIELD, 'economy or general, comma-separated'),
  'k8s.aliyun.com/eci-gpu-driver-version': unsupportedValue(NO_FIELD, 'e.g. "tesla=525.85.12"'),
  'k8s.aliyun.com/eci-cpu-option-core': spec<number>({
    use: 'request',
    field: 'CpuOptionsCore',
    format: 'a positive integer',
    schema: int(1, 1024),
    apply: setField('cpuOptionsCore'),
  }),
  'k8s.aliyun.com/eci-cpu-option-ht': spec<number>({
    use: 'request',
    field: 'CpuOptionsThreadsPerCore',
    format: '1 or 2',
    schema: int(1, 2),
    apply: setField('cpuOptionsThreadsPerCore'),
  }),
  'k8s.aliyun.com/eci-spot-strategy': spec<string>({
    use: 'request',
    field: 'SpotStrategy',
    format: 'NoSpot, SpotAsPriceGo or SpotWithPriceLimit',
    schema: str.pipe(z.enum(['NoSpot', 'SpotAsPriceGo', 'SpotWithPriceLimit'])),
    apply: setField('spotStrategy'),
  }),
  'k8s.aliyun.com/eci-spot-price-limit': spec<number>({
    use: 'request',
    field: 'SpotPriceLimit',
    format: 'a positive price per hour with at most 3 decimals, e.g. "0.250"',
    schema: str
      .regex(/^\d+(\.\d{1,3})?$/, 'must be a decimal with at most 3 decimals')
      .transform(Number)
      .pipe(z.number().positive('must be greater than 0')),
    apply: setField('spotPriceLimit'),
  }),
  'k8s.aliyun.com/eci-spot-duration': spec<number>({
    use: 'request',
    field: 'SpotDuration',
    format: 'an integer number of hours from 0 to 6',
    schema: int(0, 6),
    apply: setField('spotDuration'),
  }),
  'k8s.aliyun.com/eci-spot-fallback': unsupported(NO_FIELD),
  'k8s.aliyun.com/eci-privatepool-matchcriteria': unsupportedValue(NO_FIELD, 'Open or Target'),
  'k8s.aliyun.com/eci-privatepool-id': unsupportedValue(NO_FIELD, 'a private pool id "eap-…"'),
  'k8s.aliyun.com/eci-vswitch': spec<string[]>({
    use: 'request',
    field: 'VSwitchId (comma list)',
    format: 'up to 10 comma-separated vSwitch ids "vsw-…"',
    schema: list(idOf('vsw'), 10),
    apply: (r, v) => {
      r.vSwitchId = v.join(',');
    },
  }),
  'k8s.aliyun.com/eci-schedule-strategy': spec<string>({
    use: 'request',
    field: 'ScheduleStrategy',
    format: 'VSwitchOrdered or VSwitchRandom',
    schema: str.pipe(z.enum(['VSwitchOrdered', 'VSwitchRandom'])),
    apply: setField('scheduleStrategy'),
  }),
  'k8s.aliyun.com/eci-security-group': spec<string[]>({
    use: 'request',
    field: 'SecurityGroupId (comma list)',
    format: 'up to 5 comma-separated security group ids "sg-…"',
    schema: list(idOf('sg'), 5),
    apply: (r, v) => {
      r.securityGroupId = v.join(',');
    },
  }),
  'k8s.aliyun.com/eci-resource-group-id': spec<string>({
    use: 'request',
    field: 'ResourceGroupId',
    format: 'a resource group id "rg-…"',
    schema: str.pipe(idOf('rg')),
    apply: setField('resourceGroupId'),
  }),
  'k8s.aliyun.com/eci-ram-role-name': spec<string>({
    use: 'request',
    field: 'RamRoleName',
    format: 'a RAM role name of 1-64 letters, digits, ".", "-" or "_"',
    schema: str.regex(/^[A-Za-z0-9._-]{1,64}$/, 'must be 1-64 letters, digits, ".", "-" or "_"'),
    apply: setField('ramRoleName'),
  }),
  'k8s.aliyun.com/eci-custom-tags': spec<Array<{ key: string; value: string }>>({
    use: 'request',
    field: 'Tag.N.Key/Value',
    format: 'up to 3 comma-separated key:value pairs, e.g. "env:test,name:alice"',
    schema: list(z.string(), 3).pipe(
      z.array(
        z.string().transform((v, ctx) => {
          const i = v.indexOf(':');
          const key = i > 0 ? v.slice(0, i).trim() : '';
          if (!key) {
            ctx.addIssue({ code: 'custom', message: `"${v}" is not key:value` });
            return z.NEVER;
          }
          if (/^(aliyun|acs:)/i.test(key)) {
            ctx.addIssue({
              code: 'custom',
              message: `tag key "${key}" must not start with "aliyun" or "acs:"`,
            });
            return z.NEVER;
          }
          return { key, value: v.slice(i + 1).trim() };
        }),
      ),
    ),
    apply: (r, v) => {
      r.tag = [...(r.tag ?? []), ...v];
    },
  }),
  [BEHAVIOUR_ANNOTATIONS.failStrategy]: spec<string>({
    use: 'reconciler',
    field: 'none: decides Pending (fail-back, fail-over) or Failed (fail-fast) on a create error',
    format: 'fail-back, fail-over or fail-fast',
    schema: str.pipe(z.enum(['fail-back', 'fail-over', 'fail-fast'])),
  }),
  'k8s.aliyun.com/pod-fail-on-create-err': spec<boolean>({
    use: 'reconciler',
    field: 'none: legacy form of eci-fail-strategy=fail-fast',
    format: '"true" or "false"',
    schema: boolean,
  }),
  [BEHAVIOUR_ANNOTATIONS.maxPendingMinute]: spec<number>({
    use: 'reconciler',
    field: 'none: the reconciler fails the pod after this long Pending',
    format: 'an integer number of minutes from 10 to 1440',
    schema: int(10, 1440),
  }),
  'k8s.aliyun.com/eci-reschedule-enable': ignored(NO_FIELD, '"true" or "false"', boolean),

  // §2.2 images
  'k8s.aliyun.com/eci-image-snapshot-id': spec<string>({
    use: 'request',
    field: 'ImageSnapshotId',
    format: 'an image cache id "imc-…"',
    schema: str.pipe(idOf('imc')),
    apply: setField('imageSnapshotId'),
  }),
  'k8s.aliyun.com/eci-imc-id': spec<string>({
    use: 'request',
    field: 'ImageSnapshotId',
    format: 'an image cache id "imc-…"',
    schema: str.pipe(idOf('imc')),
    apply: setField('imageSnapshotId'),
  }),
  'k8s.aliyun.com/eci-image-cache': spec<boolean>({
    use: 'request',
    field: 'AutoMatchImageCache',
    format: '"true" or "false"',
    schema: boolean,
    apply: setField('autoMatchImageCache'),
  }),
  'k8s.aliyun.com/eci-auto-imc': spec<boolean>({
    use: 'request',
    field: 'AutoMatchImageCache',
    format: '"true" or "false"',
    schema: boolean,
    apply: setField('autoMatchImageCache'),
  }),
  'k8s.aliyun.com/imc-perfect-match': ignored(NO_FIELD, '"true" or "false"', boolean),
  'k8s.aliyun.com/imc-match-count-request': ignored(NO_FIELD, 'a positive integer', int(1, 1000)),
  'k8s.aliyun.com/acr-instance-ids': spec<Array<{ regionId?: string; instanceId: string }>>({
    use: 'request',
    field: 'AcrRegistryInfo.N.InstanceId/RegionId',
    format: 'comma-separated ACR EE instance ids "cri-…", each optionally prefixed with "<region>:"',
    schema: list(z.string(), 10).pipe(
      z.array(
        z.string().transform((v, ctx) => {
          const m = /^(?:([a-z]+(?:-[a-z0-9]+)+):)?(cri-[A-Za-z0-9]+)$/.exec(v);
          if (!m?.[2]) {
            ctx.addIssue({ code: 'custom', message: `"${v}" is not "cri-…" or "<region>:cri-…"` });
            return z.NEVER;
          }
          return m[1] ? { regionId: m[1], instanceId: m[2] } : { instanceId: m[2] };
        }),
      ),
    ),
    apply: (r, v) => {
      r.acrRegistryInfo = v.map((x) => ({ ...x }));
    },
  }),
  'k8s.aliyun.com/acr-service-arns': spec<string>({
    use: 'request',
    field: 'AcrRegistryInfo.N.ArnService',
    format: 'a RAM role ARN "acs:ram::<account>:role/<name>" (needs k8s.aliyun.com/acr-instance-ids)',
    schema: str.regex(
      /^acs:ram::\d+:role\/[A-Za-z0-9._-]+$/,
      'must look like "acs:ram::<account>:role/<name>"',
    ),
    apply: (r, v) => {
      r.acrRegistryInfo = (r.acrRegistryInfo ?? []).map((x) => ({ ...x, arnService: v }));
    },
  }),
  'k8s.aliyun.com/acr-user-arns': spec<string>({
    use: 'request',
    field: 'AcrRegistryInfo.N.ArnUser',
    format: 'a RAM role ARN "acs:ram::<account>:role/<name>" (needs k8s.aliyun.com/acr-instance-ids)',
    schema: str.regex(
      /^acs:ram::\d+:role\/[A-Za-z0-9._-]+$/,
      'must look like "acs:ram::<account>:role/<name>"',
    ),
    apply: (r, v) => {
      r.acrRegistryInfo = (r.acrRegistryInfo ?? []).map((x) => ({ ...x, arnUser: v }));
    },
  }),
  'k8s.aliyun.com/plain-http-registry': spec<string[]>({
    use: 'request',
    field: 'PlainHttpRegistry',
    format: 'comma-separated registries "host[:port]"',
    schema: list(host, 50),
    apply: (r, v) => {
      r.plainHttpRegistry = v.join(',');
    },
  }),
  'k8s.aliyun.com/insecure-registry': spec<string[]>({
    use: 'request',
    field: 'InsecureRegistry',
    format: 'comma-separated registries "host[:port]"',
    schema: list(host, 50),
    apply: (r, v) => {
      r.insecureRegistry = v.join(',');
    },
  }),

  // §2.3 network, DNS, hosts
  'k8s.aliyun.com/eci-with-eip': spec<boolean>({
    use: 'request',
    field: 'AutoCreateEip',
    format: '"true" or "false"',
    schema: boolean,
    apply: setField('autoCreateEip'),
  }),
  'k8s.aliyun.com/eip-bandwidth': spec<number>({
    use: 'request',
    field: 'EipBandwidth',
    format: 'an integer Mbit/s from 1 to 10000',
    schema: int(1, 10000),
    apply: setField('eipBandwidth'),
  }),
  'k8s.aliyun.com/eci-eip-instanceid': spec<string>({
    use: 'request',
    field: 'EipInstanceId',
    format: 'an EIP id "eip-…"',
    schema: str.pipe(idOf('eip')),
    apply: setField('eipInstanceId'),
  }),
  'k8s.aliyun.com/eip-common-bandwidth-package-id': spec<string>({
    use: 'request',
    field: 'EipCommonBandwidthPackage',
    format: 'a bandwidth package id "cbwp-…"',
    schema: str.pipe(idOf('cbwp')),
    apply: setField('eipCommonBandwidthPackage'),
  }),
  'k8s.aliyun.com/eip-isp': spec<string>({
    use: 'request',
    field: 'EipISP',
    format: 'BGP or BGP_PRO',
    schema: str.pipe(z.enum(['BGP', 'BGP_PRO'])),
    apply: setField('eipISP'),
  }),
  'k8s.aliyun.com/eip-internet-charge-type': unsupportedValue(NO_FIELD, 'PayByBandwidth or PayByTraffic'),
  'k8s.aliyun.com/eip-public-ip-address-pool-id': unsupportedValue(NO_FIELD, 'a pool id "pippool-…"'),
  'k8s.aliyun.com/eci-enable-ipv6': spec<boolean>({
    use: 'request',
    field: 'Ipv6AddressCount (1 when true)',
    format: '"true" or "false"',
    schema: boolean,
    apply: (r, v) => {
      if (v) r.ipv6AddressCount = 1;
    },
  }),
  'k8s.aliyun.com/eci-ipv6-bandwidth-enable': spec<boolean>({
    use: 'request',
    field: 'Ipv6GatewayBandwidthEnable',
    format: '"true" or "false"',
    schema: boolean,
    apply: setField('ipv6GatewayBandwidthEnable'),
  }),
  'k8s.aliyun.com/eci-ipv6-bandwidth': spec<string>({
    use: 'request',
    field: 'Ipv6GatewayBandwidth',
    format: 'Mbit/s with an "M" suffix, e.g. "100M"',
    schema: str.regex(/^\d+M$/, 'must look like "100M"'),
    apply: setField('ipv6GatewayBandwidth'),
  }),
  'k8s.aliyun.com/eci-private-ip-address': spec<string>({
    use: 'request',
    field: 'PrivateIpAddress',
    format: 'an IPv4 address in the vSwitch',
    schema: str.pipe(ipv4),
    apply: setField('privateIpAddress'),
  }),
  'k8s.aliyun.com/eci-fixed-ip': spec<boolean>({
    use: 'request',
    field: 'FixedIp',
    format: '"true" or "false"',
    schema: boolean,
    apply: (r, v) => {
      r.fixedIp = String(v);
    },
  }),
  'k8s.aliyun.com/eci-fixed-ip-retain-hour': spec<number>({
    use: 'request',
    field: 'FixedIpRetainHour',
    format: 'a positive integer number of hours',
    schema: int(1, 8760),
    apply: setField('fixedIpRetainHour'),
  }),
  'kubernetes.io/ingress-bandwidth': spec<number>({
    use: 'request',
    field: 'IngressBandwidth (bytes/s)',
    format: 'bytes per second with an optional unit, e.g. "40M"',
    schema: bandwidth,
    apply: setField('ingressBandwidth'),
  }),
  'kubernetes.io/egress-bandwidth': spec<number>({
    use: 'request',
    field: 'EgressBandwidth (bytes/s)',
    format: 'bytes per second with an optional unit, e.g. "40M"',
    schema: bandwidth,
    apply: setField('egressBandwidth'),
  }),
  'k8s.aliyun.com/eci-custom-dnsconfig': spec<z.infer<typeof dnsConfigJson>>({
    use: 'request',
    field: 'DnsConfig.NameServer/Search/Option (merged after the pod dnsConfig)',
    format: 'JSON {"nameservers":"a,b","searches":"x,y","options":"ndots:2,edns0"}',
    schema: dnsConfigJson,
    apply: (r, v) => {
      mergeDnsConfig(r, {
        nameServer: splitCsv(v.nameservers),
        search: splitCsv(v.searches),
        option: splitCsv(v.options).map((o) => {
          const i = o.indexOf(':');
          return i < 0 ? { name: o } : { name: o.slice(0, i), value: o.slice(i + 1) };
        }),
      });
    },
  }),
  'k8s.aliyun.com/eci-custom-hosts': spec<z.infer<typeof hostsJson>>({
    use: 'request',
    field: 'HostAliase.N.Ip/Hostname (after the pod hostAliases)',
    format: 'JSON [{"host":"example.com","ip":"10.0.0.1"}, …]',
    schema: hostsJson,
    apply: (r, v) => {
      const aliases = [...(r.hostAliase ?? [])];
      for (const { host: h, ip } of v) {
        const same = aliases.find((a) => a.ip === ip);
        if (same) same.hostname = [...(same.hostname ?? []), h];
        else aliases.push({ ip, hostname: [h] });
      }
      r.hostAliase = aliases;
    },
  }),
  'k8s.aliyun.com/eci-kube-proxy-enabled': ignored(
    `${NO_FIELD}; ClusterIP reachability follows the ECI Profile's enableClusterIp`,
    '"true" or "false"',
    boolean,
  ),

  // §2.4 storage, runtime, logs
  'k8s.aliyun.com/eci-extra-ephemeral-storage': spec<number>({
    use: 'request',
    field: 'EphemeralStorage (GiB)',
    format: 'a whole number of GiB such as "50Gi"',
    schema: str
      .regex(/^\d+(Gi)?$/, 'must be a whole number of GiB such as "50Gi"')
      .transform((v) => Number(v.replace(/Gi$/, '')))
      .pipe(z.number().int().min(1).max(2048)),
    apply: setField('ephemeralStorage'),
  }),
  'k8s.aliyun.com/eci-ephemeral-storage-options': unsupportedValue(
    NO_FIELD,
    'JSON such as {"encrypted":"true"}',
  ),
  'k8s.aliyun.com/eci-eviction-enable': unsupported(NO_FIELD),
  'k8s.aliyun.com/eci-set-diskvolume': unsupportedValue(
    `${NO_FIELD} (legacy); use a PersistentVolumeClaim bound to a disk`,
    'name:fstype:size',
  ),
  'k8s.aliyun.com/eci-data-cache-bucket': spec<string>({
    use: 'request',
    field: 'DataCacheBucket',
    format: 'a DataCache bucket name, e.g. "default"',
    schema: str.regex(/^[A-Za-z0-9._-]{1,128}$/, 'must be 1-128 letters, digits, ".", "-" or "_"'),
    apply: setField('dataCacheBucket'),
  }),
  'k8s.aliyun.com/eci-data-cache-pl': spec<string>({
    use: 'request',
    field: 'DataCachePL',
    format: 'PL0, PL1, PL2 or PL3',
    schema: str.pipe(z.enum(['PL0', 'PL1', 'PL2', 'PL3'])),
    apply: setField('dataCachePL'),
  }),
  'k8s.aliyun.com/eci-data-cache-provisionedIops': spec<number>({
    use: 'request',
    field: 'DataCacheProvisionedIops',
    format: 'an integer IOPS from 0 to 50000',
    schema: int(0, 50000),
    apply: setField('dataCacheProvisionedIops'),
  }),
  'k8s.aliyun.com/eci-data-cache-burstingEnabled': spec<boolean>({
    use: 'request',
    field: 'DataCacheBurstingEnabled',
    format: '"true" or "false"',
    schema: boolean,
    apply: setField('dataCacheBurstingEnabled'),
  }),
  'k8s.aliyun.com/eci-ntp-server': spec<string[]>({
    use: 'request',
    field: 'NtpServer.N',
    format: 'comma-separated NTP server addresses',
    schema: list(host, 10),
    apply: setField('ntpServer'),
  }),
  'k8s.aliyun.com/eci-core-pattern': spec<string>({
    use: 'request',
    field: 'CorePattern',
    format: 'an absolute directory path such as "/pod/data/dump/core" (not a "|" pipe)',
    schema: str.regex(/^\/[^|]*$/, 'must be an absolute path and must not start with "|"'),
    apply: setField('corePattern'),
  }),
  'k8s.aliyun.com/eci-sls-enable': ignored(
    `${NO_FIELD} (SlsEnable); log collection follows the containers' aliyun_logs_* env`,
    '"true" or "false"',
    boolean,
  ),

  // §3.4 written back by the reconciler; known, so never "unknown"
  [INSTANCE_ANNOTATIONS.instanceId]: status,
  [INSTANCE_ANNOTATIONS.clientToken]: status,
  [INSTANCE_ANNOTATIONS.requestId]: status,
  [INSTANCE_ANNOTATIONS.instanceSpec]: status,
  'k8s.aliyun.com/eci-instance-cpu': status,
  'k8s.aliyun.com/eci-instance-mem': status,
  'k8s.aliyun.com/eci-instance-zone': status,
  'k8s.aliyun.com/eci-instance-compute-category': status,
  'k8s.aliyun.com/eci-vpc': status,
  'k8s.aliyun.com/eci-matched-image-cache': status,
  'k8s.aliyun.com/eci-created-by-template': status,
  'k8s.aliyun.com/eci-schedule-result': status,
  'k8s.aliyun.com/eci-drop-apiserver-interactive-caps': status,
} as const;

export type EciAnnotationName = keyof typeof ECI_ANNOTATIONS;
type ValueOf<S> = S extends AnnotationSpec<infer T> ? T : never;
export type ParsedEciAnnotations = { [K in EciAnnotationName]?: ValueOf<(typeof ECI_ANNOTATIONS)[K]> };

export interface AnnotationIssue {
  annotation: string;
  message: string;
}

function describeZodError(err: z.ZodError): string {
  return err.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; ');
}

/**
 * Parses every known annotation of the pod with its table entry. Malformed values and
 * unsupported features are errors naming the annotation; unknown
 * `k8s.aliyun.com/eci-*` names and ignored ones are warnings.
 */
export function parseEciAnnotations(annotations: Record<string, string>): {
  values: ParsedEciAnnotations;
  errors: AnnotationIssue[];
  warnings: string[];
} {
  const values: Record<string, unknown> = {};
  const errors: AnnotationIssue[] = [];
  const warnings: string[] = [];
  const table = ECI_ANNOTATIONS as unknown as Record<string, AnnotationSpec<unknown>>;
  for (const [name, raw] of Object.entries(annotations)) {
    const entry = Object.hasOwn(table, name) ? table[name] : undefined;
    if (!entry) {
      if (name.startsWith(ECI_ANNOTATION_PREFIX)) warnings.push(`unknown ECI annotation ${name} is ignored`);
      continue;
    }
    if (entry.use === 'status') continue;
    const parsed = entry.schema.safeParse(raw);
    if (!parsed.success) {
      errors.push({
        annotation: name,
        message: `invalid value "${raw}": ${describeZodError(parsed.error)}; expected ${entry.format}`,
      });
      continue;
    }
    if (entry.use === 'unsupported') {
      if (entry.requests?.(parsed.data) ?? true) {
        errors.push({ annotation: name, message: `not supported: ${entry.field}` });
      }
      continue;
    }
    if (entry.use === 'ignored') {
      warnings.push(`annotation ${name} has no effect: ${entry.field}`);
      continue;
    }
    values[name] = parsed.data;
  }
  const v = values as ParsedEciAnnotations;
  const strategy = v['k8s.aliyun.com/eci-spot-strategy'];
  const price = v['k8s.aliyun.com/eci-spot-price-limit'];
  if (strategy === 'SpotWithPriceLimit' && price === undefined) {
    errors.push({
      annotation: 'k8s.aliyun.com/eci-spot-price-limit',
      message: 'required when k8s.aliyun.com/eci-spot-strategy is SpotWithPriceLimit',
    });
  }
  if (price !== undefined && strategy !== 'SpotWithPriceLimit') {
    errors.push({
      annotation: 'k8s.aliyun.com/eci-spot-price-limit',
      message: 'only valid with k8s.aliyun.com/eci-spot-strategy: SpotWithPriceLimit',
    });
  }
  for (const arn of ['k8s.aliyun.com/acr-service-arns', 'k8s.aliyun.com/acr-user-arns'] as const) {
    if (v[arn] !== undefined && v['k8s.aliyun.com/acr-instance-ids'] === undefined) {
      errors.push({ annotation: arn, message: 'requires k8s.aliyun.com/acr-instance-ids' });
    }
  }
  return { values: v, errors, warnings };
}

/** Admission-time check of a pod's ECI annotations (used by the webhook for warnings). */
export function checkEciAnnotations(annotations: Record<string, string>): {
  errors: AnnotationIssue[];
  warnings: string[];
} {
  const { errors, warnings } = parseEciAnnotations(annotations);
  return { errors, warnings };
}

/**
 * Applies the parsed annotations to a request in table order. Runs after the pod
 * and profile have been translated, so an annotation beats both.
 */
export function applyEciAnnotations(request: EciRequestFields, values: ParsedEciAnnotations): void {
  const table = ECI_ANNOTATIONS as unknown as Record<string, AnnotationSpec<unknown>>;
  for (const [name, entry] of Object.entries(table)) {
    const value = (values as Record<string, unknown>)[name];
    if (value !== undefined && entry.apply) entry.apply(request, value);
  }
}
