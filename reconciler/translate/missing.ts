// Missing ConfigMaps and Secrets the way the kubelet and virtual-kubelet report them:
// an optional one (or key) → the pod runs without it and a Warning Event says so; a
// mandatory one → the pod waits, its containers show CreateContainerConfigError, and
// a Warning Event names what is missing.
import type { MissingReference } from './context.ts';

export const REFERENCE_EVENT_REASONS = {
  optionalConfigMap: 'OptionalConfigMapNotFound',
  optionalConfigMapKey: 'OptionalConfigMapKeyNotFound',
  optionalSecret: 'OptionalSecretNotFound',
  optionalSecretKey: 'OptionalSecretKeyNotFound',
  mandatoryConfigMap: 'MandatoryConfigMapNotFound',
  mandatoryConfigMapKey: 'MandatoryConfigMapKeyNotFound',
  mandatorySecret: 'MandatorySecretNotFound',
  mandatorySecretKey: 'MandatorySecretKeyNotFound',
} as const;

type ReferenceEventReason = (typeof REFERENCE_EVENT_REASONS)[keyof typeof REFERENCE_EVENT_REASONS];

export interface ReferenceEvent {
  type: 'Warning';
  reason: ReferenceEventReason;
  message: string;
}

/** The reason and message for one missing ConfigMap/Secret (claims and volumes have none). */
function describe(ref: MissingReference): ReferenceEvent | undefined {
  if (ref.kind !== 'ConfigMap' && ref.kind !== 'Secret') return undefined;
  const kind = ref.kind === 'ConfigMap' ? 'configmap' : 'secret';
  const reason =
    `${ref.optional ? 'Optional' : 'Mandatory'}${ref.kind}${ref.key !== undefined ? 'Key' : ''}NotFound` as ReferenceEventReason;
  const message =
    ref.key !== undefined
      ? `key ${JSON.stringify(ref.key)} does not exist in ${kind} ${JSON.stringify(ref.name)}`
      : `${kind} ${JSON.stringify(ref.name)} not found`;
  return { type: 'Warning', reason, message };
}

/** One Event per distinct missing ConfigMap/Secret or key, mandatory ones first. */
export function referenceEvents(refs: readonly MissingReference[]): ReferenceEvent[] {
  const out: ReferenceEvent[] = [];
  const seen = new Set<string>();
  for (const ref of [...refs.filter((r) => !r.optional), ...refs.filter((r) => r.optional)]) {
    const event = describe(ref);
    if (!event || seen.has(`${event.reason}\n${event.message}`)) continue;
    seen.add(`${event.reason}\n${event.message}`);
    out.push(event);
  }
  return out;
}

/**
 * The message a kubelet puts on containers waiting with CreateContainerConfigError for
 * these mandatory references, or undefined when none is a ConfigMap or Secret.
 */
export function configErrorMessage(refs: readonly MissingReference[]): string | undefined {
  const messages = referenceEvents(refs.filter((r) => !r.optional)).map((e) => e.message);
  return messages.length ? messages.join('; ') : undefined;
}
