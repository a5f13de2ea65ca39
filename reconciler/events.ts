// Kubernetes Events on pods: the reconciler's own (aggregated by reason+message, like
// client-go's recorder) and ECI's events relayed once each.
import { randomBytes } from 'node:crypto';
import {
  CoreV1Api,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
  type V1Pod,
} from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { kubeStatusCode } from '../shared/kube.ts';

const EVENT_SOURCE = 'eci-virtual-node';

export interface EciEventView {
  name?: string;
  reason?: string;
  message?: string;
  type?: string;
  count?: number;
  firstTimestamp?: string;
  lastTimestamp?: string;
}

/** Pure: the identity of one occurrence of an ECI event (a repeat bumps count/lastTimestamp). */
export function eciEventKey(e: EciEventView): string {
  return `${e.name ?? ''}|${e.reason ?? ''}|${e.count ?? 1}|${e.lastTimestamp ?? ''}|${e.message ?? ''}`;
}

/** Pure: the events not relayed yet, and the updated seen-set. */
export function unseenEvents(
  events: EciEventView[] | undefined,
  seen: ReadonlySet<string>,
): { fresh: EciEventView[]; seen: Set<string> } {
  const next = new Set<string>();
  const fresh: EciEventView[] = [];
  for (const e of events ?? []) {
    const key = eciEventKey(e);
    next.add(key);
    if (!seen.has(key)) fresh.push(e);
  }
  return { fresh, seen: next };
}

const MERGE = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const CONCURRENCY = 8;
const MAX_BACKLOG = 10_000;

/** What an Event names of its pod (involvedObject): the backlog keeps this, never the pod. */
export interface PodRef {
  uid: string;
  name: string;
  namespace: string;
  resourceVersion?: string;
}

/** Pure: the involvedObject fields of a pod. */
export function podRef(pod: V1Pod): PodRef {
  return {
    uid: pod.metadata?.uid ?? '',
    name: pod.metadata?.name ?? 'pod',
    namespace: pod.metadata?.namespace ?? 'default',
    resourceVersion: pod.metadata?.resourceVersion,
  };
}

/** One Event waiting to be written, with the occurrences that arrived while it waited. */
interface PendingEvent {
  ref: PodRef;
  /** type|reason|aggregate key: the identity of the Event within its pod. */
  key: string;
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
  host?: string;
  count: number;
}

/** The two calls the recorder makes (a narrow seam for the unit test). */
export type EventApi = Pick<CoreV1Api, 'createNamespacedEvent' | 'patchNamespacedEvent'>;

export class EventRecorder {
  private readonly core: EventApi;
  private readonly log: Logger;
  /** Pod uid → (type|reason|aggregate key → the Event written), to bump its count instead of adding another. */
  private readonly written = new Map<string, Map<string, { name: string; count: number }>>();
  /**
   * Events not written yet, oldest first, keyed by pod uid + Event key: a repeat while one
   * waits bumps its count (client-go's EventCorrelator idea), so a burst of the same Event is
   * one entry and nothing is dropped for it.
   */
  private readonly backlog = new Map<string, PendingEvent>();
  /** Backlog keys being written now: a repeat waits for the write so it patches, not creates twice. */
  private readonly writing = new Set<string>();

  constructor(kc: KubeConfig, log: Logger, api?: EventApi) {
    this.core = api ?? kc.makeApiClient(CoreV1Api);
    this.log = log;
  }

  /**
   * Records in the background, a few at a time, so Event writes never hold up status writes.
   * Under a flood of distinct Events the oldest unwritten ones are dropped (Events are best
   * effort in Kubernetes too); repeats of a waiting Event only bump its count.
   */
  post(
    pod: V1Pod,
    type: 'Normal' | 'Warning',
    reason: string,
    message: string,
    host?: string,
    /** Occurrences with the same key bump one Event (its message becomes the latest); default: the message. */
    aggregateKey?: string,
  ): void {
    const ref = podRef(pod);
    const key = `${type}|${reason}|${aggregateKey ?? message}`;
    const backlogKey = `${ref.uid}|${key}`;
    const waiting = this.backlog.get(backlogKey);
    if (waiting) {
      waiting.count++;
      waiting.message = message;
      waiting.ref = ref;
      return;
    }
    if (this.backlog.size >= MAX_BACKLOG) {
      const oldest = this.backlog.keys().next().value!;
      this.backlog.delete(oldest);
      this.log.warn('event backlog full; dropping the oldest event');
    }
    this.backlog.set(backlogKey, { ref, key, type, reason, message, host, count: 1 });
    this.pump();
  }

  /** Events waiting to be written (distinct ones: repeats are folded into one). */
  get waiting(): number {
    return this.backlog.size;
  }

  private pump(): void {
    while (this.writing.size < CONCURRENCY) {
      const next = this.nextWritable();
      if (!next) return;
      const [backlogKey, pending] = next;
      this.backlog.delete(backlogKey);
      this.writing.add(backlogKey);
      void this.write(pending).finally(() => {
        this.writing.delete(backlogKey);
        this.pump();
      });
    }
  }

  /** The oldest waiting Event whose key is not being written (at most CONCURRENCY are skipped). */
  private nextWritable(): [string, PendingEvent] | undefined {
    for (const entry of this.backlog) if (!this.writing.has(entry[0])) return entry;
    return undefined;
  }

  /** Writes an Event (or bumps the one written); failures are logged, never thrown. */
  private async write(e: PendingEvent): Promise<void> {
    const { ref } = e;
    const now = new Date();
    const message = e.message.slice(0, 1024);
    let ofPod = this.written.get(ref.uid);
    try {
      const prior = ofPod?.get(e.key);
      if (prior) {
        prior.count += e.count;
        await this.core.patchNamespacedEvent(
          {
            name: prior.name,
            namespace: ref.namespace,
            body: { count: prior.count, lastTimestamp: now.toISOString(), message },
          },
          MERGE,
        );
        return;
      }
      const name = `${ref.name}.${Date.now().toString(16)}${randomBytes(2).toString('hex')}`;
      await this.core.createNamespacedEvent({
        namespace: ref.namespace,
        body: {
          metadata: { name, namespace: ref.namespace },
          involvedObject: {
            apiVersion: 'v1',
            kind: 'Pod',
            name: ref.name,
            namespace: ref.namespace,
            uid: ref.uid,
            resourceVersion: ref.resourceVersion,
          },
          type: e.type,
          reason: e.reason,
          message,
          source: { component: EVENT_SOURCE, host: e.host },
          reportingComponent: EVENT_SOURCE,
          reportingInstance: e.host ?? EVENT_SOURCE,
          firstTimestamp: now,
          lastTimestamp: now,
          count: e.count,
        },
      });
      ofPod = this.written.get(ref.uid);
      if (!ofPod) this.written.set(ref.uid, (ofPod = new Map()));
      ofPod.set(e.key, { name, count: e.count });
    } catch (err) {
      ofPod?.delete(e.key);
      // 403/404: the namespace is terminating or gone; nothing to tell anyone there.
      const status = kubeStatusCode(err);
      const level = status === 403 || status === 404 ? 'debug' : 'warn';
      this.log[level](
        { status, reason: e.reason, pod: `${ref.namespace}/${ref.name}` },
        'could not record event',
      );
    }
  }

  /** Drops the aggregation state of a pod that is gone. */
  forget(uid: string): void {
    this.written.delete(uid);
  }
}
