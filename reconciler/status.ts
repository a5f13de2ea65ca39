// Pure: an ECI container group (as DescribeContainerGroups returns it) → the pod status
// the reconciler writes (eci-reference §3.5). Times are RFC 3339 strings at second
// precision, as the API server stores them, so "unchanged" is a plain deep comparison.
import { createHash } from 'node:crypto';
import type { V1Pod, V1PodStatus } from '@kubernetes/client-node';

export interface EciContainerStateView {
  state?: string;
  detailStatus?: string;
  reason?: string;
  message?: string;
  exitCode?: number;
  signal?: number;
  startTime?: string;
  finishTime?: string;
}

export interface EciContainerView {
  name?: string;
  image?: string;
  ready?: boolean;
  restartCount?: number;
  currentState?: EciContainerStateView;
  previousState?: EciContainerStateView;
}

/** The fields of DescribeContainerGroups' ContainerGroups[] this module reads (the SDK model fits). */
export interface EciGroupView {
  containerGroupId?: string;
  status?: string;
  intranetIp?: string;
  creationTime?: string;
  succeededTime?: string;
  failedTime?: string;
  expiredTime?: string;
  containers?: EciContainerView[];
  initContainers?: EciContainerView[];
  events?: { reason?: string; message?: string; type?: string; lastTimestamp?: string }[];
}

export type PodPhase = 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Unknown';

/** ECI group status → pod phase (eci-reference §3.5, Alibaba's table). */
export const PHASE_BY_STATUS: Readonly<Record<string, PodPhase>> = {
  Scheduling: 'Pending',
  Pending: 'Pending',
  Running: 'Running',
  Restarting: 'Pending',
  Updating: 'Pending',
  Terminating: 'Running',
  Succeeded: 'Succeeded',
  Failed: 'Failed',
  Expired: 'Failed',
  ScheduleFailed: 'Failed',
};

export function phaseOf(status: string | undefined): PodPhase {
  return (status !== undefined ? PHASE_BY_STATUS[status] : undefined) ?? 'Pending';
}

export function isTerminalStatus(status: string | undefined): boolean {
  const phase = phaseOf(status);
  return phase === 'Succeeded' || phase === 'Failed';
}

/** RFC 3339 at second precision, or undefined for a missing/unparsable time. */
export function rfc3339(value: string | Date | undefined | null): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) return undefined;
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The container ID convention of the open-source provider: eci://sha256(upper("<cg>/containers/<name>")). */
export function containerId(groupId: string, name: string): string {
  return 'eci://' + createHash('sha256').update(`${groupId}/containers/${name}`.toUpperCase()).digest('hex');
}

export interface ContainerStateJson {
  waiting?: { reason?: string; message?: string };
  running?: { startedAt?: string };
  terminated?: {
    exitCode: number;
    signal?: number;
    reason?: string;
    message?: string;
    startedAt?: string;
    finishedAt?: string;
    containerID?: string;
  };
}

export interface ContainerStatusJson {
  name: string;
  image: string;
  imageID?: string;
  containerID?: string;
  ready: boolean;
  started: boolean;
  restartCount: number;
  state: ContainerStateJson;
  lastState: ContainerStateJson;
}

export interface ConditionJson {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}

export interface PodStatusJson {
  phase: PodPhase;
  reason?: string;
  message?: string;
  conditions: ConditionJson[];
  containerStatuses: ContainerStatusJson[];
  initContainerStatuses?: ContainerStatusJson[];
  podIP?: string;
  podIPs?: { ip: string }[];
  hostIP?: string;
  hostIPs?: { ip: string }[];
  startTime?: string;
}

function drop<T extends object>(obj: T): T {
  for (const key of Object.keys(obj) as (keyof T)[])
    if (obj[key] === undefined || obj[key] === '') delete obj[key];
  return obj;
}

/** ECI container state → Kubernetes container state. Accepts the documented Waiting/Running/Terminated
 * and the older Running|Succeeded / Failed|Canceled spellings. */
