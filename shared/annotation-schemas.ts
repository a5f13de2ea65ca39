// The zod value parsers the ECI annotation table (annotation-values.ts) is built from.
// Every number they return is finite and bounded: a 400-digit value must not turn
// into Infinity on its way into a request.
import { z } from 'zod';

export const str = z.string().trim();

export const boolean = str
  .toLowerCase()
  .pipe(z.enum(['true', 'false']))
  .transform((v) => v === 'true');

export const int = (min: number, max: number) =>
  str
    .regex(/^-?\d+$/, 'must be an integer')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));

/** A decimal with at most `decimals` places, greater than 0 and at most `max`. */
export const decimal = (decimals: number, max: number) =>
  str
    .regex(
      new RegExp(`^\\d+(\\.\\d{1,${decimals}})?$`),
      `must be a decimal with at most ${decimals} decimals`,
    )
    .transform(Number)
    .pipe(z.number().positive('must be greater than 0').max(max, `must be at most ${max}`));

export const list = (item: z.ZodType<string, string>, max: number) =>
  str
    .transform((v) =>
      v
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== ''),
    )
    .pipe(z.array(item).min(1, 'must not be empty').max(max, `at most ${max} entries`));

// Same id shape the ECI Profile parser accepts (shared/profile.ts).
export const idOf = (prefix: string) =>
  z.string().regex(new RegExp(`^${prefix}-[A-Za-z0-9-]+$`), `each entry must look like "${prefix}-xxxx"`);

export const host = z.string().regex(/^[A-Za-z0-9.-]+(:\d{1,5})?$/, 'each entry must be host or host:port');

export const ipv4 = z
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

/** The largest ECI specification (docs/eci-api.md: 64 vCPU, 512 GiB), with headroom for new ones. */
const MAX_SPEC_CPU = 256;
const MAX_SPEC_MEMORY_GIB = 2048;

export const useSpecEntry = z.string().transform((v, ctx): UseSpec => {
  const pair = /^(\d+(?:\.\d+)?)-(\d+(?:\.\d+)?)Gi$/.exec(v);
  if (pair?.[1] && pair[2]) {
    const cpu = Number(pair[1]);
    const memory = Number(pair[2]);
    if (!(cpu > 0 && cpu <= MAX_SPEC_CPU && memory > 0 && memory <= MAX_SPEC_MEMORY_GIB)) {
      ctx.addIssue({
        code: 'custom',
        message: `"${v}": vCPU must be in (0, ${MAX_SPEC_CPU}] and memory in (0, ${MAX_SPEC_MEMORY_GIB}] GiB`,
      });
      return z.NEVER;
    }
    return { cpu, memory };
  }
  if (/^ecs\.[a-z0-9-]+\.[a-z0-9-]+$/i.test(v) || /^ecigpu-[A-Za-z0-9-]+$/.test(v))
    return { instanceType: v };
  ctx.addIssue({ code: 'custom', message: `"${v}" is neither <cpu>-<memory>Gi nor an instance type` });
  return z.NEVER;
});

const BANDWIDTH_FACTOR: Readonly<Record<string, number>> = {
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

/** Upper bound for a bandwidth limit, 1 TB/s: far above any ECI instance, far below Number's limits. */
const MAX_BANDWIDTH = 1e12;

/** `40M` style bandwidth: bytes per second with an optional unit (ECI doc "limit the bandwidth"). */
export const bandwidth = str.transform((v, ctx) => {
  const m = /^(\d+(?:\.\d+)?)\s*(TB|T|GB|G|MB|M|KB|K|B|Ti|Gi|Mi|Ki)?$/i.exec(v);
  if (!m?.[1]) {
    ctx.addIssue({ code: 'custom', message: 'must be a number with an optional unit (K, M, G, T, B)' });
    return z.NEVER;
  }
  const bytes = Math.round(Number(m[1]) * (BANDWIDTH_FACTOR[(m[2] ?? 'B').toUpperCase()] ?? 1));
  if (!Number.isFinite(bytes) || bytes < 1 || bytes > MAX_BANDWIDTH) {
    ctx.addIssue({ code: 'custom', message: `must be from 1 byte/s to ${MAX_BANDWIDTH} bytes/s (1T)` });
    return z.NEVER;
  }
  return bytes;
});

export const dnsConfigJson = json(
  z.strictObject({
    nameservers: z.string().optional(),
    searches: z.string().optional(),
    options: z.string().optional(),
  }),
);

export const hostsJson = json(
  z.array(z.strictObject({ host: z.string().min(1), ip: z.string().min(1) })).min(1, 'must not be empty'),
);

/** ECI's limit on a tag key and on a tag value, in characters. */
export const MAX_TAG_LENGTH = 128;

/** One `key:value` entry of `eci-custom-tags`; keys reserved by Alibaba Cloud are refused. */
export const customTag = z.string().transform((v, ctx) => {
  const i = v.indexOf(':');
  const key = i > 0 ? v.slice(0, i).trim() : '';
  const value = v.slice(i + 1).trim();
  if (!key) {
    ctx.addIssue({ code: 'custom', message: `"${v}" is not key:value` });
    return z.NEVER;
  }
  if (/^(aliyun|acs:)/i.test(key)) {
    ctx.addIssue({ code: 'custom', message: `tag key "${key}" must not start with "aliyun" or "acs:"` });
    return z.NEVER;
  }
  if (key.length > MAX_TAG_LENGTH || value.length > MAX_TAG_LENGTH) {
    ctx.addIssue({
      code: 'custom',
      message: `tag keys and values are limited to ${MAX_TAG_LENGTH} characters (key has ${key.length}, value ${value.length})`,
    });
    return z.NEVER;
  }
  return { key, value };
});

// Table rows: what an annotation is for, and how its value is parsed.

/** How the translation uses an annotation. */
export type AnnotationUse =
  /** sets request fields (its apply in reconciler/translate/annotations.ts) */
  | 'request'
  /** read by the reconciler's failure handling; validated here */
  | 'reconciler'
  /** advisory with no request field in the SDK; accepted with a warning */
  | 'ignored'
  /** asks for something CreateContainerGroup cannot express; the pod is rejected */
  | 'unsupported'
  /** written back by the reconciler itself; never read */
  | 'status';

export interface AnnotationSpec<T, U extends AnnotationUse = AnnotationUse> {
  use: U;
  /** The request field(s) it maps to, as wire names, or why it has none. */
  field: string;
  /** Human description of the accepted value, used in error messages. */
  format: string;
  schema: z.ZodType<T, string>;
  /** For `unsupported`: whether this value asks for the feature (a boolean `false` does not). */
  requests?: (value: T) => boolean;
}

export const spec = <T, U extends AnnotationUse>(s: AnnotationSpec<T, U>): AnnotationSpec<T, U> => s;

export const unsupported = (field: string, format = '"true" or "false"') =>
  spec<boolean, 'unsupported'>({ use: 'unsupported', field, format, schema: boolean, requests: (v) => v });

export const unsupportedValue = (field: string, format: string) =>
  spec<string, 'unsupported'>({
    use: 'unsupported',
    field,
    format,
    schema: str.min(1),
    requests: () => true,
  });

export const ignored = (field: string, format: string, schema: z.ZodType<unknown, string> = str) =>
  spec<unknown, 'ignored'>({ use: 'ignored', field, format, schema });

export const status = spec<string, 'status'>({
  use: 'status',
  field: 'written back by the reconciler',
  format: 'any',
  schema: z.string(),
});

export const NO_FIELD = 'no such field in CreateContainerGroup (@alicloud/eci20180808 2.0.3)';
