// Admission warnings for a pod going to ECI that asks for what ECI cannot give. They
// come from the rule table the reconciler's translation refuses pods with
// (shared/pod-rules.ts), so a warning here means the same refusal there. Admission is
// never denied for these: the pod is admitted and the reconciler reports the reason.
import type { V1Pod } from '@kubernetes/client-node';
import { podRuleViolations } from '../shared/pod-rules.ts';

/** Warnings for unsupported pod features, one per offending field, in a stable order. */
export function unsupportedFeatureWarnings(pod: V1Pod): string[] {
  return podRuleViolations(pod).map((v) => `${v.subject}: ${v.message}`);
}
