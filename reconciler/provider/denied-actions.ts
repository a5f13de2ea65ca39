// Optional ECI actions the RAM policy may leave out (deploy/ram-policy.md). When ECI refuses one
// (isActionDenied), the reconciler says so once, in the three places an operator looks: a log
// line, a Warning Event on each virtual node (kubectl describe node), and the gauge
// eci_api_action_denied{action} = 1. The caller then uses the action's fallback.
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { Gauge, type Registry } from 'prom-client';
import { NodeEvents } from '../node/node-events.ts';
import { classifyEciError, describeEciError, isActionDenied } from './eci-errors.ts';

/** Each optional action and what the reconciler does without it. */
const FALLBACKS: Readonly<Record<string, string>> = {
  DescribeContainerGroupStatus:
    'polling every tracked container group with DescribeContainerGroups by id instead (more DescribeContainerGroups quota per tick)',
};

const ACTION_DENIED_REASON = 'ECIActionDenied';

/** Pure: the one line said about a denied optional action, or undefined when `action` has no fallback. */
export function deniedActionMessage(action: string, detail: string): string | undefined {
  const fallback = FALLBACKS[action];
  if (!fallback) return undefined;
  return `the RAM policy does not allow eci:${action} (${detail}); ${fallback}. Grant it (deploy/ram-policy.json) and restart the reconciler to stop the fallback.`;
}

/**
 * The reconciler's notice of denied optional actions: `(action, err) => true` when `err` is RAM
 * refusing that optional action (the caller then falls back), said once per action; false for
 * any other failure.
 */
export function deniedActionNotices(o: {
  kc: KubeConfig;
  nodeNames: readonly string[];
  log: Logger;
  registry: Registry;
}): (action: string, err: unknown) => boolean {
  const gauge = new Gauge({
    name: 'eci_api_action_denied',
    help: 'Optional ECI actions the RAM policy denies (1), each replaced by its fallback (deploy/ram-policy.md)',
    labelNames: ['action'],
    registers: [o.registry],
  });
  const core = o.kc.makeApiClient(CoreV1Api);
  // One recorder per node: a recorder bumps its earlier Event of the same reason.
  const events = new Map(o.nodeNames.map((name) => [name, new NodeEvents(o.kc, o.log)]));
  const said = new Set<string>();
  const postOnNode = async (name: string, message: string) => {
    // The Node's uid, so `kubectl describe node` lists the Event.
    const uid = await core.readNode({ name }).then(
      (n) => n.metadata?.uid,
      () => undefined,
    );
    events.get(name)?.post({ name, uid }, { type: 'Warning', reason: ACTION_DENIED_REASON, message });
  };
  return (action, err) => {
    const e = classifyEciError(err);
    const message = isActionDenied(e) ? deniedActionMessage(action, describeEciError(e)) : undefined;
    if (!message) return false;
    if (said.has(action)) return true;
    said.add(action);
    gauge.set({ action }, 1);
    o.log.warn({ action, code: e.code }, message);
    for (const name of o.nodeNames) void postOnNode(name, message);
    return true;
  };
}
