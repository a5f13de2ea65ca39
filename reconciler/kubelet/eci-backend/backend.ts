// The node's streaming backend on ECI: exec through ExecContainerCommand and its WebSocket
// (exec-session.ts), port-forward by dialling the pod's VPC address (the reconciler runs in
// the cluster's VPC, so ECI pods are reachable as any pod is). ECI has no attach API, so
// attach is absent and the kubelet port says so (docs/kubelet-api.md).
import { connect, type Socket } from 'node:net';
import type { Logger } from 'pino';
import type {
  ContainerTarget,
  ExecOptions,
  ExecSession,
  PodTarget,
  StreamingBackend,
} from '../streaming/backend.ts';
import { openExecSession } from './exec-session.ts';

export interface EciStreamingSource {
  /** The container group of a pod bound to this process's nodes. */
  groupOf(namespace: string, pod: string): string | undefined;
  /** The pod's address in the VPC (the group's IntranetIp), once it has one. */
  podIpOf(namespace: string, pod: string): string | undefined;
  /** ExecContainerCommand: the session's WebSocket URI. */
  execCommand(q: {
    containerGroupId: string;
    containerName: string;
    command: string[];
    tty: boolean;
    stdin: boolean;
  }): Promise<string>;
  log: Logger;
  /** How long dialling ECI's WebSocket or the pod may take. */
  connectTimeoutMs?: number;
}

const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

function dial(host: string, port: number, timeoutMs: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`timed out connecting to ${host}:${port}`));
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.setNoDelay(true);
      resolve(socket);
    });
    socket.once('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`cannot connect to ${host}:${port}: ${err.message}`));
    });
  });
}

export function eciStreamingBackend(o: EciStreamingSource): StreamingBackend {
  const timeoutMs = o.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const groupOf = (t: PodTarget) => {
    const id = o.groupOf(t.namespace, t.pod);
    if (!id) {
      throw new Error(
        `pod ${t.namespace}/${t.pod} has no container group in ECI on this node (not created yet, or already deleted)`,
      );
    }
    return id;
  };
  return {
    async exec(target: ContainerTarget, x: ExecOptions): Promise<ExecSession> {
      const uri = await o.execCommand({
        containerGroupId: groupOf(target),
        containerName: target.container,
        command: x.command,
        tty: x.tty,
        stdin: x.stdin,
      });
      if (!uri) throw new Error('ECI answered ExecContainerCommand without a WebSocketUri');
      return openExecSession(uri, x, o.log, timeoutMs);
    },
    async portForward(target: PodTarget, port: number) {
      groupOf(target);
      const ip = o.podIpOf(target.namespace, target.pod);
      if (!ip) throw new Error(`pod ${target.namespace}/${target.pod} has no IP address yet`);
      return dial(ip, port, timeoutMs);
    },
  };
}
