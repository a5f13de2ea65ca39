// Kubernetes LabelSelector: its zod schema and a pure matcher with the apiserver's
// semantics (matchLabels and matchExpressions are ANDed; an empty selector matches all).
import { z } from 'zod';

// Label names and values as the apiserver validates them, so a profile that would make
// every pod creation fail is rejected when it is loaded instead.
const NAME_PART = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** True when `key` is a valid qualified name (`[prefix/]name`), as for label and annotation keys. */
export function isQualifiedName(key: string): boolean {
  const slash = key.lastIndexOf('/');
  const name = slash === -1 ? key : key.slice(slash + 1);
  if (!NAME_PART.test(name)) return false;
  if (slash === -1) return true;
  const prefix = key.slice(0, slash);
  return prefix.length > 0 && prefix.length <= 253 && DNS_SUBDOMAIN.test(prefix);
}

export function isLabelValue(value: string): boolean {
  return value.length <= 63 && LABEL_VALUE.test(value);
}

export const labelKeySchema = z
  .string()
  .refine(isQualifiedName, { message: 'must be a qualified name such as "example.com/name" or "name"' });
export const labelValueSchema = z.string().refine(isLabelValue, {
  message: 'must be at most 63 characters: alphanumerics, "-", "_" or "." and start and end alphanumeric',
});

const labelSelectorRequirementSchema = z
  .strictObject({
    key: labelKeySchema,
    operator: z.enum(['In', 'NotIn', 'Exists', 'DoesNotExist']),
    values: z.array(labelValueSchema).optional(),
  })
  .superRefine((req, ctx) => {
    const count = req.values?.length ?? 0;
    if ((req.operator === 'In' || req.operator === 'NotIn') && count === 0) {
      ctx.addIssue({ code: 'custom', path: ['values'], message: `operator ${req.operator} needs values` });
    }
    if ((req.operator === 'Exists' || req.operator === 'DoesNotExist') && count > 0) {
      ctx.addIssue({ code: 'custom', path: ['values'], message: `operator ${req.operator} takes no values` });
    }
  });

export const labelSelectorSchema = z.strictObject({
  matchLabels: z.record(labelKeySchema, labelValueSchema).optional(),
  matchExpressions: z.array(labelSelectorRequirementSchema).optional(),
});

export type LabelSelector = z.infer<typeof labelSelectorSchema>;
type LabelSelectorRequirement = z.infer<typeof labelSelectorRequirementSchema>;

function matchesRequirement(
  req: LabelSelectorRequirement,
  labels: Readonly<Record<string, string>>,
): boolean {
  const has = Object.hasOwn(labels, req.key);
  const value = labels[req.key];
  switch (req.operator) {
    case 'In':
      return has && value !== undefined && (req.values ?? []).includes(value);
    case 'NotIn':
      return !has || value === undefined || !(req.values ?? []).includes(value);
    case 'Exists':
      return has;
    case 'DoesNotExist':
      return !has;
  }
}

/** Whether `labels` satisfy `selector`. An empty selector matches everything. */
export function matchesLabelSelector(
  selector: LabelSelector,
  labels: Readonly<Record<string, string>> | undefined,
): boolean {
  const actual = labels ?? {};
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    if (!Object.hasOwn(actual, key) || actual[key] !== value) return false;
  }
  return (selector.matchExpressions ?? []).every((req) => matchesRequirement(req, actual));
}
