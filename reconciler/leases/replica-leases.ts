// The replicas' Leases, one round every retry period: renew this replica's presence Lease,
// renew the node Leases it holds, hand one node over when it holds more than its even share,
// take free or expired nodes up to that share, and run for the leader Lease. Which replicas
// are alive is read from the presence Leases: a replica that holds no node yet must still
// count, or nobody would ever hand it one. A watchdog apart from the rounds drops any Lease
// not renewed within the renew deadline, even while a round hangs on the API server, so a
// replica stops acting on a node before anyone else may take it (lease duration > deadline).
import type { KubeConfig, V1Lease } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import {
  decideLease,
  heldSpec,
  LEADER_LEASE,
  LEASE_KIND_LABEL,
  nodeLeaseName,
  releasedSpec,
  replicaLeaseName,
  spreadPlan,
  type LeaseKind,
  type LeaseTiming,
} from './lease-rules.ts';
import { leaseRecord, LeaseStore } from './lease-store.ts';
import { leaseMetrics } from './lease-metrics.ts';
import { kubeStatusCode } from '../../shared/kube.ts';

/** What the replica does as its holdings change. */
export interface LeaseHooks {
  /** This replica now holds `node`; `from` is the holder whose Lease expired (a takeover). */
  acquired(node: string, from: string | undefined): Promise<void>;
  /** Stop serving `node` gracefully; its Lease is released once this resolves. */
  handOver(node: string): Promise<void>;
  /** The Lease was not renewed in time or another holds it: stop acting on `node` at once. */
  lost(node: string): void;
  leader(isLeader: boolean): void;
}

/** What the rest of the reconciler asks of the leases. */
export interface NodeOwnership {
  holds(node: string): boolean;
  readonly isLeader: boolean;
  start(): Promise<void>;
  stop(): Promise<void>;
}

interface ReplicaLeasesOptions extends LeaseTiming {
  kc: KubeConfig;
  namespace: string;
  replicaId: string;
  nodes: string[];
  hooks: LeaseHooks;
  log: Logger;
  registry?: Registry;
  now?: () => number;
  /** The Leases' storage (unit tests give an in-memory one). */
  store?: Pick<LeaseStore, 'list' | 'write' | 'delete'>;
}

interface Held {
  /** Start of the round whose write last succeeded: the hold is good until this + renew deadline. */
  renewedAt: number;
  /** Set while the node's work stops before its Lease is released. */
  handingOver?: Promise<void>;
  handedOver?: boolean;
}

export class ReplicaLeases implements NodeOwnership {
  private readonly o: ReplicaLeasesOptions;
  private readonly store: Pick<LeaseStore, 'list' | 'write' | 'delete'>;
  private readonly now: () => number;
  private readonly held = new Map<string, Held>();
  private leaderSince: number | undefined;
  /** Per Lease name: the resourceVersion last read and when this replica first saw it. */
  private readonly observed = new Map<string, { rv: string; at: number }>();
  /** Nodes this replica handed over: not taken back for two rounds, so another can take them. */
  private readonly cooling = new Map<string, number>();
  private leases = new Map<string, V1Lease>();
  private round: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private watchdog: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly pendingStarts = new Set<Promise<void>>();
  private readonly metrics;

  constructor(options: ReplicaLeasesOptions) {
    this.o = options;
    this.store = options.store ?? new LeaseStore(options.kc, options.namespace);
    this.now = options.now ?? Date.now;
    this.metrics = leaseMetrics(options.registry, this);
  }

  holds(node: string): boolean {
    return this.held.has(node);
  }

  get isLeader(): boolean {
    return this.leaderSince !== undefined;
  }

  get heldNodes(): string[] {
    return [...this.held.keys()];
  }

  /** The first round, and the start of the nodes it acquired; then a round every retry period. */
  async start(): Promise<void> {
    await this.tick();
    await Promise.all(this.pendingStarts);
    this.timer = setInterval(() => void this.tick(), this.o.retryPeriodMs);
    this.timer.unref?.();
    this.watchdog = setInterval(() => this.enforceDeadline(this.now()), Math.min(500, this.o.retryPeriodMs));
    this.watchdog.unref?.();
  }

