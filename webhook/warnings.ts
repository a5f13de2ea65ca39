// Admission warnings for a pod going to ECI that asks for what ECI cannot give, or for
// an annotation the operator's policy refuses. They come from the rules the reconciler's
// translation refuses pods with (shared/pod-rules.ts, shared/privileged-annotations.ts),
// so a warning here means the same refusal there. Admission is never denied for these:
// the pod is admitted and the reconciler reports the reason.
import type { V1Pod } from '@kubernetes/client-node';
import { podRuleViolations } from '../shared/pod-rules.ts';
import {
  privilegedAnnotationRefusals,
  type PrivilegedAnnotationPolicy,
} from '../shared/privileged-annotations.ts';

export interface WarningContext {
  /** The request's namespace (a pod being created may not carry it yet). */
  namespace?: string;
  /** The ECI Profile's privilegedAnnotations; without it privileged annotations are not checked here. */
  policy?: PrivilegedAnnotationPolicy;
}

/** Warnings for unsupported pod features, one per offending field, in a stable order. */
export function unsupportedFeatureWarnings(pod: V1Pod, context?: WarningContext): string[] {
  const violations = podRuleViolations(pod);
  const warnings: string[] = [];
  for (const v of violations) warnings.push(`${v.subject}: ${v.message}`);
  if (context?.policy) {
    const namespace = context.namespace ?? pod.metadata?.namespace ?? 'default';
    for (const r of privilegedAnnotationRefusals(pod.metadata?.annotations, namespace, context.policy))
      warnings.push(
        `metadata.annotations[${r.annotation}]: ${r.message}; the reconciler will refuse the pod`,
      );
  }
  return warnings;
}
