// What holding a node means for this replica: its heartbeat (the Node's status and its own
// Lease in kube-node-lease, so it stays Ready across a hand-over) and its pods in the pod
// controller. Started when the node's Lease is acquired, stopped gracefully before it is
// released, stopped at once when it is lost. Events on the Node say when it changed hands.
import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { backoffDelay } from '../../shared/backoff.ts';
import type { NodeController } from '../node.ts';
import { NodeEvents } from '../node/node-events.ts';
import type { LeaseHooks } from './replica-leases.ts';

export const HANDOVER_REASONS = { takenOver: 'NodeTakenOver', handedOver: 'NodeHandedOver' } as const;

interface NodePods {
  addNode(node: string): Promise<void>;
  removeNode(node: string): Promise<void>;
}

interface ServedNodes extends LeaseHooks {
  /** The heartbeats of the nodes served now. */
  nodes(): NodeController[];
  /** Waits for the Events being written (on shutdown). */
  flush(): Promise<void>;
}

export function serveNodes(o: {
  kc: KubeConfig;
  replicaId: string;
  pods: NodePods;
  makeNode: (name: string) => NodeController;
  leader: (isLeader: boolean) => void;
  log: Logger;
}): ServedNodes {
  const heartbeats = new Map<string, NodeController>();
  const events = new NodeEvents(o.kc, o.log);

  /** The node's registration may fail (API server hiccup): retried until it works or the node is let go. */
  const startHeartbeat = async (node: string, hb: NodeController) => {
    for (let failures = 0; heartbeats.get(node) === hb; failures++) {
      try {
        await hb.start();
        return;
      } catch (err) {
        const delay = backoffDelay(failures, 500, 10_000);
        o.log.warn({ err, node, retryInMs: delay }, 'could not register the node; retrying');
        await new Promise((r) => setTimeout(r, delay).unref());
      }
    }
  };
  const stopHeartbeat = (node: string): Promise<void> => {
    const hb = heartbeats.get(node);
    heartbeats.delete(node);
    return hb?.stop() ?? Promise.resolve();
  };

  return {
    async acquired(node, from) {
      const hb = o.makeNode(node);
      heartbeats.set(node, hb);
      await startHeartbeat(node, hb);
      // Let go while registering (lost, handed over): no informer for a node not held.
      if (heartbeats.get(node) !== hb) return;
      await o.pods.addNode(node);
      if (heartbeats.get(node) !== hb) {
        await o.pods.removeNode(node);
        return;
      }
      if (from) {
        events.post(
          { name: node },
          {
            type: 'Normal',
            reason: HANDOVER_REASONS.takenOver,
            message: `replica ${o.replicaId} took the node over: the Lease of replica ${from} expired`,
          },
        );
      }
    },
    async handOver(node) {
      await stopHeartbeat(node);
      await o.pods.removeNode(node);
      events.post(
        { name: node },
        {
          type: 'Normal',
          reason: HANDOVER_REASONS.handedOver,
          message: `replica ${o.replicaId} handed the node over (its work finished, its Lease released)`,
        },
      );
    },
    lost(node) {
      void stopHeartbeat(node);
      void o.pods.removeNode(node);
    },
    leader: o.leader,
    nodes: () => [...heartbeats.values()],
    flush: () => events.flush(),
  };
}
