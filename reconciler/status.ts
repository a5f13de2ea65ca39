// Pure: an ECI container group (as DescribeContainerGroups returns it) → the pod status
// the reconciler writes (docs/status-mapping.md), and the patch that writes it. The parts:
// status/model.ts (shapes, phases, times), status/containers.ts (container states),
// status/conditions.ts (conditions as a kubelet words them), status/diff.ts (the patch),
// status/references.ts (a pod waiting for a ConfigMap/Secret), status/messages.ts (bounds),
// status/final.ts (the last status of a pod being deleted).
import type { V1Pod } from '@kubernetes/client-node';
import { podConditions } from './status/conditions.ts';
import { containerStatuses, defaultWaitingReason } from './status/containers.ts';
import {
  initContainerReadiness,
  initContainerViews,
  initializing,
  podInitializingWording,
  waitingBehindInit,
} from './status/init-containers.ts';
import { normalizeStatus } from './status/diff.ts';
import { endedGroup } from './status/final.ts';
import { withUnstartedContainers } from './status/started.ts';
import { boundedMessage } from './status/messages.ts';
import { drop, phaseOf, rfc3339, type EciGroupView, type PodStatusJson } from './status/model.ts';

export {
  containerId,
  isTerminalStatus,
  phaseOf,
  rfc3339,
  type EciGroupView,
  type PodStatusJson,
} from './status/model.ts';
export { mapContainerState } from './status/containers.ts';
export { canonical, statusDiff } from './status/diff.ts';
export { boundedMessage, MAX_MESSAGE_BYTES } from './status/messages.ts';
export { podStatusForMissingReferences } from './status/references.ts';

/**
 * The pod status for `group`. Conditions the reconciler does not manage (ContainerInstanceCreated,
 * readiness gates, DisruptionTarget...) are carried over unchanged; transition times are kept
 * when a condition's status did not change.
 */
export function podStatusFromGroup(pod: V1Pod, group: EciGroupView, now: Date): PodStatusJson {
  const nowStr = rfc3339(now)!;
  const current = normalizeStatus(pod.status);
  const previous = current.conditions ?? [];
  const groupId = group.containerGroupId;
  const specContainers = pod.spec?.containers ?? [];
  const specInit = pod.spec?.initContainers ?? [];

  const waitingReason = defaultWaitingReason(group.status, specInit.length > 0);
  const initStatuses = podInitializingWording(
    specInit,
    initContainerReadiness(
      specInit,
      containerStatuses(specInit, initContainerViews(specInit, group), groupId, waitingReason),
    ),
  );
  const appStatuses = podInitializingWording(
    specInit,
    containerStatuses(specContainers, group.containers, groupId, waitingReason),
  );
  // Also while ECI places the group: the e2e InitContainer specs check every status update.
  const statuses = initializing(specInit, initStatuses) ? waitingBehindInit(appStatuses) : appStatuses;
  // ECI's phase decides the conditions and startTime (the kubelet sets startTime when it admits
  // the pod); the pod's phase also waits for every app container to start.
  const eciPhase = phaseOf(group.status);
  const phase = withUnstartedContainers(
    eciPhase,
    specContainers.map((c) => c.name),
    group,
    current.containerStatuses ?? [],
  );
  const conditions = podConditions({ pod, phase: eciPhase, statuses, initStatuses, previous, now: nowStr });

  const ip = group.intranetIp || undefined;
  const started = [...statuses, ...initStatuses]
    .map((s) => s.state.running?.startedAt ?? s.state.terminated?.startedAt)
    .filter((t): t is string => t !== undefined)
    .sort()[0];
  const startTime =
    current.startTime ?? (eciPhase === 'Pending' ? undefined : (started ?? rfc3339(group.creationTime)));

  let reason: string | undefined;
  let message: string | undefined;
  if (group.status === 'Expired') {
    reason = 'Expired';
    message = 'The spot container group was reclaimed by ECI';
  } else if (group.status === 'ScheduleFailed') {
    const last = [...(group.events ?? [])].reverse().find((e) => e.type === 'Warning');
    reason = 'ProviderFailed';
    message = `ECI could not schedule the container group${last?.message ? `: ${last.message}` : ''}`;
  }

  return drop({
    phase,
    reason,
    message: boundedMessage(message),
    conditions,
    containerStatuses: statuses,
    initContainerStatuses: specInit.length > 0 ? initStatuses : undefined,
    podIP: ip,
    podIPs: ip ? [{ ip }] : undefined,
    hostIP: ip,
    hostIPs: ip ? [{ ip }] : undefined,
    startTime,
  }) as PodStatusJson;
}

/**
 * The last status of a pod being deleted, written before the pod object goes: the group as ECI
 * last reported it, with every container ended and the phase terminal (status/final.ts).
 */
export function finalPodStatus(pod: V1Pod, group: EciGroupView, now: Date): PodStatusJson {
  return podStatusFromGroup(pod, endedGroup(pod, group), now);
}