  /** Hands every node over (released at once, not left to expire), gives up leadership and presence. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.timer);
    clearInterval(this.watchdog);
    // A round hung on the API server must not hold the shutdown: the Leases then simply expire.
    await Promise.race([this.round, new Promise((r) => setTimeout(r, this.o.renewDeadlineMs).unref())]);
    // Handing over also ends a start still retrying (an API server down at shutdown).
    await Promise.all([...this.held].map(([node, h]) => (h.handingOver ??= this.o.hooks.handOver(node))));
    await Promise.all(this.pendingStarts);
    try {
      this.leases = await this.store.list();
      const now = new Date(this.now());
      for (const node of [...this.held.keys()]) await this.release(node, now);
      if (this.leaderSince !== undefined) {
        this.setLeader(undefined);
        const lease = this.leases.get(LEADER_LEASE);
        await this.store.write(LEADER_LEASE, 'leader', lease, releasedSpec(lease?.spec, now));
      }
      await this.store.delete(replicaLeaseName(this.o.replicaId));
    } catch (err) {
      this.o.log.warn({ err }, 'could not release the leases; others take them when they expire');
    }
  }

  /** One round (the timer's; unit tests call it with their own clock). */
  tick(): Promise<void> {
    if (this.stopped) return this.round;
    // Rounds never overlap: a slow one delays the next (the watchdog still runs).
    this.round = this.round.then(() =>
      this.stopped
        ? undefined
        : this.roundOnce().catch((err: unknown) => {
            if (kubeStatusCode(err) === 403)
              this.o.log.error(
                { namespace: this.o.namespace },
                'forbidden to use Leases (coordination.k8s.io) in the lease namespace: this replica serves no node until RBAC grants get, list, create, update and delete there',
              );
            else this.o.log.warn({ err }, 'lease round failed; retrying');
          }),
    );
    return this.round;
  }

  private async roundOnce(): Promise<void> {
    const start = this.now();
    this.enforceDeadline(start);
    this.leases = await this.store.list();
    // Seen when the list came back: a record written during the call is never thought older.
    this.observe(this.now());
    const me = this.o.replicaId;
    await this.hold(replicaLeaseName(me), 'replica', start);
    const live = this.liveReplicas(start);

    for (const [node, h] of [...this.held]) {
      const lease = this.leases.get(nodeLeaseName(node));
      if (leaseRecord(lease)?.holder !== me) {
        this.drop(node, 'another replica holds its Lease');
        continue;
      }
      if (h.handedOver) await this.release(node, new Date(start));
      else if (await this.hold(nodeLeaseName(node), 'node', start)) h.renewedAt = start;
    }

    const plan = spreadPlan(this.o.nodes.length, this.heldNodes, live);
    const busy = [...this.held.values()].some((h) => h.handingOver);
    if (plan.handOver && !busy) this.beginHandOver(plan.handOver, plan.target, live);

    let room = plan.mayAcquire;
    for (const node of this.o.nodes) {
      if (room <= 0) break;
      if (this.held.has(node) || (this.cooling.get(node) ?? 0) > start) continue;
      const name = nodeLeaseName(node);
      // Held under this identity but not by this process: a previous run of this replica
      // (killed, restarted with its StatefulSet name), so it is taken back at once.
      const decision = this.decide(name, start);
      if (decision.kind === 'held') continue;
      if (!(await this.hold(name, 'node', start))) continue;
      room--;
      this.held.set(node, { renewedAt: start });
      this.metrics.transitions.inc({ lease: 'node', change: 'acquired' });
      const from = decision.kind === 'acquire' ? decision.from : undefined;
      if (from) this.metrics.takeovers.inc();
      this.o.log.info({ node, from, live }, 'node Lease acquired');
      const started = this.o.hooks.acquired(node, from).catch((err: unknown) => {
        this.o.log.error({ err, node }, 'could not start serving the node');
      });
      this.pendingStarts.add(started);
      void started.finally(() => this.pendingStarts.delete(started));
    }

    if (this.leaderSince !== undefined) await this.forgetDeparted(start);

    const leader = this.decide(LEADER_LEASE, start);
    if (leader.kind === 'held' && this.leaderSince !== undefined) {
      this.metrics.transitions.inc({ lease: 'leader', change: 'lost' });
      this.setLeader(undefined);
    } else if (leader.kind !== 'held' && (await this.hold(LEADER_LEASE, 'leader', start))) {
      if (this.leaderSince === undefined)
        this.metrics.transitions.inc({ lease: 'leader', change: 'acquired' });
      this.setLeader(start);
    }
  }

