// The ECI Profile: the ConfigMap kube-system/eci-profile parsed
// with zod. Pure: the watcher that keeps it current lives in profile-watcher.ts.
import { z } from 'zod';
import { labelKeySchema, labelSelectorSchema, labelValueSchema } from './label-selector.ts';
import {
  DEFAULT_PRIVILEGED_POLICY,
  PRIVILEGED_ANNOTATION_NAMES,
  type PrivilegedAnnotationPolicy,
} from './privileged-annotations.ts';

export const PROFILE_CONFIGMAP = { namespace: 'kube-system', name: 'eci-profile' } as const;

const annotationKeySchema = labelKeySchema;

/** One element of the `selectors` JSON array. */
const profileSelectorSchema = z.strictObject({
  name: z.string().min(1, 'name is required'),
  namespaceSelector: labelSelectorSchema.optional(),
  objectSelector: labelSelectorSchema.optional(),
  effect: z
    .strictObject({
      annotations: z.record(annotationKeySchema, z.string()).optional(),
      labels: z.record(labelKeySchema, labelValueSchema).optional(),
    })
    .optional(),
});
export type ProfileSelector = z.infer<typeof profileSelectorSchema>;

const profileSelectorsSchema = z.array(profileSelectorSchema).superRefine((selectors, ctx) => {
  const seen = new Set<string>();
  selectors.forEach((s, i) => {
    if (seen.has(s.name))
      ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `duplicate name "${s.name}"` });
    seen.add(s.name);
  });
});

const bool = (fallback: boolean) =>
  z
    .string()
    .trim()
    .transform((v, ctx) => {
      if (v === '') return fallback;
      const lower = v.toLowerCase();
      if (lower === 'true') return true;
      if (lower === 'false') return false;
      ctx.addIssue({ code: 'custom', message: `expected "true" or "false", got "${v}"` });
      return z.NEVER;
    });

const id = (prefix: string) =>
  z
    .string()
    .trim()
    .transform((v, ctx) => {
      if (v === '') return undefined;
      if (!new RegExp(`^${prefix}-[A-Za-z0-9-]+$`).test(v)) {
        ctx.addIssue({ code: 'custom', message: `expected an id like "${prefix}-xxxx", got "${v}"` });
        return z.NEVER;
      }
      return v;
    });

const idList = (prefix: string) =>
  z
    .string()
    .transform((v) =>
      v
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== ''),
    )
    .pipe(
      z.array(
        z
          .string()
          .regex(new RegExp(`^${prefix}-[A-Za-z0-9-]+$`), `each entry must look like "${prefix}-xxxx"`),
      ),
    );

const selectorsField = z
  .string()
  .transform((v, ctx) => {
    if (v.trim() === '') return [];
    try {
      return JSON.parse(v) as unknown;
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: `not valid JSON: ${(err as Error).message}` });
      return z.NEVER;
    }
  })
  .pipe(profileSelectorsSchema);

const featureGatesField = z.string().transform((v, ctx) => {
  const gates: Record<string, boolean> = {};
  for (const entry of v.split(',')) {
    const item = entry.trim();
    if (item === '') continue;
    const match = /^([A-Za-z][A-Za-z0-9]*)=(true|false)$/i.exec(item);
    if (!match?.[1] || !match[2]) {
      ctx.addIssue({
        code: 'custom',
        message: `expected Name=true|false entries separated by commas, got "${item}"`,
      });
      return z.NEVER;
    }
    gates[match[1]] = match[2].toLowerCase() === 'true';
  }
  return gates;
});

const namespaceName = z
  .string()
  .regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, 'must be a namespace name (a DNS label)');

/**
 * `privilegedAnnotations`: JSON naming the namespaces whose pods may set the annotations
 * that grant cloud IAM or networking (shared/privileged-annotations.ts), e.g.
 * `{"allowedNamespaces":["kube-system"],"byAnnotation":{"k8s.aliyun.com/eci-ram-role-name":["ml"]}}`.
 * Absent or empty: refused in every namespace. `"allowAll": true` restores the original
 * add-on's behaviour, where any pod author can use them: unsafe on a shared cluster.
 */
const privilegedAnnotationsField = z
  .string()
  .transform((v, ctx) => {
    if (v.trim() === '') return {};
    try {
      return JSON.parse(v) as unknown;
    } catch (err) {
      ctx.addIssue({ code: 'custom', message: `not valid JSON: ${(err as Error).message}` });
      return z.NEVER;
    }
  })
  .pipe(
    z.strictObject({
      allowAll: z.boolean().optional(),
      allowedNamespaces: z.array(namespaceName).optional(),
      byAnnotation: z.partialRecord(z.enum(PRIVILEGED_ANNOTATION_NAMES), z.array(namespaceName)).optional(),
    }),
  )
  .transform((p): PrivilegedAnnotationPolicy => ({
    allowAll: p.allowAll ?? DEFAULT_PRIVILEGED_POLICY.allowAll,
    allowedNamespaces: p.allowedNamespaces ?? [],
    byAnnotation: p.byAnnotation ?? {},
  }));

