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

export class EventRecorder {
  private readonly core: CoreV1Api;
  private readonly log: Logger;
  /** (pod uid, type, reason, message) → the Event written, to bump its count instead of adding another. */
  private readonly written = new Map<string, { namespace: string; name: string; count: number }>();

  private readonly backlog: (() => Promise<void>)[] = [];
  private active = 0;

  constructor(kc: KubeConfig, log: Logger) {
    this.core = kc.makeApiClient(CoreV1Api);
    this.log = log;
  }

  /**
   * Records in the background, a few at a time, so Event writes never hold up status writes.
   * Under a flood the oldest unwritten Events are dropped (Events are best effort in Kubernetes too).
   */
  post(...args: Parameters<EventRecorder['record']>): void {
    if (this.backlog.length >= MAX_BACKLOG) {
      this.backlog.shift();
      this.log.warn('event backlog full; dropping the oldest event');
    }
    this.backlog.push(() => this.record(...args));
    this.pump();
  }

  private pump(): void {
    while (this.active < CONCURRENCY && this.backlog.length > 0) {
      const next = this.backlog.shift()!;
      this.active++;
      void next().finally(() => {
        this.active--;
        this.pump();
      });
    }
  }

  /** Records an Event; failures are logged, never thrown (an Event must not break a reconcile). */
  async record(
    pod: V1Pod,
    type: 'Normal' | 'Warning',
    reason: string,
    message: string,
    host?: string,
    /** Occurrences with the same key bump one Event (its message becomes the latest); default: the message. */
    aggregateKey?: string,
  ): Promise<void> {
    const uid = pod.metadata?.uid ?? '';
    const namespace = pod.metadata?.namespace ?? 'default';
    const key = `${uid}|${type}|${reason}|${aggregateKey ?? message}`;
    const now = new Date();
    try {
      const prior = this.written.get(key);
      if (prior) {
        prior.count++;
        await this.core.patchNamespacedEvent(
          {
            name: prior.name,
            namespace,
            body: { count: prior.count, lastTimestamp: now.toISOString(), message: message.slice(0, 1024) },
          },
          MERGE,
        );
        return;
      }
      const name = `${pod.metadata?.name ?? 'pod'}.${Date.now().toString(16)}${randomBytes(2).toString('hex')}`;
      await this.core.createNamespacedEvent({
        namespace,
        body: {
          metadata: { name, namespace },
          involvedObject: {
            apiVersion: 'v1',
            kind: 'Pod',
            name: pod.metadata?.name,
            namespace,
            uid,
            resourceVersion: pod.metadata?.resourceVersion,
          },
          type,
          reason,
          message: message.slice(0, 1024),
          source: { component: EVENT_SOURCE, host },
          reportingComponent: EVENT_SOURCE,
          reportingInstance: host ?? EVENT_SOURCE,
          firstTimestamp: now,
          lastTimestamp: now,
          count: 1,
        },
      });
      this.written.set(key, { namespace, name, count: 1 });
    } catch (err) {
      this.written.delete(key);
      // 403/404: the namespace is terminating or gone; nothing to tell anyone there.
      const status = kubeStatusCode(err);
      const level = status === 403 || status === 404 ? 'debug' : 'warn';
      this.log[level](
        { status, reason, pod: `${namespace}/${pod.metadata?.name}` },
        'could not record event',
      );
    }
  }

  /** Drops the aggregation state of a pod that is gone. */
  forget(uid: string): void {
    for (const key of this.written.keys()) if (key.startsWith(`${uid}|`)) this.written.delete(key);
  }
}
