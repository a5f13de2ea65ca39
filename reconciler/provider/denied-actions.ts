// Optional ECI actions the RAM policy may leave out (deploy/ram-policy.md). When ECI refuses one
// (403 Forbidden.RAM and kin: isActionDeniedCode), the reconciler says so once, in the three
// places an operator looks: a log line, a Warning Event on each virtual node (kubectl describe
// node), and the gauge eci_api_action_denied{action} = 1. Every ECI call's outcome is seen (the
// client's onCall); a caller with a fallback asks fallsBack() and uses it.
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { Gauge, type Registry } from 'prom-client';
import { NodeEvents } from '../node/node-events.ts';
import { classifyEciError, isActionDeniedCode } from './eci-errors.ts';

/** Each optional action and what the reconciler does, or cannot do, without it. */
const WITHOUT: Readonly<Record<string, string>> = {
  DescribeContainerGroupStatus:
    'polling every tracked container group with DescribeContainerGroups by id instead (more DescribeContainerGroups quota per tick); grant it and restart the reconciler to stop the fallback',
  DescribeContainerLog: 'kubectl logs on ECI pods fails until it is granted',
  ExecContainerCommand: 'kubectl exec and attach on ECI pods fail until it is granted',
  UpdateContainerGroup:
    'changed images and refreshed ConfigMap, Secret and token volumes do not reach running ECI pods until it is granted',
  DescribeMultiContainerGroupMetric:
    'the virtual nodes report no CPU or memory use of ECI pods (kubectl top, metrics-server) until it is granted',
  CreateImageCache: 'ImageCache objects do not become ECI image caches until it is granted',
  DescribeImageCaches:
    'ImageCache objects do not show the state of their ECI image caches until it is granted',
  DeleteImageCache: 'deleted ImageCache objects leave their ECI image caches behind until it is granted',
};

const ACTION_DENIED_REASON = 'ECIActionDenied';

/** Pure: the one line said about a denied optional action, or undefined for a required one. */
export function deniedActionMessage(action: string, code: string): string | undefined {
  const without = WITHOUT[action];
  if (!without) return undefined;
  return `the RAM policy does not allow eci:${action} (${code}; deploy/ram-policy.json): ${without}`;
}

export interface DeniedActions {
  /** Sees every ECI call's outcome (ok or the error code): a denied optional action is said once. */
  observe(action: string, outcome: string): void;
  /** For a caller with a fallback: true when `err` is RAM denying `action` (then said once). */
  fallsBack(action: string, err: unknown): boolean;
}

export function deniedActionNotices(o: {
  kc: KubeConfig;
  nodeNames: readonly string[];
  log: Logger;
  registry: Registry;
}): DeniedActions {
  const gauge = new Gauge({
    name: 'eci_api_action_denied',
    help: 'Optional ECI actions the RAM policy denies (1); what the reconciler does without each: deploy/ram-policy.md',
    labelNames: ['action'],
    registers: [o.registry],
  });
  const core = o.kc.makeApiClient(CoreV1Api);
  const said = new Set<string>();
  const postOnNode = async (name: string, message: string) => {
    // The Node's uid, so `kubectl describe node` lists the Event.
    const uid = await core.readNode({ name }).then(
      (n) => n.metadata?.uid,
      () => undefined,
    );
    // A recorder of its own: a recorder bumps its earlier Event of the same reason, and each
    // denied action is an Event of its own.
    new NodeEvents(o.kc, o.log).post(
      { name, uid },
      { type: 'Warning', reason: ACTION_DENIED_REASON, message },
    );
  };
  /** True when (action, code) is a denied optional action; says so the first time. */
  const notice = (action: string, code: string): boolean => {
    const message = isActionDeniedCode(code) ? deniedActionMessage(action, code) : undefined;
    if (!message) return false;
    if (said.has(action)) return true;
    said.add(action);
    gauge.set({ action }, 1);
    o.log.warn({ action, code }, message);
    for (const name of o.nodeNames) void postOnNode(name, message);
    return true;
  };
  return {
    observe: (action, outcome) => void notice(action, outcome),
    fallsBack: (action, err) => notice(action, classifyEciError(err).code),
  };
}
