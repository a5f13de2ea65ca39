// Rows of the ECI annotation table (annotation-values.ts): placement, specs, billing,
// failure handling and images (examples/translate/README.md).
import { z } from 'zod';
import {
  boolean,
  customTag,
  decimal,
  host,
  idOf,
  int,
  list,
  MAX_TAG_LENGTH,
  str,
  useSpecEntry,
  type UseSpec,
} from './annotation-schemas.ts';
import { NO_FIELD, ignored, spec, unsupported, unsupportedValue } from './annotation-schemas.ts';
import { BEHAVIOUR_ANNOTATIONS } from './annotation-names.ts';

/** Upper bound for eci-spot-price-limit, per hour: far above any instance price. */
const MAX_SPOT_PRICE = 10_000;

export const INSTANCE_ROWS = {
  // placement, specs, billing
  'k8s.aliyun.com/eci-instance-type': spec<string, 'request'>({
    use: 'request',
    field: 'InstanceType',
    format: 'an ECS instance type such as "ecs.c6.xlarge" (legacy; prefer eci-use-specs)',
    schema: str.regex(/^ecs\.[a-z0-9-]+\.[a-z0-9-]+$/i, 'must look like "ecs.c6.xlarge"'),
  }),
  'k8s.aliyun.com/eci-use-specs': spec<UseSpec[], 'request'>({
    use: 'request',
    field: 'Cpu + Memory (one vCPU-memory pair) or InstanceType (comma list, in priority order)',
    format:
      'up to 5 comma-separated entries, each "<cpu>-<memory>Gi" (e.g. "2-4Gi") or an instance type (e.g. "ecs.c6.xlarge")',
    schema: list(z.string(), 5).pipe(z.array(useSpecEntry)),
  }),
  'k8s.aliyun.com/eci-gpu-type': unsupportedValue(
    `${NO_FIELD}; name a GPU instance type in k8s.aliyun.com/eci-use-specs instead`,
    'a GPU family such as "P4"',
  ),
  'k8s.aliyun.com/eci-instance-family': unsupportedValue(NO_FIELD, 'comma-separated ECS families'),
  'k8s.aliyun.com/eci-instance-generation': unsupportedValue(NO_FIELD, 'comma-separated generations'),
  'k8s.aliyun.com/eci-compute-category': unsupportedValue(NO_FIELD, 'economy or general, comma-separated'),
  'k8s.aliyun.com/eci-gpu-driver-version': unsupportedValue(NO_FIELD, 'e.g. "tesla=525.85.12"'),
  'k8s.aliyun.com/eci-cpu-option-core': spec<number, 'request'>({
    use: 'request',
    field: 'CpuOptionsCore',
    format: 'a positive integer',
    schema: int(1, 1024),
  }),
  'k8s.aliyun.com/eci-cpu-option-ht': spec<number, 'request'>({
    use: 'request',
    field: 'CpuOptionsThreadsPerCore',
    format: '1 or 2',
    schema: int(1, 2),
  }),
  'k8s.aliyun.com/eci-spot-strategy': spec<string, 'request'>({
    use: 'request',
    field: 'SpotStrategy',
    format: 'NoSpot, SpotAsPriceGo or SpotWithPriceLimit',
    schema: str.pipe(z.enum(['NoSpot', 'SpotAsPriceGo', 'SpotWithPriceLimit'])),
  }),
  'k8s.aliyun.com/eci-spot-price-limit': spec<number, 'request'>({
    use: 'request',
    field: 'SpotPriceLimit',
    format: `a positive price per hour up to ${MAX_SPOT_PRICE} with at most 3 decimals, e.g. "0.250"`,
    schema: decimal(3, MAX_SPOT_PRICE),
  }),
  'k8s.aliyun.com/eci-spot-duration': spec<number, 'request'>({
    use: 'request',
    field: 'SpotDuration',
    format: 'an integer number of hours from 0 to 6',
    schema: int(0, 6),
  }),
  'k8s.aliyun.com/eci-spot-fallback': unsupported(NO_FIELD),
  'k8s.aliyun.com/eci-privatepool-matchcriteria': unsupportedValue(NO_FIELD, 'Open or Target'),
  'k8s.aliyun.com/eci-privatepool-id': unsupportedValue(NO_FIELD, 'a private pool id "eap-…"'),
  'k8s.aliyun.com/eci-vswitch': spec<string[], 'request'>({
    use: 'request',
    field: 'VSwitchId (comma list)',
    format: 'up to 10 comma-separated vSwitch ids "vsw-…"',
    schema: list(idOf('vsw'), 10),
  }),
  'k8s.aliyun.com/eci-schedule-strategy': spec<string, 'request'>({
    use: 'request',
    field: 'ScheduleStrategy',
    format: 'VSwitchOrdered or VSwitchRandom',
    schema: str.pipe(z.enum(['VSwitchOrdered', 'VSwitchRandom'])),
  }),
  'k8s.aliyun.com/eci-security-group': spec<string[], 'request'>({
    use: 'request',
    field: 'SecurityGroupId (comma list)',
    format: 'up to 5 comma-separated security group ids "sg-…"',
    schema: list(idOf('sg'), 5),
  }),
  'k8s.aliyun.com/eci-resource-group-id': spec<string, 'request'>({
    use: 'request',
    field: 'ResourceGroupId',
    format: 'a resource group id "rg-…"',
    schema: str.pipe(idOf('rg')),
  }),
  'k8s.aliyun.com/eci-ram-role-name': spec<string, 'request'>({
    use: 'request',
    field: 'RamRoleName',
    format: 'a RAM role name of 1-64 letters, digits, ".", "-" or "_"',
    schema: str.regex(/^[A-Za-z0-9._-]{1,64}$/, 'must be 1-64 letters, digits, ".", "-" or "_"'),
  }),
  'k8s.aliyun.com/eci-custom-tags': spec<Array<{ key: string; value: string }>, 'request'>({
    use: 'request',
    field: 'Tag.N.Key/Value',
    format: `up to 3 comma-separated key:value pairs, e.g. "env:test,name:alice" (each key and value at most ${MAX_TAG_LENGTH} characters)`,
    schema: list(z.string(), 3).pipe(z.array(customTag)),
  }),
  [BEHAVIOUR_ANNOTATIONS.failStrategy]: spec<string, 'reconciler'>({
    use: 'reconciler',
    field: 'none: decides Pending (fail-back, fail-over) or Failed (fail-fast) on a create error',
    format: 'fail-back, fail-over or fail-fast',
    schema: str.pipe(z.enum(['fail-back', 'fail-over', 'fail-fast'])),
  }),
  [BEHAVIOUR_ANNOTATIONS.failOnCreateError]: spec<boolean, 'reconciler'>({
    use: 'reconciler',
    field: 'none: legacy form of eci-fail-strategy=fail-fast',
    format: '"true" or "false"',
    schema: boolean,
  }),
  [BEHAVIOUR_ANNOTATIONS.maxPendingMinute]: spec<number, 'reconciler'>({
    use: 'reconciler',
    field: 'none: the reconciler fails the pod after this long Pending',
    format: 'an integer number of minutes from 10 to 1440',
    schema: int(10, 1440),
  }),
  'k8s.aliyun.com/eci-reschedule-enable': ignored(NO_FIELD, '"true" or "false"', boolean),

  // images
  'k8s.aliyun.com/eci-image-snapshot-id': spec<string, 'request'>({
    use: 'request',
    field: 'ImageSnapshotId',
    format: 'an image cache id "imc-…"',
    schema: str.pipe(idOf('imc')),
  }),
  'k8s.aliyun.com/eci-imc-id': spec<string, 'request'>({
    use: 'request',
    field: 'ImageSnapshotId',
    format: 'an image cache id "imc-…"',
    schema: str.pipe(idOf('imc')),
  }),
  'k8s.aliyun.com/eci-image-cache': spec<boolean, 'request'>({
    use: 'request',
    field: 'AutoMatchImageCache',
    format: '"true" or "false"',
    schema: boolean,
  }),
  'k8s.aliyun.com/eci-auto-imc': spec<boolean, 'request'>({
    use: 'request',
    field: 'AutoMatchImageCache',
    format: '"true" or "false"',
    schema: boolean,
  }),
  'k8s.aliyun.com/imc-perfect-match': ignored(NO_FIELD, '"true" or "false"', boolean),
  'k8s.aliyun.com/imc-match-count-request': ignored(NO_FIELD, 'a positive integer', int(1, 1000)),
  'k8s.aliyun.com/acr-instance-ids': spec<Array<{ regionId?: string; instanceId: string }>, 'request'>({
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
  }),
  'k8s.aliyun.com/acr-service-arns': spec<string, 'request'>({
    use: 'request',
    field: 'AcrRegistryInfo.N.ArnService',
    format: 'a RAM role ARN "acs:ram::<account>:role/<name>" (needs k8s.aliyun.com/acr-instance-ids)',
    schema: str.regex(
      /^acs:ram::\d+:role\/[A-Za-z0-9._-]+$/,
      'must look like "acs:ram::<account>:role/<name>"',
    ),
  }),
  'k8s.aliyun.com/acr-user-arns': spec<string, 'request'>({
    use: 'request',
    field: 'AcrRegistryInfo.N.ArnUser',
    format: 'a RAM role ARN "acs:ram::<account>:role/<name>" (needs k8s.aliyun.com/acr-instance-ids)',
    schema: str.regex(
      /^acs:ram::\d+:role\/[A-Za-z0-9._-]+$/,
      'must look like "acs:ram::<account>:role/<name>"',
    ),
  }),
  'k8s.aliyun.com/plain-http-registry': spec<string[], 'request'>({
    use: 'request',
    field: 'PlainHttpRegistry',
    format: 'comma-separated registries "host[:port]"',
    schema: list(host, 50),
  }),
  'k8s.aliyun.com/insecure-registry': spec<string[], 'request'>({
    use: 'request',
    field: 'InsecureRegistry',
    format: 'comma-separated registries "host[:port]"',
    schema: list(host, 50),
  }),
} as const;
