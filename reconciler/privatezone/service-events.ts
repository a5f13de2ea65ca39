// Warning Events on a Service whose records the sync could not write, one per Service and
// error code until that Service syncs cleanly again. Best effort: an Event that cannot be
// written is logged, never thrown.
import type { CoreV1Api } from '@kubernetes/client-node';
import type { Logger } from 'pino';

export const PRIVATE_ZONE_SYNC_FAILED = 'PrivateZoneSyncFailed';

export class ServiceEvents {
  private readonly core: CoreV1Api;
  private readonly log: Logger;
  private readonly uids: (serviceKey: string) => string | undefined;
  /** `<ns>/<name>|<code>` already reported. */
  private readonly reported = new Set<string>();

  constructor(core: CoreV1Api, log: Logger, uids: (serviceKey: string) => string | undefined) {
    this.core = core;
    this.log = log;
    this.uids = uids;
  }

  failed(serviceKey: string, code: string, message: string): void {
    const key = `${serviceKey}|${code}`;
    if (this.reported.has(key)) return;
    this.reported.add(key);
    const [namespace = 'default', name = ''] = serviceKey.split('/');
    const now = new Date();
    this.core
      .createNamespacedEvent({
        namespace,
        body: {
          metadata: { generateName: `${name}.` },
          involvedObject: { apiVersion: 'v1', kind: 'Service', namespace, name, uid: this.uids(serviceKey) },
          type: 'Warning',
          reason: PRIVATE_ZONE_SYNC_FAILED,
          message: message.slice(0, 1024),
          source: { component: 'eci-virtual-node-reconciler' },
          firstTimestamp: now,
          lastTimestamp: now,
          count: 1,
        },
      })
      .catch((err: unknown) => this.log.debug({ err, service: serviceKey }, 'could not record an Event'));
  }

  /** The Service synced: a later failure is reported again. */
  cleared(serviceKey: string): void {
    for (const key of this.reported) if (key.startsWith(`${serviceKey}|`)) this.reported.delete(key);
  }
}
