// The emulator's state: plain JSON-serialisable data so it can be persisted
// as-is (--state-file) and listed by the admin API.
import type { CreateContainerGroupParams } from './validate-create.ts';

export type GroupStatus =
  | 'Scheduling'
  | 'Pending'
  | 'Running'
  | 'Restarting'
  | 'Updating'
  | 'Terminating'
  | 'Succeeded'
  | 'Failed'
  | 'Expired'
  | 'ScheduleFailed';

export const TERMINAL: ReadonlySet<GroupStatus> = new Set([
  'Succeeded',
  'Failed',
  'Expired',
  'ScheduleFailed',
]);

export interface ContainerState {
  state: 'Waiting' | 'Running' | 'Terminated' | '';
  reason: string;
  message: string;
  detailStatus: string;
  exitCode: number;
  signal: number;
  startTime?: number;
  finishTime?: number;
}

export interface LogEntry {
  ts: number;
  text: string;
}

export interface ContainerRuntime {
  name: string;
  init: boolean;
  current: ContainerState;
  previous: ContainerState;
  restartCount: number;
  ready: boolean;
  /** Has this container run at least once (so the next start counts as a restart)? */
  started: boolean;
  exitAt?: number;
  plannedExitCode: number;
  /** The termination message a real process left (process mode), shown once it exits. */
  plannedMessage?: string | undefined;
  restartAt?: number;
  /**
   * Process mode: the lifecycle has started the container but its process has not exec'd the
   * command yet (the start script is still mounting); until then it shows this waiting state
   * and is not ready, as a runtime reports a container running only once its process started.
   */
  launching?: ContainerState | undefined;
  /** Waits for the containers of a higher ECI_CONTAINER_LAUNCH_PRIORITY to come up (emulator/priorities.ts). */
  awaitingTurn?: boolean | undefined;
  /** Failed image pulls so far (ErrImagePull ↔ ImagePullBackOff back-off). */
  pullAttempts?: number;
  logs: LogEntry[];
  previousLogs: LogEntry[];
}

export interface EventRecord {
  name: string;
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
  /** container name, or '' for the group. */
  object: string;
  count: number;
  first: number;
  last: number;
}

export interface ContainerGroup {
  id: string;
  name: string;
  regionId: string;
  zoneId: string;
  vSwitchId: string;
  vpcId: string;
  securityGroupId: string;
  intranetIp: string;
  eniId: string;
  status: GroupStatus;
  createdAt: number;
  /** Last time anything observable changed (DescribeContainerGroupStatus SinceSecond). */
  updatedAt: number;
  /** When the current transitional phase ends. */
  phaseEndsAt?: number;
  /** Scheduling ends in ScheduleFailed with this reason. */
  scheduleFailure?: string;
  terminalAt?: number;
  succeededTime?: number;
  failedTime?: number;
  expiredTime?: number;
  cpu: number;
  memory: number;
  instanceType: string;
  restartPolicy: 'Always' | 'OnFailure' | 'Never';
  spotStrategy: string;
  spotPriceLimit: number;
  tags: { Key: string; Value: string }[];
  /** The normalised create request (wire names), as stored. */
  request: CreateContainerGroupParams;
  containers: ContainerRuntime[];
  initContainers: ContainerRuntime[];
  events: EventRecord[];
  /** Counter that makes event names unique within the group. */
  eventSeq: number;
  /** `process`: containers with a mapped image run as real processes (emulator/process/). */
  runtime?: 'process';
}

export interface ImageCache {
  id: string;
  name: string;
  images: string[];
  size: number;
  status: 'Preparing' | 'Creating' | 'Ready' | 'Failed';
  createdAt: number;
  readyAt: number;
  retentionDays?: number;
  containerGroupId: string;
  snapshotId: string;
  tags: { Key: string; Value: string }[];
  events: EventRecord[];
  eliminationStrategy: string;
  lastMatchedAt?: number;
}

export interface PvtzRecord {
  RecordId: number;
  Rr: string;
  Type: string;
  Value: string;
  Ttl: number;
  Priority?: number;
  Remark?: string;
  Status: 'ENABLE' | 'DISABLE';
  CreateTimestamp: number;
  UpdateTimestamp: number;
}

export interface PvtzZone {
  ZoneId: string;
  ZoneName: string;
  ProxyPattern: string;
  Remark?: string;
  ResourceGroupId?: string;
  CreateTimestamp: number;
  UpdateTimestamp: number;
  Vpcs: { RegionId: string; VpcId: string }[];
  Records: PvtzRecord[];
}

export interface IdempotencyEntry {
  hash: string;
  result: Record<string, unknown>;
  at: number;
}

export interface EmulatorState {
  groups: Record<string, ContainerGroup>;
  /** `${action}\n${ClientToken}` → the first request's hash and answer. */
  clientTokens: Record<string, IdempotencyEntry>;
  imageCaches: Record<string, ImageCache>;
  pvtzZones: Record<string, PvtzZone>;
  /** Next host offset per vSwitch for IntranetIp allocation. */
  ipCursor: Record<string, number>;
  nextRecordId: number;
}

export function emptyState(): EmulatorState {
  return { groups: {}, clientTokens: {}, imageCaches: {}, pvtzZones: {}, ipCursor: {}, nextRecordId: 100001 };
}
