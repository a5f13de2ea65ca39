// The virtual node: a kubelet-less Node object kept Ready the way a kubelet keeps itself
// Ready — a Lease in kube-node-lease renewed every 10 s (the node lifecycle controller's
// heartbeat) and a periodic status heartbeat. Re-created when someone deletes it. On
// shutdown it is left as a stopped kubelet leaves its node.
//
// ECI's own health shows as a separate ProviderReady condition with Events on each change
// (node/provider-health.ts), never as Ready=False. virtual-kubelet renews its lease only
// while the provider answers a ping; we deliberately differ. ECI pods keep running in the
// cloud while ECI's control API is unreachable or rejects our credentials, and a NotReady
// node is tainted and, after the eviction timeout (5 min by default), has every pod evicted
// by the node lifecycle controller: that would destroy healthy workloads over a control-plane
// blip. So Ready stays True as long as this process renews the Lease and reaches the API
// server; pods that need ECI meanwhile wait with their own Events.
import {
  CoordinationV1Api,
  CoreV1Api,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
  type V1NodeCondition,
} from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { VIRTUAL_NODE } from '../shared/annotations.ts';
import { isAlreadyExists, isNotFound } from '../shared/kube.ts';
import { NodeEvents } from './node/node-events.ts';
import {
  healthEvent,
  providerCondition,
  type HealthEvent,
  type ProviderHealth,
} from './node/provider-health.ts';
import { buildLease, buildNode, NODE_LEASE_NAMESPACE, type NodeSpecOptions } from './node/spec.ts';

export interface NodeControllerOptions extends NodeSpecOptions {
  leaseDurationSeconds: number;
  renewIntervalMs: number;
  /** How often the Ready condition's heartbeat is refreshed (the Lease is the main heartbeat). */
  statusIntervalMs: number;
  /** The ECI provider's health, read every renew interval; shown as the ProviderReady condition. */
  providerHealth?: () => ProviderHealth;
}

const MERGE = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

export class NodeController {
  private readonly core: CoreV1Api;
  private readonly coordination: CoordinationV1Api;
  private readonly o: NodeControllerOptions;
  private readonly log: Logger;
  private timer: NodeJS.Timeout | undefined;
  private lastStatus = 0;
  private nodeUid: string | undefined;
  private ticking: Promise<void> = Promise.resolve();
  /** Set by stop(): a start() still registering the node then leaves no timer behind. */
  private stopped = false;
  private readonly events: NodeEvents;
  /** The last health report and when its ok/not-ok status began. */
  private health: { report: ProviderHealth; since: Date } | undefined;
  /** A transition not yet written to the Node's status (written on the next tick, not in a minute). */
  private statusDirty = false;
  /** Lease renewals that succeeded (for metrics and tests). */
  renewals = 0;
  recreations = 0;

  constructor(kc: KubeConfig, options: NodeControllerOptions, log: Logger) {
    this.core = kc.makeApiClient(CoreV1Api);
    this.coordination = kc.makeApiClient(CoordinationV1Api);
    this.o = options;
    this.log = log.child({ node: options.name });
    this.events = new NodeEvents(kc, this.log);
  }

  get name(): string {
    return this.o.name;
  }

  /** Registers the node and its lease, then keeps both fresh until stop(). */
  async start(): Promise<void> {
    const event = this.observeProvider();
    await this.ensureNode();
    if (event) this.announce(event);
    await this.renewLease();
    if (this.stopped) return;
    this.timer = setInterval(() => {
      this.ticking = this.tick();
    }, this.o.renewIntervalMs);
    this.timer.unref?.();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    this.timer = undefined;
    await this.ticking;
    await this.events.flush();
  }

  private async tick(): Promise<void> {
    try {
      await this.renewLease();
      const event = this.observeProvider();
      if (event) this.announce(event);
      if (this.statusDirty || Date.now() - this.lastStatus >= this.o.statusIntervalMs) await this.heartbeat();
      else await this.checkExists();
    } catch (err) {
      this.log.warn({ err }, 'node heartbeat failed; retrying next tick');
    }
  }

