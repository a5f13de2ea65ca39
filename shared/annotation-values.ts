// The ECI tuning annotations (examples/translate/README.md) as values: annotation name → how it
// is used → zod parser. Both programs check pods with it (the webhook for admission
// warnings, the reconciler before translating); the request field each one sets is
// applied beside the translator (reconciler/translate/annotations.ts), whose table is
// typed so that every `request` row here has exactly one apply there.
import type { z } from 'zod';
import { ECI_ANNOTATION_PREFIX } from './annotation-names.ts';
import { INSTANCE_ROWS } from './annotation-rows-instance.ts';
import { NETWORK_ROWS } from './annotation-rows-network.ts';
import type { AnnotationSpec, AnnotationUse } from './annotation-schemas.ts';

/** Every ECI annotation, applied in this order (later entries win on the same field). */
export const ECI_ANNOTATIONS = { ...INSTANCE_ROWS, ...NETWORK_ROWS } as const;

export type EciAnnotationName = keyof typeof ECI_ANNOTATIONS;
type ValueOf<S> = S extends AnnotationSpec<infer T, AnnotationUse> ? T : never;
export type ParsedEciAnnotations = { [K in EciAnnotationName]?: ValueOf<(typeof ECI_ANNOTATIONS)[K]> };

export interface AnnotationIssue {
  annotation: string;
  message: string;
}

/** Raw values are quoted in messages only this far: an annotation can be megabytes long. */
const MAX_QUOTED_VALUE = 100;

function clip(raw: string): string {
  return raw.length > MAX_QUOTED_VALUE
    ? `${raw.slice(0, MAX_QUOTED_VALUE)}… (${raw.length} characters)`
    : raw;
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
        message: `invalid value "${clip(raw)}": ${describeZodError(parsed.error)}; expected ${entry.format}`,
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
