// The replicas' metrics: what this replica holds now (gauges read live) and its Lease history.
import { Counter, Gauge, type Registry } from 'prom-client';

export function leaseMetrics(
  registry: Registry | undefined,
  source: { heldNodes: string[]; isLeader: boolean },
) {
  const registers = registry ? [registry] : [];
  new Gauge({
    name: 'reconciler_nodes_held',
    help: 'Virtual nodes this replica serves (holds the Lease of)',
    registers,
    collect() {
      this.set(source.heldNodes.length);
    },
  });
  new Gauge({
    name: 'reconciler_is_leader',
    help: '1 while this replica holds the leader Lease (orphan sweep, PrivateZone sync)',
    registers,
    collect() {
      this.set(source.isLeader ? 1 : 0);
    },
  });
  return {
    transitions: new Counter({
      name: 'reconciler_lease_transitions_total',
      help: "Changes of this replica's Leases: acquired, released, lost; by lease (node, leader)",
      labelNames: ['lease', 'change'],
      registers,
    }),
    takeovers: new Counter({
      name: 'reconciler_node_takeovers_total',
      help: 'Nodes this replica took over after their holder stopped renewing',
      registers,
    }),
  };
}