/** Parsers for each ConfigMap key, with its default when the key is absent. */
const FIELDS = {
  vpcId: id('vpc'),
  vSwitchIds: idList('vsw'),
  securityGroupId: id('sg'),
  resourceGroupId: id('rg'),
  selectors: selectorsField,
  enableClusterIp: bool(true),
  enableHybridMode: bool(false),
  enableLinuxArm64Node: bool(false),
  enableLogController: bool(false),
  slsMachineGroup: z
    .string()
    .trim()
    .transform((v) => (v === '' ? undefined : v)),
  enablePVCController: bool(false),
  enablePrivateZone: bool(false),
  /**
   * With enablePrivateZone: sync every Service, not only those annotated
   * `service.beta.kubernetes.io/alibaba-cloud-private-zone-enable: "true"` (ACK's rule).
   */
  privateZoneAllServices: bool(false),
  /** When enablePrivateZone turns false: delete the records the sync wrote (default: keep them). */
  privateZoneRemoveRecordsOnDisable: bool(false),
  enableReuseSSLKey: bool(false),
  featureGates: featureGatesField,
  privilegedAnnotations: privilegedAnnotationsField,
} as const;

/** The profile as a zod schema over the ConfigMap's `data` (absent keys take their defaults). */
const eciProfileSchema = z.object({
  vpcId: FIELDS.vpcId.prefault(''),
  vSwitchIds: FIELDS.vSwitchIds.prefault(''),
  securityGroupId: FIELDS.securityGroupId.prefault(''),
  resourceGroupId: FIELDS.resourceGroupId.prefault(''),
  selectors: FIELDS.selectors.prefault(''),
  enableClusterIp: FIELDS.enableClusterIp.prefault(''),
  enableHybridMode: FIELDS.enableHybridMode.prefault(''),
  enableLinuxArm64Node: FIELDS.enableLinuxArm64Node.prefault(''),
  enableLogController: FIELDS.enableLogController.prefault(''),
  slsMachineGroup: FIELDS.slsMachineGroup.prefault(''),
  enablePVCController: FIELDS.enablePVCController.prefault(''),
  enablePrivateZone: FIELDS.enablePrivateZone.prefault(''),
  privateZoneAllServices: FIELDS.privateZoneAllServices.prefault(''),
  privateZoneRemoveRecordsOnDisable: FIELDS.privateZoneRemoveRecordsOnDisable.prefault(''),
  enableReuseSSLKey: FIELDS.enableReuseSSLKey.prefault(''),
  featureGates: FIELDS.featureGates.prefault(''),
  privilegedAnnotations: FIELDS.privilegedAnnotations.prefault(''),
});

export type EciProfile = z.output<typeof eciProfileSchema>;

/** Older documentation spells vSwitchIds as vswitchIds. */
const ALIASES: Record<string, keyof typeof FIELDS> = { vswitchIds: 'vSwitchIds' };

export interface ProfileError {
  /** The ConfigMap key at fault, with the path inside it for `selectors` (e.g. `selectors[1].name`). */
  key: string;
  message: string;
}

export type ParseProfileResult =
  { ok: true; profile: EciProfile; warnings: string[] } | { ok: false; errors: ProfileError[] };

function formatPath(key: string, path: ReadonlyArray<PropertyKey>): string {
  let out = key;
  for (const part of path) out += typeof part === 'number' ? `[${part}]` : `.${String(part)}`;
  return out;
}

/** Parses a ConfigMap's `data`. Unknown keys are not errors (newer ACK keys), only warnings. */
export function parseEciProfile(data: Readonly<Record<string, string>> | undefined): ParseProfileResult {
  const input: Record<string, string> = {};
  const warnings: string[] = [];
  for (const [rawKey, value] of Object.entries(data ?? {})) {
    const key = ALIASES[rawKey] ?? rawKey;
    if (!Object.hasOwn(FIELDS, key)) {
      warnings.push(`unknown key "${rawKey}" ignored`);
      continue;
    }
    if (key !== rawKey && Object.hasOwn(data ?? {}, key)) {
      warnings.push(`key "${rawKey}" ignored: "${key}" is also set`);
      continue;
    }
    input[key] = value;
  }
  const result = eciProfileSchema.safeParse(input);
  if (!result.success) {
    const errors = result.error.issues.map((issue) => {
      const [first, ...rest] = issue.path;
      // zod reports a bad record key as "Invalid key in record" with the reason nested.
      const nested = issue.code === 'invalid_key' ? issue.issues[0]?.message : undefined;
      return { key: formatPath(String(first ?? ''), rest), message: nested ?? issue.message };
    });
    return { ok: false, errors };
  }
  return { ok: true, profile: result.data, warnings };
}

/** The profile used when the ConfigMap does not exist: built-in label rules only. */
export const DEFAULT_PROFILE: EciProfile = eciProfileSchema.parse({});

export function formatProfileErrors(errors: ReadonlyArray<ProfileError>): string {
  return errors.map((e) => `${e.key}: ${e.message}`).join('; ');
}