export function mapContainerState(
  s: EciContainerStateView | undefined,
  id: string | undefined,
  fallbackWaitingReason = 'ContainerCreating',
): ContainerStateJson {
  const state = s?.state ?? '';
  switch (state) {
    case 'Running':
      return { running: drop({ startedAt: rfc3339(s?.startTime) }) };
    case 'Terminated':
    case 'Succeeded':
    case 'Failed':
    case 'Canceled': {
      const exitCode = s?.exitCode ?? (state === 'Succeeded' ? 0 : 1);
      const reason = s?.reason || s?.detailStatus || (exitCode === 0 ? 'Completed' : 'Error');
      return {
        terminated: drop({
          exitCode,
          signal: s?.signal ? s.signal : undefined,
          reason,
          message: s?.message || undefined,
          startedAt: rfc3339(s?.startTime),
          finishedAt: rfc3339(s?.finishTime),
          containerID: id,
        }),
      };
    }
    case '':
      return { waiting: { reason: fallbackWaitingReason } };
    default:
      // Waiting, or a state this code does not know: report it as waiting with ECI's reason.
      return {
        waiting: drop({ reason: s?.reason || s?.detailStatus || state, message: s?.message || undefined }),
      };
  }
}

function containerStatuses(
  specs: { name: string; image?: string }[],
  eci: EciContainerView[] | undefined,
  groupId: string | undefined,
  groupStatus: string | undefined,
): ContainerStatusJson[] {
  const byName = new Map((eci ?? []).map((c) => [c.name, c]));
  const waitingReason = groupStatus === 'Scheduling' ? 'Scheduling' : 'ContainerCreating';
  return specs.map((spec) => {
    const c = byName.get(spec.name);
    const id = groupId && c?.currentState?.state ? containerId(groupId, spec.name) : undefined;
    const state = mapContainerState(c?.currentState, id, waitingReason);
    const last = c?.previousState?.state ? mapContainerState(c.previousState, id) : {};
    const running = state.running !== undefined;
    return drop({
      name: spec.name,
      image: spec.image ?? c?.image ?? '',
      imageID: '',
      containerID: id,
      ready: running && (c?.ready ?? true),
      started: running,
      restartCount: c?.restartCount ?? 0,
      state,
      lastState: last,
    }) as ContainerStatusJson;
  });
}

function condition(
  type: string,
  ok: boolean,
  now: string,
  previous: ConditionJson[],
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
    message: ok ? undefined : message,
    lastTransitionTime,
  }) as ConditionJson;
}

/** The pod's current status in the same JSON shape (dates as second-precision strings). */
export function normalizeStatus(status: V1PodStatus | undefined): PodStatusJson {
  const json = JSON.parse(JSON.stringify(status ?? {})) as Record<string, unknown>;
  const fixTimes = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(fixTimes);
    if (value && typeof value === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) out[k] = fixTimes(v);
      return out;
    }
    if (typeof value === 'string' && /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/.test(value))
      return rfc3339(value);
    return value;
  };
  return fixTimes(json) as PodStatusJson;
}

const MANAGED_CONDITIONS = new Set(['PodScheduled', 'Initialized', 'ContainersReady', 'Ready']);

/**
 * The pod status for `group`. Conditions the reconciler does not manage (ContainerInstanceCreated,
 * readiness gates, DisruptionTarget...) are carried over unchanged; transition times are kept
 * when a condition's status did not change.
 */
