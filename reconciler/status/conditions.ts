// The pod conditions the reconciler manages (PodScheduled, Initialized, ContainersReady,
// Ready), worded as a kubelet words them (kubernetes pkg/kubelet/status/generate.go): a
// condition that is True carries no reason or message.
import type { V1Pod } from '@kubernetes/client-node';
import { sidecarNames } from './init-containers.ts';
import { boundedMessage } from './messages.ts';
import { drop, type ConditionJson, type ContainerStatusJson, type PodPhase } from './model.ts';

const MANAGED_CONDITIONS: ReadonlySet<string> = new Set([
  'PodScheduled',
  'Initialized',
  'ContainersReady',
  'Ready',
]);

/** One condition; its transition time is kept when its status did not change. */
function condition(
  type: string,
  ok: boolean,
  now: string,
  previous: readonly ConditionJson[],
  reason?: string,
  message?: string,
): ConditionJson {
  const status = ok ? 'True' : 'False';
  const prev = previous.find((c) => c.type === type);
  const lastTransitionTime =
    prev && prev.status === status && prev.lastTransitionTime ? prev.lastTransitionTime : now;
  return drop({
    type,
    status,
    reason: ok ? undefined : reason,
    message: ok ? undefined : boundedMessage(message),
    lastTransitionTime,
  }) as ConditionJson;
}

/** Why the readiness gates hold Ready false, as generate.go says it; undefined when they are all True. */
function readinessGatesMessage(pod: V1Pod, previous: readonly ConditionJson[]): string | undefined {
  const messages: string[] = [];
  for (const gate of pod.spec?.readinessGates ?? []) {
    const c = previous.find((x) => x.type === gate.conditionType);
    if (!c)
      messages.push(`corresponding condition of pod readiness gate "${gate.conditionType}" does not exist.`);
    else if (c.status !== 'True')
      messages.push(
        `the status of pod readiness gate "${gate.conditionType}" is not "True", but ${c.status}`,
      );
  }
  return messages.length ? messages.join(', ') : undefined;
}

export interface ConditionInputs {
  pod: V1Pod;
  phase: PodPhase;
  statuses: readonly ContainerStatusJson[];
  initStatuses: readonly ContainerStatusJson[];
  /** The pod's current conditions. */
  previous: readonly ConditionJson[];
  now: string;
}

/** The managed conditions, then every other condition of the pod unchanged. */
export function podConditions(x: ConditionInputs): ConditionJson[] {
  const { phase, statuses, initStatuses, previous, now } = x;
  const terminal = phase === 'Succeeded' || phase === 'Failed';
  const initDone =
    initStatuses.length === 0 ||
    phase === 'Running' ||
    phase === 'Succeeded' ||
    initStatuses.every((s) => s.state.terminated?.exitCode === 0);
  // Sidecars count as the app containers do, listed first (generate.go GenerateContainersReadyCondition).
  const sidecars = new Set(sidecarNames(x.pod.spec?.initContainers ?? []));
  const notReady = [...initStatuses.filter((s) => sidecars.has(s.name)), ...statuses]
    .filter((s) => !s.ready)
    .map((s) => s.name);
  const containersReady = !terminal && statuses.length > 0 && notReady.length === 0;
  const gatesMessage = readinessGatesMessage(x.pod, previous);
  const readyReason = terminal ? 'PodCompleted' : 'ContainersNotReady';
  const readyMsg = terminal ? undefined : `containers with unready status: [${notReady.join(' ')}]`;
  const incomplete = initStatuses.filter((s) => s.state.terminated?.exitCode !== 0).map((s) => s.name);

  return [
    condition('PodScheduled', true, now, previous),
    condition(
      'Initialized',
      initDone,
      now,
      previous,
      'ContainersNotInitialized',
      `containers with incomplete status: [${incomplete.join(' ')}]`,
    ),
    condition('ContainersReady', containersReady, now, previous, readyReason, readyMsg),
    condition(
      'Ready',
      containersReady && gatesMessage === undefined,
      now,
      previous,
      containersReady ? 'ReadinessGatesNotReady' : readyReason,
      containersReady ? gatesMessage : readyMsg,
    ),
    ...previous.filter((c) => !MANAGED_CONDITIONS.has(c.type)),
  ];
}
