// --leader-elect=false, the original add-on's switch: no Lease at all.
import type { Registry } from 'prom-client';
import { leaseMetrics } from './lease-metrics.ts';
import type { LeaseHooks, NodeOwnership } from './replica-leases.ts';

/** --leader-elect=false: one replica serves every node and is the leader, without Leases. */
export class AllNodes implements NodeOwnership {
  private readonly nodes: string[];
  private readonly hooks: LeaseHooks;
  private started = false;

  constructor(nodes: string[], hooks: LeaseHooks, registry?: Registry) {
    this.nodes = nodes;
    this.hooks = hooks;
    leaseMetrics(registry, this);
  }

  holds(node: string): boolean {
    return this.started && this.nodes.includes(node);
  }

  get isLeader(): boolean {
    return this.started;
  }

  get heldNodes(): string[] {
    return this.started ? this.nodes : [];
  }

  async start(): Promise<void> {
    this.started = true;
    for (const node of this.nodes) await this.hooks.acquired(node, undefined);
    this.hooks.leader(true);
  }

  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    this.hooks.leader(false);
    await Promise.all(this.nodes.map((n) => this.hooks.handOver(n)));
  }
}
