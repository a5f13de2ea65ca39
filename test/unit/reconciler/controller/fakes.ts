// Test doubles for the pod controller: an in-memory provider (the cloud side) and a
// recording PodKube (the Kubernetes side), plus a controller wired to them.
import type { V1Pod } from '@kubernetes/client-node';
import type { $Eci, EciGroup } from '../../../../reconciler/provider/eci-client.ts';
import { createLogger } from '../../../../shared/logger.ts';
import { WorkQueue } from '../../../../reconciler/workqueue.ts';
import {
  PodController,
  type PodControllerOptions,
} from '../../../../reconciler/controller/pod-controller.ts';
import type { PodKube } from '../../../../reconciler/controller/pod-kube.ts';
import type { PodReferenceObjects } from '../../../../reconciler/controller/references.ts';
import { ownershipTags, parseOwner } from '../../../../reconciler/ownership.ts';
import type {
  CreateInput,
  CreateOutcome,
  DeleteOptions,
  Provider,
  ProviderHealth,
} from '../../../../reconciler/provider/eci-provider.ts';
import { PodTracker } from '../../../../reconciler/tracker.ts';

export const CLUSTER = 'c1';
export const NODE = 'vn-0';
export const T0 = Date.parse('2026-01-01T00:00:00Z');

export function pod(
  name: string,
  o: {
    uid?: string;
    phase?: string;
    annotations?: Record<string, string>;
    restartPolicy?: string;
    deleting?: Date;
  } = {},
): V1Pod {
  return {
    metadata: {
      name,
      namespace: 'ns',
      uid: o.uid ?? `uid-${name}`,
      creationTimestamp: new Date(T0),
      deletionTimestamp: o.deleting,
      annotations: o.annotations,
    },
    spec: {
      nodeName: NODE,
      restartPolicy: o.restartPolicy,
      containers: [
        { name: 'main', image: 'nginx', resources: { requests: { cpu: '250m', memory: '512Mi' } } },
      ],
    },
    status: { phase: o.phase ?? 'Pending' },
  };
}

/**
 * The group ECI describes for `p`: a Running (or Terminating) group has every container of
 * the pod running, as ECI's Running means ("all containers created, at least one running").
 */
export function ownedGroup(p: V1Pod, id: string, status = 'Running'): EciGroup {
  const running = status === 'Running' || status === 'Terminating';
  return {
    containerGroupId: id,
    status,
    ...(running
      ? {
          containers: (p.spec?.containers ?? []).map((c) => ({
            name: c.name,
            image: c.image,
            ready: true,
            restartCount: 0,
            currentState: { state: 'Running', startTime: '2026-01-01T00:00:05Z' },
          })),
        }
      : {}),
    tags: ownershipTags({
      clusterId: CLUSTER,
      nodeName: NODE,
      namespace: p.metadata!.namespace!,
      podName: p.metadata!.name!,
      podUid: p.metadata!.uid!,
    }),
  } as EciGroup;
}

/** The cloud in memory: groups by id; `nextCreate` scripts the next create outcome. */
export class FakeProvider implements Provider {
  readonly groups = new Map<string, EciGroup>();
  readonly requests: $Eci.CreateContainerGroupRequest[] = [];
  readonly deleted: string[] = [];
  /** The ids of deletes sent with Force, in order. */
  readonly forced: string[] = [];
  /** Thrown by the next forced delete, once. */
  refuseForce: Error | undefined;
  nextCreate: ((input: CreateInput) => CreateOutcome) | undefined;
  private n = 0;

