// The shapes the status mapping reads (a DescribeContainerGroups group) and writes (the
// pod status as JSON, times as RFC 3339 strings at second precision, as the API server
// stores them, so "unchanged" is a plain deep comparison), and the phase table.
import { createHash } from 'node:crypto';

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

/** ECI group status → pod phase (docs/status-mapping.md, from Alibaba's table). */
const PHASE_BY_STATUS: Readonly<Record<string, PodPhase>> = {
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

export function drop<T extends object>(obj: T): T {
  for (const key of Object.keys(obj) as (keyof T)[])
    if (obj[key] === undefined || obj[key] === '') delete obj[key];
  return obj;
}