export function podStatusFromGroup(pod: V1Pod, group: EciGroupView, now: Date): PodStatusJson {
  const nowStr = rfc3339(now)!;
  const current = normalizeStatus(pod.status);
  const previous = current.conditions ?? [];
  const phase = phaseOf(group.status);
  const groupId = group.containerGroupId;
  const specContainers = pod.spec?.containers ?? [];
  const specInit = pod.spec?.initContainers ?? [];

  const statuses = containerStatuses(specContainers, group.containers, groupId, group.status);
  const initStatuses = containerStatuses(specInit, group.initContainers, groupId, group.status);

  const terminal = phase === 'Succeeded' || phase === 'Failed';
  const initDone =
    specInit.length === 0 ||
    phase === 'Running' ||
    phase === 'Succeeded' ||
    initStatuses.every((s) => s.state.terminated?.exitCode === 0);
  const notReady = statuses.filter((s) => !s.ready).map((s) => s.name);
  const containersReady = !terminal && statuses.length > 0 && notReady.length === 0;
  const gates = (pod.spec?.readinessGates ?? []).map((g) => g.conditionType);
  const gatesOk = gates.every((t) => previous.find((c) => c.type === t)?.status === 'True');
  const notReadyMsg = `containers with unready status: [${notReady.join(' ')}]`;
  const readyReason = terminal ? 'PodCompleted' : 'ContainersNotReady';
  const readyMsg = terminal ? undefined : notReadyMsg;

  const managed: ConditionJson[] = [
    condition('PodScheduled', true, nowStr, previous),
    condition(
      'Initialized',
      initDone,
      nowStr,
      previous,
      'ContainersNotInitialized',
      `containers with incomplete status: [${initStatuses
        .filter((s) => s.state.terminated?.exitCode !== 0)
        .map((s) => s.name)
        .join(' ')}]`,
    ),
    condition('ContainersReady', containersReady, nowStr, previous, readyReason, readyMsg),
    condition(
      'Ready',
      containersReady && gatesOk,
      nowStr,
      previous,
      containersReady ? 'ReadinessGatesNotReady' : readyReason,
      containersReady ? 'corresponding condition of pod readiness gate is not true' : readyMsg,
    ),
  ];
  const others = previous.filter((c) => !MANAGED_CONDITIONS.has(c.type));

  const ip = group.intranetIp || undefined;
  const started = [...statuses, ...initStatuses]
    .map((s) => s.state.running?.startedAt ?? s.state.terminated?.startedAt)
    .filter((t): t is string => t !== undefined)
    .sort()[0];
  const startTime =
    current.startTime ?? (phase === 'Pending' ? undefined : (started ?? rfc3339(group.creationTime)));

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
    message,
    conditions: [...managed, ...others],
    containerStatuses: statuses,
    initContainerStatuses: specInit.length > 0 ? initStatuses : undefined,
    podIP: ip,
    podIPs: ip ? [{ ip }] : undefined,
    hostIP: ip,
    hostIPs: ip ? [{ ip }] : undefined,
    startTime,
  }) as PodStatusJson;
}

/** Stable JSON for comparison: sorted keys, and null/undefined/'' values left out (the API server and
 * the client library disagree on which of those they keep). */
export function canonical(value: unknown): string {
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const key of Object.keys(v).sort()) {
        const item = (v as Record<string, unknown>)[key];
        if (item === null || item === undefined || item === '') continue;
        out[key] = walk(item);
      }
      return out;
    }
    return v;
  };
  return JSON.stringify(walk(value)) ?? 'undefined';
}

const CLEARABLE = ['reason', 'message', 'podIP', 'podIPs', 'hostIP', 'hostIPs', 'initContainerStatuses'];

/** The fields of `desired` that differ from the pod's current status (empty: nothing to write). */
export function statusDiff(
  current: V1PodStatus | undefined,
  desired: PodStatusJson,
): Record<string, unknown> {
  const now = normalizeStatus(current) as unknown as Record<string, unknown>;
  const diff: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(desired)) {
    if (canonical(now[key]) !== canonical(value)) diff[key] = value;
  }
  // Fields this module owns that the new status no longer has are removed (null in a merge patch).
  for (const key of CLEARABLE) {
    if (!(key in desired) && canonical(now[key]) !== canonical(undefined)) diff[key] = null;
  }
  return diff;
}
