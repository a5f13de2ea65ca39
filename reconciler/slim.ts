// What the reconciler keeps of a watched pod and of a described container group. A heap
// snapshot at 1,000 pods (docs/scale.md) showed managedFields (server-side apply bookkeeping)
// at about a third of each cached pod, and the SDK's group model — tags, every container's
// environment, mounts, ports — at about twice a pod: none of it is read after the describe.
import type { V1Pod } from '@kubernetes/client-node';
import type { EciContainerStateView, EciContainerView, EciGroupView } from './status/model.ts';
import type { EciEventView } from './events.ts';
import type { InstanceGroupView } from './translate/instance-annotations.ts';
import { keptFile, type ConfigFile } from './update/refresh.ts';

/**
 * Drops metadata.managedFields in place; status writes are patches, so nothing sends them back.
 * The pod gets a new metadata object rather than a `delete`: V8 keeps an object that lost a
 * key in dictionary mode, about 380 bytes more per cached pod (docs/scale.md).
 */
export function stripManagedFields(pod: V1Pod): V1Pod {
  if (pod.metadata?.managedFields === undefined) return pod;
  const { managedFields: _dropped, ...metadata } = pod.metadata;
  pod.metadata = metadata;
  return pod;
}

/** kubectl apply's copy of the whole manifest: as big as the pod's spec again, read by nothing here. */
export const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';

/** Every downward API fieldPath of the pod (env of every container kind, downwardAPI and projected volumes). */
function* downwardFieldPaths(pod: V1Pod): Generator<string> {
  const spec = pod.spec;
  for (const c of [
    ...(spec?.containers ?? []),
    ...(spec?.initContainers ?? []),
    ...(spec?.ephemeralContainers ?? []),
  ])
    for (const e of c.env ?? []) if (e.valueFrom?.fieldRef) yield e.valueFrom.fieldRef.fieldPath;
  for (const v of spec?.volumes ?? []) {
    const items = [
      ...(v.downwardAPI?.items ?? []),
      ...(v.projected?.sources ?? []).flatMap((s) => s.downwardAPI?.items ?? []),
    ];
    for (const item of items) if (item.fieldRef) yield item.fieldRef.fieldPath;
  }
}

/**
 * Pure decision, applied in place at the pod cache (the informers' cache and the tracker share
 * each pod object): drops what no reader of a cached pod uses. Those readers are the pod
 * controller and status sync (the whole status, the instance annotations, deletion fields),
 * the translation at create and on every content refresh (the whole spec, the ECI annotations,
 * and the downward API's labels and annotations), and the kubelet API (/pods serves spec and
 * status as the kubelet knows them; logs, exec and metrics look pods up by name). So only API
 * clients' bookkeeping goes: managedFields, and kubectl apply's last-applied annotation unless
 * the downward API shows the pod's annotations to its containers (then they must stay whole).
 */
export function trimPod(pod: V1Pod): V1Pod {
  stripManagedFields(pod);
  const annotations = pod.metadata?.annotations;
  if (annotations?.[LAST_APPLIED_ANNOTATION] === undefined) return pod;
  for (const path of downwardFieldPaths(pod)) if (path.startsWith('metadata.annotations')) return pod;
  const { [LAST_APPLIED_ANNOTATION]: _dropped, ...kept } = annotations;
  pod.metadata!.annotations = kept;
  return pod;
}

/**
 * A group's ConfigFile volumes, which the content refresher compares (reconciler/update/refresher.ts):
 * kept as each file's digest (and a token's times), not its content (keptFile).
 */
interface ConfigFileVolumeView {
  name?: string;
  type?: string;
  configFileVolumeConfigFileToPaths?: ConfigFile[];
}

/**
 * A container group as kept by the tracker: what the status mapping, the instance annotations,
 * the event relay and the content refresher read. A new reader of another field adds it here.
 */
export type SlimGroup = EciGroupView &
  InstanceGroupView & { events?: EciEventView[]; volumes?: ConfigFileVolumeView[] };