  async create(input: CreateInput): Promise<CreateOutcome> {
    const request = await input.request(input.attempts.noStock);
    if (!request) return { kind: 'cancelled' };
    this.requests.push(request);
    const scripted = this.nextCreate?.(input);
    if (scripted) return scripted;
    const id = `eci-${++this.n}`;
    this.groups.set(id, {
      containerGroupId: id,
      status: 'Pending',
      tags: ownershipTags(input.owner),
    } as EciGroup);
    return { kind: 'created', id, requestId: `req-${this.n}` };
  }
  async delete(id: string, options: DeleteOptions = {}): Promise<'deleted' | 'gone'> {
    if (options.force) {
      const refused = this.refuseForce;
      this.refuseForce = undefined;
      if (refused) throw refused;
      this.forced.push(id);
      // A forced delete of a group being deleted: ECI no longer waits; the group stays until it reports.
      if (this.deleted.includes(id)) return this.groups.has(id) ? 'deleted' : 'gone';
    }
    this.deleted.push(id);
    return this.groups.delete(id) ? 'deleted' : 'gone';
  }
  async describe(id: string): Promise<EciGroup | undefined> {
    return this.groups.get(id);
  }
  async listOwned(node?: string): Promise<EciGroup[]> {
    const all = [...this.groups.values()];
    return node === undefined ? all : all.filter((g) => parseOwner(g.tags)?.nodeName === node);
  }
  async readLog(): Promise<string> {
    return '';
  }
  health(): ProviderHealth {
    return { ok: true, reason: 'ProviderReady', code: '', message: '', since: 0 };
  }
}

type Call =
  | { op: 'status'; uid: string; status: Record<string, unknown> }
  | { op: 'annotate'; uid: string; annotations: Record<string, string> }
  | { op: 'finalize'; uid: string }
  | { op: 'event'; uid: string; type: string; reason: string; message: string };

/** Records every Kubernetes write; `live` answers the orphan re-check; `refs` the references. */
export class RecordingKube implements PodKube {
  readonly calls: Call[] = [];
  readonly live = new Map<string, string>();
  refs: Partial<PodReferenceObjects> = {};

  async patchStatus(p: V1Pod, status: Record<string, unknown>): Promise<void> {
    this.calls.push({ op: 'status', uid: p.metadata!.uid!, status });
  }
  async annotate(p: V1Pod, annotations: Record<string, string>): Promise<void> {
    this.calls.push({ op: 'annotate', uid: p.metadata!.uid!, annotations });
  }
  async finalize(p: V1Pod): Promise<void> {
    this.calls.push({ op: 'finalize', uid: p.metadata!.uid! });
  }
  async livePodUid(namespace: string, name: string): Promise<string | undefined> {
    return this.live.get(`${namespace}/${name}`);
  }
  async references(): Promise<PodReferenceObjects> {
    return {
      configMaps: {},
      secrets: {},
      persistentVolumeClaims: {},
      persistentVolumes: {},
      serviceAccountTokens: {},
      ...this.refs,
    };
  }
  event(p: V1Pod, type: string, reason: string, message: string): void {
    this.calls.push({ op: 'event', uid: p.metadata!.uid!, type, reason, message });
  }
  forgetEvents(): void {}

  events(reason?: string) {
    return this.calls.filter(
      (c): c is Extract<Call, { op: 'event' }> => c.op === 'event' && (!reason || c.reason === reason),
    );
  }
  statuses() {
    return this.calls.filter((c): c is Extract<Call, { op: 'status' }> => c.op === 'status');
  }
  of(op: Call['op']) {
    return this.calls.filter((c) => c.op === op);
  }
}

export function controllerUnderTest(
  provider: Provider = new FakeProvider(),
  extra: Partial<Pick<PodControllerOptions, 'allowedUnsafeSysctls'>> = {},
) {
  const clock = { now: T0 };
  const queue = new WorkQueue<string>();
  const tracker = new PodTracker({
    clusterId: CLUSTER,
    nodes: new Set([NODE]),
    wake: (uid) => queue.add(uid),
    now: () => clock.now,
  });
  const kube = new RecordingKube();
  const controller = new PodController({
    clusterId: CLUSTER,
    nodeNames: [NODE],
    regionId: 'cn-hangzhou',
    defaults: { vSwitchIds: ['vsw-a', 'vsw-b'], securityGroupId: 'sg-a' },
    profile: () => undefined,
    provider,
    kube,
    tracker,
    queue,
    workers: 1,
    log: createLogger('test', { level: 'silent' }),
    now: () => clock.now,
    ...extra,
  });
  return { controller, tracker, kube, provider, clock, queue };
}
