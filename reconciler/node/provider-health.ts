// Pure: how the ECI provider's health shows on the virtual node — a node condition of its own
// and an Event on each transition. It never touches the Ready condition: see node.ts for why.
import type { V1NodeCondition } from '@kubernetes/client-node';

/** What the ECI provider reports about itself (unreachable, credentials rejected, …). */
export interface ProviderHealth {
  ok: boolean;
  /** CamelCase, e.g. ProviderUnreachable or CredentialsRejected. */
  reason: string;
  message: string;
  /** When the provider entered this state (a Date or epoch ms), if it knows better than our first look. */
  since?: Date | number;
}

const PROVIDER_CONDITION = 'ProviderReady';
const HEALTHY_REASON = 'ProviderReady';
const UNHEALTHY_REASON = 'ProviderUnreachable';
/** Events cut messages at 1 KiB; the condition follows, so an error text cannot bloat the Node. */
const MAX_MESSAGE = 1024;
/** The reason format of metav1.Condition, the strictest Kubernetes applies to reasons. */
const REASON = /^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$/;

function reasonOf(h: ProviderHealth): string {
  const fallback = h.ok ? HEALTHY_REASON : UNHEALTHY_REASON;
  return h.reason.length <= 128 && REASON.test(h.reason) ? h.reason : fallback;
}

function messageOf(h: ProviderHealth): string {
  const text = h.message.trim() || (h.ok ? 'ECI answers' : 'ECI does not answer');
  return text.length > MAX_MESSAGE ? `${text.slice(0, MAX_MESSAGE - 1)}…` : text;
}

/** Pure: the ProviderReady condition for a health report; `transition` is when its status last changed. */
export function providerCondition(h: ProviderHealth, heartbeat: Date, transition: Date): V1NodeCondition {
  return {
    type: PROVIDER_CONDITION,
    status: h.ok ? 'True' : 'False',
    reason: reasonOf(h),
    message: messageOf(h),
    lastHeartbeatTime: heartbeat,
    lastTransitionTime: transition,
  };
}

export interface HealthEvent {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

/**
 * Pure: the Event a new health report calls for, given the last one (undefined at start).
 * Going unhealthy, or unhealthy for a new reason → Warning; recovering → Normal; a healthy
 * start or an unchanged state → none (the message alone changing is no transition).
 */
export function healthEvent(
  previous: Pick<ProviderHealth, 'ok' | 'reason'> | undefined,
  h: ProviderHealth,
): HealthEvent | undefined {
  const reason = reasonOf(h);
  if (h.ok) {
    if (!previous || previous.ok) return undefined;
    return { type: 'Normal', reason, message: `ECI answers again: ${messageOf(h)}` };
  }
  if (previous && !previous.ok && reasonOf({ ...previous, message: '' }) === reason) return undefined;
  return {
    type: 'Warning',
    reason,
    message:
      `${messageOf(h).replace(/\.$/, '')}. Pods already on ECI keep running and the node stays Ready; ` +
      'new pods wait until ECI answers',
  };
}