interface DescribedGroup extends Omit<EciGroupView, 'events'>, InstanceGroupView {
  events?: EciEventView[];
  volumes?: ConfigFileVolumeView[];
}

const state = (s: EciContainerStateView | undefined): EciContainerStateView | undefined =>
  s && {
    state: s.state,
    detailStatus: s.detailStatus,
    reason: s.reason,
    message: s.message,
    exitCode: s.exitCode,
    signal: s.signal,
    startTime: s.startTime,
    finishTime: s.finishTime,
  };

const container = (c: EciContainerView): EciContainerView => ({
  name: c.name,
  image: c.image,
  ready: c.ready,
  restartCount: c.restartCount,
  currentState: state(c.currentState),
  previousState: state(c.previousState),
});

/** Pure: a new object with only the fields the reconciler reads of a DescribeContainerGroups group. */
export function slimGroup(g: DescribedGroup): SlimGroup {
  const volumes = g.volumes?.filter((v) => v.type === 'ConfigFileVolume');
  return {
    containerGroupId: g.containerGroupId,
    status: g.status,
    instanceType: g.instanceType,
    cpu: g.cpu,
    memory: g.memory,
    zoneId: g.zoneId,
    vpcId: g.vpcId,
    intranetIp: g.intranetIp,
    creationTime: g.creationTime,
    succeededTime: g.succeededTime,
    failedTime: g.failedTime,
    expiredTime: g.expiredTime,
    containers: g.containers?.map(container),
    initContainers: g.initContainers?.map(container),
    events: g.events?.map((e) => ({
      name: e.name,
      reason: e.reason,
      message: e.message,
      type: e.type,
      count: e.count,
      firstTimestamp: e.firstTimestamp,
      lastTimestamp: e.lastTimestamp,
    })),
    volumes: volumes?.length
      ? volumes.map((v) => ({
          name: v.name,
          type: v.type,
          configFileVolumeConfigFileToPaths: v.configFileVolumeConfigFileToPaths?.map(keptFile),
        }))
      : undefined,
  };
}

/** Pure: true when two slim groups (plain data: strings, numbers, booleans, arrays, objects) are equal. */
export function sameSlim(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (a instanceof Date || b instanceof Date)
    return a instanceof Date && b instanceof Date && a.getTime() === b.getTime();
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
  const kb = Object.keys(b).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => sameSlim((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

/** The shared-string table's bounds: it never holds more than about MAX_SHARED × MAX_SHARED_LENGTH bytes. */
const MAX_SHARED = 10_000;
const MAX_SHARED_LENGTH = 1024;

/**
 * JSON.parse gives every pod its own copy of each string (image, tolerations, mount paths,
 * the cluster CA in each group's token volume): about 3 KB per pod at 1,000 pods. Equal
 * strings are replaced by one copy from a bounded table, cleared when full (unique values
 * such as UIDs pass through it too, so it starts over now and then; copies then come back
 * a few at a time, never one per pod).
 */
export class SharedStrings {
  private readonly table = new Map<string, string>();

  /** The one kept copy of `s`. */
  share(s: string): string {
    if (s.length > MAX_SHARED_LENGTH) return s;
    const kept = this.table.get(s);
    if (kept !== undefined) return kept;
    if (this.table.size >= MAX_SHARED) this.table.clear();
    this.table.set(s, s);
    return s;
  }

  /** Replaces, in place, every string value in `value` (objects and arrays, any depth) by its kept copy. */
  shareAll<T>(value: T): T {
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        const v: unknown = value[i];
        if (typeof v === 'string') value[i] = this.share(v);
        else if (v !== null && typeof v === 'object') this.shareAll(v);
      }
    } else if (value !== null && typeof value === 'object') {
      const o = value as Record<string, unknown>;
      for (const k of Object.keys(o)) {
        const v = o[k];
        if (typeof v === 'string') o[k] = this.share(v);
        else if (v !== null && typeof v === 'object' && !(v instanceof Date)) this.shareAll(v);
      }
    }
    return value;
  }

  get size(): number {
    return this.table.size;
  }
}
