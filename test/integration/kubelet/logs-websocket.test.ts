// A pod's log read over a WebSocket through the real API server, as the conformance spec
// "Pods should support retrieving logs from the container over websockets" reads it: the API
// server fetches the log from the node and relays it in binary.k8s.io messages. It relays
// every byte only when the node answers over HTTP/2 (kubelet/server/listener.ts), so the
// node's port must offer h2 by ALPN as a kubelet's does.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { WebSocket } from 'ws';
import { controlPlane, type SharedControlPlane } from '../../harness/shared.ts';
import { createNamespace, deleteNamespace } from '../helpers.ts';
import { boundPod, startFakeNode, type FakeNode } from './node-fixture.ts';

const LOG_TEXT = 'container is alive\n';

let cp: SharedControlPlane;
let node: FakeNode;
let ns: string;

before(async () => {
  cp = await controlPlane();
  node = await startFakeNode(cp.kubeConfig, {
    groupOf: () => 'eci-fake',
    readLog: () => Promise.resolve(LOG_TEXT),
    containerRunning: () => Promise.resolve(false),
  });
  ns = await createNamespace(cp.kubeConfig, 'kubelet-logs-ws');
  await boundPod(cp.kubeConfig, ns, node.name, 'talker');
});

after(async () => {
  if (ns) await deleteNamespace(cp.kubeConfig, ns);
  await node?.stop();
});

/** Every message of a log WebSocket until the API server closes it. */
function readLogOverWebSocket(query: string): Promise<Buffer[]> {
  const cluster = cp.kubeConfig.getCurrentCluster()!;
  const user = cp.kubeConfig.getCurrentUser()!;
  const pem = (data?: string, file?: string) =>
    data ? Buffer.from(data, 'base64').toString('utf8') : file ? readFileSync(file, 'utf8') : undefined;
  const url = `${cluster.server.replace(/^http/, 'ws')}/api/v1/namespaces/${ns}/pods/talker/log?${query}`;
  const ws = new WebSocket(url, ['binary.k8s.io'], {
    ca: pem(cluster.caData, cluster.caFile),
    cert: pem(user.certData, user.certFile),
    key: pem(user.keyData, user.keyFile),
  });
  const messages: Buffer[] = [];
  return new Promise((resolve, reject) => {
    ws.on('message', (data: Buffer) => messages.push(data));
    ws.on('close', () => resolve(messages));
    ws.on('error', reject);
  });
}

test('the log over a WebSocket (binary.k8s.io): every byte relayed, then the socket closes', async () => {
  const messages = await readLogOverWebSocket('container=main');
  // The API server opens with an empty message; the log follows.
  assert.equal(Buffer.concat(messages).toString('utf8'), LOG_TEXT);
});

test('the same with limitBytes: the node cuts, the API server relays what it got', async () => {
  const messages = await readLogOverWebSocket('container=main&limitBytes=9');
  assert.equal(Buffer.concat(messages).toString('utf8'), LOG_TEXT.slice(0, 9));
});