  /** Reads the provider's health; returns the Event a transition calls for. */
  private observeProvider(): HealthEvent | undefined {
    if (!this.o.providerHealth) return undefined;
    let report: ProviderHealth;
    try {
      report = this.o.providerHealth();
    } catch (err) {
      this.log.warn({ err }, 'provider health could not be read; keeping the last report');
      return undefined;
    }
    const previous = this.health?.report;
    const since =
      previous?.ok === report.ok
        ? this.health!.since
        : report.since === undefined
          ? new Date()
          : new Date(report.since);
    this.health = { report, since };
    return healthEvent(previous, report);
  }

  /** Logs and records a health transition (the caller writes the condition at once). */
  private announce(event: HealthEvent): void {
    this.log[event.type === 'Warning' ? 'warn' : 'info'](
      { reason: event.reason, message: event.message },
      'ECI provider health changed',
    );
    this.events.post({ name: this.o.name, uid: this.nodeUid }, event);
    this.statusDirty = true;
  }

  /** The ProviderReady condition to write, if a health source is wired. */
  private providerConditions(now: Date): V1NodeCondition[] {
    return this.health ? [providerCondition(this.health.report, now, this.health.since)] : [];
  }

  /** Creates the Node, or brings an existing one (from an earlier run) back to Ready. */
  async ensureNode(): Promise<void> {
    const now = new Date();
    const node = buildNode(this.o, now, this.providerConditions(now));
    try {
      const created = await this.core.createNode({ body: node });
      this.nodeUid = created.metadata?.uid;
      this.log.info('virtual node registered');
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
      const existing = await this.core.readNode({ name: this.o.name });
      this.nodeUid = existing.metadata?.uid;
      const taints = existing.spec?.taints ?? [];
      const ours = taints.some((t) => t.key === VIRTUAL_NODE.taintKey);
      await this.core.patchNode(
        {
          name: this.o.name,
          body: {
            metadata: { labels: node.metadata?.labels },
            ...(ours ? {} : { spec: { taints: [...taints, ...(node.spec?.taints ?? [])] } }),
          },
        },
        MERGE,
      );
      this.log.info('virtual node already registered; taking it over');
    }
    await this.heartbeat();
  }

  /** Refreshes conditions, capacity and addresses through nodes/status; re-creates a deleted node. */
  async heartbeat(): Promise<void> {
    const now = new Date();
    const node = buildNode(this.o, now, this.providerConditions(now));
    try {
      await this.core.patchNodeStatus({ name: this.o.name, body: { status: node.status } }, MERGE);
      this.lastStatus = Date.now();
      this.statusDirty = false;
    } catch (err) {
      if (!isNotFound(err)) throw err;
      this.log.warn('virtual node was deleted; re-creating it');
      this.recreations++;
      await this.ensureNode();
    }
  }

  /** A cheap read between heartbeats, so a deleted Node comes back within one renew interval. */
  private async checkExists(): Promise<void> {
    try {
      await this.core.readNode({ name: this.o.name });
    } catch (err) {
      if (!isNotFound(err)) throw err;
      this.log.warn('virtual node was deleted; re-creating it');
      this.recreations++;
      await this.ensureNode();
    }
  }

  async renewLease(): Promise<void> {
    const now = new Date();
    try {
      await this.coordination.patchNamespacedLease(
        {
          name: this.o.name,
          namespace: NODE_LEASE_NAMESPACE,
          body: {
            spec: {
              holderIdentity: this.o.name,
              leaseDurationSeconds: this.o.leaseDurationSeconds,
              renewTime: now.toISOString().replace('Z', '000Z'),
            },
          },
        },
        MERGE,
      );
      this.renewals++;
    } catch (err) {
      if (!isNotFound(err)) throw err;
      // The lease is gone: after a first start, or because the node was deleted and the garbage
      // collector took its lease. Check the node before creating a lease that it would own.
      await this.heartbeat();
      try {
        await this.coordination.createNamespacedLease({
          namespace: NODE_LEASE_NAMESPACE,
          body: buildLease(this.o.name, this.nodeUid, this.o.leaseDurationSeconds, now),
        });
        this.renewals++;
      } catch (e) {
        if (!isAlreadyExists(e)) throw e;
      }
    }
  }
}
