// A Node object served by an in-process kubelet API, and pods bound to it, without the
// reconciler: the API server reaches the node at its InternalIP and kubelet port, as it
// does any kubelet. Backends are local: commands run as processes of the test, ports are
// local servers.
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { once } from 'node:events';
import pino from 'pino';
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { startKubeletApi, type KubeletApiOptions } from '../../../reconciler/kubelet-api.ts';
import type { ExecSession, StreamingBackend } from '../../../reconciler/kubelet/streaming/backend.ts';
import { readServingFiles } from '../../../reconciler/kubelet/node-tls.ts';
import { issueKubeletServingCert } from '../../harness/control-plane.ts';
import { eventually, uniqueName } from '../helpers.ts';
import { TEST_NODE_IP } from '../reconciler/stack.ts';

/** Runs exec commands as local processes (real exit codes); forwards pod ports to local ports. */
export function localBackend(ports: Record<number, number>): StreamingBackend {
  return {
    exec(_target, o): Promise<ExecSession> {
      const child = spawn(o.command[0]!, o.command.slice(1), { stdio: 'pipe' });
      const exit = new Promise<{ code: number } | { error: string }>((resolve) => {
        child.on('error', (err) => resolve({ error: err.message }));
        child.on('close', (code, signal) =>
          resolve(code === null ? { error: `killed by ${signal}` } : { code }),
        );
      });
      child.stdin.on('error', () => {});
      return Promise.resolve({
        stdin: o.stdin ? child.stdin : undefined,
        stdout: child.stdout,
        stderr: child.stderr,
        exit,
        abort: () => child.kill(),
      });
    },
    async portForward(_target, port) {
      const local = ports[port];
      if (!local) throw new Error(`nothing listens on port ${port}`);
      const socket = connect(local, '127.0.0.1');
      await once(socket, 'connect');
      return socket;
    },
  };
}

export interface FakeNode {
  name: string;
  /** Where the node listens (its InternalIP) and on which port. */
  host: string;
  port: number;
  /** Streaming upgrades the node served, per transport and protocol. */
  upgrades(): Record<string, number>;
  stop(): Promise<void>;
}

export async function startFakeNode(
  kc: KubeConfig,
  extra: Partial<KubeletApiOptions> | ((nodeName: string) => Partial<KubeletApiOptions>) = {},
  /** `declareFeatures`: write the kubelet API's declaredFeatures (ExtendWebSocketsToKubelet) to the node. */
  nodeOptions: { declareFeatures?: boolean } = {},
): Promise<FakeNode> {
  const core = kc.makeApiClient(CoreV1Api);
  const name = uniqueName('kubelet-api-node');
  // A routable address (the node proxy refuses loopback) and a certificate the API server verifies.
  const files = await issueKubeletServingCert([TEST_NODE_IP]);
  const api = await startKubeletApi({
    host: TEST_NODE_IP,
    port: 0,
    nodeIp: TEST_NODE_IP,
    serving: readServingFiles(files.certFile, files.keyFile),
    log: pino({ level: 'silent' }),
    groupOf: () => undefined,
    readLog: () => Promise.resolve(''),
    ...(typeof extra === 'function' ? extra(name) : extra),
  });
  try {
    await core.createNode({
      body: {
        metadata: { name },
        spec: { taints: [{ key: 'test/fake-node', effect: 'NoSchedule' }] },
      },
    });
    // The node controllers update a new node at once: retry the status write on a conflict.
    await eventually('node status written', async () => {
      const node = await core.readNode({ name });
      node.status = {
        addresses: [{ type: 'InternalIP', address: TEST_NODE_IP }],
        daemonEndpoints: { kubeletEndpoint: { Port: api.port } },
        ...(nodeOptions.declareFeatures ? { declaredFeatures: api.declaredFeatures } : {}),
      };
      await core.replaceNodeStatus({ name, body: node });
      return true;
    });
  } catch (err) {
    await api.close();
    throw err;
  }
  return {
    name,
    host: TEST_NODE_IP,
    port: api.port,
    upgrades: () => api.upgrades(),
    stop: async () => {
      await api.close();
      await core.deleteNode({ name }).catch(() => undefined);
    },
  };
}

/** A pod bound to `node`, its status set Running by hand (kubectl port-forward insists). */
export async function boundPod(kc: KubeConfig, namespace: string, node: string, name: string): Promise<void> {
  const core = kc.makeApiClient(CoreV1Api);
  await core.createNamespacedPod({
    namespace,
    body: {
      metadata: { name },
      spec: {
        nodeName: node,
        containers: [{ name: 'main', image: 'busybox' }],
        tolerations: [{ operator: 'Exists' }],
      },
    },
  });
  await eventually('pod status written', async () => {
    const pod = await core.readNamespacedPod({ name, namespace });
    pod.status = { phase: 'Running', podIP: '127.0.0.1' };
    await core.replaceNamespacedPodStatus({ name, namespace, body: pod });
    return true;
  });
}