  /** Records when each Lease's current version was first seen (the expiry clock). */
  private observe(now: number): void {
    for (const [name, lease] of this.leases) {
      const rv = lease.metadata?.resourceVersion ?? '';
      if (this.observed.get(name)?.rv !== rv) this.observed.set(name, { rv, at: now });
    }
    for (const name of this.observed.keys()) if (!this.leases.has(name)) this.observed.delete(name);
  }

  private decide(name: string, now: number) {
    const record = leaseRecord(this.leases.get(name));
    return decideLease(record, this.o.replicaId, this.observed.get(name)?.at ?? now, now);
  }

  /** Replicas whose presence Lease is renewed: the others not expired, and this one. */
  private liveReplicas(now: number): number {
    let others = 0;
    for (const [name, lease] of this.leases) {
      if (lease.metadata?.labels?.[LEASE_KIND_LABEL] !== 'replica') continue;
      if (this.decide(name, now).kind === 'held') others++;
    }
    return others + 1;
  }

  /** The leader deletes presence Leases long expired (replicas killed, not stopped), so they do not pile up. */
  private async forgetDeparted(now: number): Promise<void> {
    for (const [name, lease] of this.leases) {
      if (lease.metadata?.labels?.[LEASE_KIND_LABEL] !== 'replica') continue;
      const seen = this.observed.get(name)?.at ?? now;
      if (now - seen >= 10 * this.o.leaseDurationMs) await this.store.delete(name);
    }
  }

  /** Acquires or renews one Lease for this replica (compare-and-swap on the version read). */
  private async hold(name: string, kind: LeaseKind, now: number): Promise<boolean> {
    const current = this.leases.get(name);
    const spec = heldSpec(current?.spec, this.o.replicaId, this.o.leaseDurationMs, new Date(now));
    return this.store.write(name, kind, current, spec);
  }

  private beginHandOver(node: string, target: number, live: number): void {
    const h = this.held.get(node)!;
    this.o.log.info({ node, target, live }, 'handing a node over to spread the nodes evenly');
    h.handingOver = this.o.hooks.handOver(node).then(
      () => {
        h.handedOver = true;
      },
      (err: unknown) => {
        this.o.log.warn({ err, node }, 'node work did not stop cleanly; releasing anyway');
        h.handedOver = true;
      },
    );
  }

  /** Writes the released Lease of a node whose work has stopped. */
  private async release(node: string, now: Date): Promise<void> {
    const name = nodeLeaseName(node);
    const lease = this.leases.get(name);
    this.held.delete(node);
    this.cooling.set(node, now.getTime() + 2 * this.o.retryPeriodMs);
    this.metrics.transitions.inc({ lease: 'node', change: 'released' });
    if (leaseRecord(lease)?.holder !== this.o.replicaId) return;
    if (!(await this.store.write(name, 'node', lease, releasedSpec(lease?.spec, now))))
      this.o.log.warn({ node }, 'node Lease changed while being released; it expires instead');
    else this.o.log.info({ node }, 'node Lease released');
  }

  /** Stops acting on a node at once (its work stops in the background). */
  private drop(node: string, why: string): void {
    if (!this.held.delete(node)) return;
    this.metrics.transitions.inc({ lease: 'node', change: 'lost' });
    this.o.log.warn({ node }, `node Lease lost: ${why}; no longer serving it`);
    this.o.hooks.lost(node);
  }

  /** The watchdog: drops every Lease not renewed within the renew deadline, whatever a round is doing. */
  enforceDeadline(now: number): void {
    const deadline = now - this.o.renewDeadlineMs;
    for (const [node, h] of [...this.held]) {
      if (h.renewedAt < deadline) this.drop(node, `not renewed for ${this.o.renewDeadlineMs} ms`);
    }
    if (this.leaderSince !== undefined && this.leaderSince < deadline) {
      this.metrics.transitions.inc({ lease: 'leader', change: 'lost' });
      this.o.log.warn('leader Lease not renewed in time; no longer leader');
      this.setLeader(undefined);
    }
  }

  private setLeader(renewedAt: number | undefined): void {
    const was = this.leaderSince !== undefined;
    this.leaderSince = renewedAt;
    if (was !== (renewedAt !== undefined)) {
      this.o.log.info({ leader: !was }, was ? 'no longer leader' : 'became leader');
      this.o.hooks.leader(!was);
    }
  }
}
