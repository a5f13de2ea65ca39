// Events on the virtual Node (kubectl describe node shows them). As the kubelet does, they go
// to the default namespace; a repeat of the same type and reason bumps one Event's count.
import { randomBytes } from 'node:crypto';
import { CoreV1Api, PatchStrategy, setHeaderOptions, type KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { isNotFound } from '../../shared/kube.ts';
import type { HealthEvent } from './provider-health.ts';

const NAMESPACE = 'default';
const COMPONENT = 'eci-virtual-node';
const MERGE = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

export class NodeEvents {
  private readonly core: CoreV1Api;
  private readonly log: Logger;
  private readonly written = new Map<string, { name: string; count: number }>();
  private pending = new Set<Promise<void>>();

  constructor(kc: KubeConfig, log: Logger) {
    this.core = kc.makeApiClient(CoreV1Api);
    this.log = log;
  }

  /** Records in the background: an Event must never hold up the lease or the status. */
  post(node: { name: string; uid?: string }, e: HealthEvent): void {
    const p = this.record(node, e).finally(() => this.pending.delete(p));
    this.pending.add(p);
  }

  /** Waits for the Events being written (on shutdown). */
  async flush(): Promise<void> {
    await Promise.all(this.pending);
  }

  private async record(node: { name: string; uid?: string }, e: HealthEvent): Promise<void> {
    // Per node: one recorder may post for several nodes (the hand-over Events).
    const key = `${node.name}|${e.type}|${e.reason}`;
    const now = new Date();
    const message = e.message.slice(0, 1024);
    try {
      const prior = this.written.get(key);
      if (prior) {
        try {
          prior.count++;
          await this.core.patchNamespacedEvent(
            {
              name: prior.name,
              namespace: NAMESPACE,
              body: { count: prior.count, lastTimestamp: now.toISOString(), message },
            },
            MERGE,
          );
          return;
        } catch (err) {
          // Events expire (one hour by default): write a new one.
          if (!isNotFound(err)) throw err;
        }
      }
      const name = `${node.name}.${Date.now().toString(16)}${randomBytes(2).toString('hex')}`;
      await this.core.createNamespacedEvent({
        namespace: NAMESPACE,
        body: {
          metadata: { name, namespace: NAMESPACE },
          involvedObject: { apiVersion: 'v1', kind: 'Node', name: node.name, uid: node.uid ?? node.name },
          type: e.type,
          reason: e.reason,
          message,
          source: { component: COMPONENT, host: node.name },
          reportingComponent: COMPONENT,
          reportingInstance: node.name,
          firstTimestamp: now,
          lastTimestamp: now,
          count: 1,
        },
      });
      this.written.set(key, { name, count: 1 });
    } catch (err) {
      this.written.delete(key);
      this.log.warn({ err, reason: e.reason }, 'could not record the node event');
    }
  }
}
