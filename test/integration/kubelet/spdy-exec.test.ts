// kubectl exec and port-forward through the real API server to the node's kubelet API over
// SPDY/3.1 (the API server translates kubectl's WebSocket to SPDY for a node that does not
// declare ExtendWebSocketsToKubelet). The backend runs commands as local processes and
// forwards to local servers, so exit codes and bytes are real.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { once } from 'node:events';
import { controlPlane, type SharedControlPlane } from '../../harness/shared.ts';
import { createNamespace, deleteNamespace, eventually } from '../helpers.ts';
import { boundPod, localBackend, startFakeNode, type FakeNode } from './node-fixture.ts';

let cp: SharedControlPlane;
let node: FakeNode;
let ns: string;
const servers: Server[] = [];

async function httpServer(answer: string): Promise<number> {
  const s = createServer((_req, res) => res.end(answer));
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return (s.address() as { port: number }).port;
}

before(async () => {
  cp = await controlPlane();
  const [a, b] = [await httpServer('answer from port 80'), await httpServer('answer from port 8080')];
  node = await startFakeNode(cp.kubeConfig, { streaming: localBackend({ 80: a, 8080: b }) });
  ns = await createNamespace(cp.kubeConfig, 'kubelet-spdy');
  await boundPod(cp.kubeConfig, ns, node.name, 'shell');
});

after(async () => {
  if (ns) await deleteNamespace(cp.kubeConfig, ns);
  await node?.stop();
  for (const s of servers) s.close();
});

function kubectl(args: string[], env: Record<string, string> = {}, input?: Buffer) {
  return new Promise<{ code: number | null; stdout: Buffer; stderr: string }>((resolve) => {
    const child = spawn(cp.kubectlPath, ['--kubeconfig', cp.kubeconfigPath, '-n', ns, ...args], {
      env: { ...process.env, ...env },
    });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    if (input) child.stdin.end(input);
    else child.stdin.end();
    child.on('close', (code) => resolve({ code, stdout: Buffer.concat(out), stderr: err }));
  });
}

for (const [name, env] of [
  ['WebSocket to the API server, SPDY to the node', {}],
  [
    'SPDY all the way (KUBECTL_REMOTE_COMMAND_WEBSOCKETS=false)',
    { KUBECTL_REMOTE_COMMAND_WEBSOCKETS: 'false' },
  ],
] as const) {
  test(`kubectl exec, ${name}: stdout and stderr apart, exit code 3`, async () => {
    const r = await kubectl(['exec', 'shell', '--', 'sh', '-c', 'echo out; echo err >&2; exit 3'], env);
    assert.equal(r.stdout.toString(), 'out\n');
    assert.match(r.stderr, /^err\n/);
    assert.match(r.stderr, /command terminated with exit code 3/);
    assert.equal(r.code, 3);
  });
}

test('kubectl exec -i: 1 MB of stdin round-trips', async () => {
  const payload = Buffer.alloc(1024 * 1024);
  for (let i = 0; i < payload.length; i++) payload[i] = (i * 7919) % 251;
  const r = await kubectl(['exec', '-i', 'shell', '--', 'cat'], {}, payload);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(r.stdout.equals(payload), `got ${r.stdout.length} bytes`);
});

test('kubectl port-forward with two ports: each answers with its own server', async () => {
  const child = spawn(cp.kubectlPath, [
    '--kubeconfig',
    cp.kubeconfigPath,
    '-n',
    ns,
    'port-forward',
    'pod/shell',
    ':80',
    ':8080',
  ]);
  try {
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    let err = '';
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    const local = await eventually('both ports forwarded', async () => {
      if (child.exitCode !== null) throw new Error(`kubectl port-forward exited: ${err}`);
      const m = [...out.matchAll(/Forwarding from 127\.0\.0\.1:(\d+) -> (\d+)/g)];
      return m.length === 2 ? new Map(m.map((x) => [Number(x[2]), Number(x[1])])) : undefined;
    });
    for (const [remote, answer] of [
      [80, 'answer from port 80'],
      [8080, 'answer from port 8080'],
    ] as const) {
      const res = await fetch(`http://127.0.0.1:${local.get(remote)}/`);
      assert.equal(await res.text(), answer);
    }
  } finally {
    if (child.exitCode === null) {
      child.kill();
      await once(child, 'close');
    }
  }
});

test('kubectl exec of a command with 21 arguments: ECI limit named', async () => {
  const r = await kubectl(['exec', 'shell', '--', 'echo', ...Array.from({ length: 20 }, () => 'x')]);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /at most 20 arguments; this one has 21/);
});
