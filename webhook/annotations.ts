// Annotations only the webhook writes (the shared names live in shared/annotations.ts).

export const WEBHOOK_ANNOTATIONS = {
  /** Why the pod was sent to ECI, e.g. "namespace label eci=true". Written once, never overwritten. */
  decision: 'eci-virtual-node.io/decision',
  /** JSON of the nodeSelector and required node affinity the webhook replaced, so nothing is lost. */
  originalNodeConstraints: 'eci-virtual-node.io/original-node-constraints',
} as const;
