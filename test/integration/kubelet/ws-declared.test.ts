// kubectl exec and port-forward through the real API server, to a node that declares
// ExtendWebSocketsToKubelet (the API server passes kubectl's WebSocket straight to the node:
// v5.channel.k8s.io for exec, the SPDY/3.1+portforward.k8s.io tunnel for port-forward) and to
// one that does not (the API server translates to SPDY). Each node counts the upgrades it
// served, so the tests see which path was taken. Local processes and servers as the backend.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { once } from 'node:events';
import { CoreV1Api } from '@kubernetes/client-node';
import { controlPlane, type SharedControlPlane } from '../../harness/shared.ts';
import { createNamespace, deleteNamespace, eventually } from '../helpers.ts';
import type { StreamingBackend } from '../../../reconciler/kubelet/streaming/backend.ts';
import { boundPod, localBackend, startFakeNode, type FakeNode } from './node-fixture.ts';

let cp: SharedControlPlane;
let declared: FakeNode;
let plain: FakeNode;
let ns: string;
const servers: Server[] = [];

async function httpServer(answer: string): Promise<number> {
  const s = createServer((_req, res) => res.end(answer));
  servers.push(s);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return (s.address() as { port: number }).port;
}

/** Terminal sizes the sessions of each node were given. */
const resizes: Record<string, string[]> = { 'on-declared': [], 'on-plain': [] };

function recordingResizes(backend: StreamingBackend, pod: string): StreamingBackend {
  return {
    ...backend,
    exec: async (target, o) => ({
      ...(await backend.exec(target, o)),
      resize: (width, height) => resizes[pod]!.push(`${width}x${height}`),
    }),
  };
}

before(async () => {
  cp = await controlPlane();
  const ports = {
    80: await httpServer('answer from port 80'),
    8080: await httpServer('answer from port 8080'),
  };
  declared = await startFakeNode(
    cp.kubeConfig,
    { streaming: recordingResizes(localBackend(ports), 'on-declared') },
    { declareFeatures: true },
  );
  plain = await startFakeNode(cp.kubeConfig, {
    streaming: recordingResizes(localBackend(ports), 'on-plain'),
  });
  ns = await createNamespace(cp.kubeConfig, 'kubelet-ws');
  await boundPod(cp.kubeConfig, ns, declared.name, 'on-declared');
  await boundPod(cp.kubeConfig, ns, plain.name, 'on-plain');
});

after(async () => {
  if (ns) await deleteNamespace(cp.kubeConfig, ns);
  await declared?.stop();
  await plain?.stop();
  for (const s of servers) s.close();
});

function kubectl(args: string[], input?: Buffer) {
  return new Promise<{ code: number | null; stdout: Buffer; stderr: string }>((resolve) => {
    const child = spawn(cp.kubectlPath, ['--kubeconfig', cp.kubeconfigPath, '-n', ns, ...args]);
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => (err += c.toString()));
    if (input) child.stdin.end(input);
    else child.stdin.end();
    child.on('close', (code) => resolve({ code, stdout: Buffer.concat(out), stderr: err }));
  });
}

/** The upgrades `node` served while `run` ran, by transport and protocol. */
async function served(node: FakeNode, run: () => Promise<void>): Promise<Record<string, number>> {
  const before = node.upgrades();
  await run();
  const after = node.upgrades();
  return Object.fromEntries(
    Object.entries(after)
      .map(([k, v]) => [k, v - (before[k] ?? 0)] as const)
      .filter(([, v]) => v > 0),
  );
}

test('the declaring node carries ExtendWebSocketsToKubelet in status.declaredFeatures; the other none', async () => {
  const core = cp.kubeConfig.makeApiClient(CoreV1Api);
  assert.deepEqual((await core.readNode({ name: declared.name })).status?.declaredFeatures, [
    'ExtendWebSocketsToKubelet',
  ]);
  assert.deepEqual((await core.readNode({ name: plain.name })).status?.declaredFeatures ?? [], []);
});

for (const [pod, path] of [
  ['on-declared', 'websocket v5.channel.k8s.io'],
  ['on-plain', 'SPDY/3.1 v4.channel.k8s.io'],
] as const) {
  test(`kubectl exec on ${pod}: reaches the node as ${path}; stdout and stderr apart, exit code 3`, async () => {
    const node = pod === 'on-declared' ? declared : plain;
    let r: Awaited<ReturnType<typeof kubectl>> | undefined;
    const upgrades = await served(node, async () => {
      r = await kubectl(['exec', pod, '--', 'sh', '-c', 'echo out; echo err >&2; exit 3']);
    });
    assert.deepEqual(upgrades, { [path]: 1 });
    assert.equal(r!.stdout.toString(), 'out\n');
    assert.match(r!.stderr, /^err\n/);
    assert.match(r!.stderr, /command terminated with exit code 3/);
    assert.equal(r!.code, 3);
  });
}

test('kubectl exec -i on the declaring node: 1 MB of stdin round-trips over v5 (its CLOSE ends cat)', async () => {
  const payload = Buffer.alloc(1024 * 1024);
  for (let i = 0; i < payload.length; i++) payload[i] = (i * 7919) % 251;
  let r: Awaited<ReturnType<typeof kubectl>> | undefined;
  const upgrades = await served(declared, async () => {
    r = await kubectl(['exec', '-i', 'on-declared', '--', 'cat'], payload);
  });
  assert.deepEqual(upgrades, { 'websocket v5.channel.k8s.io': 1 });
  assert.equal(r!.code, 0, r!.stderr);
  assert.ok(r!.stdout.equals(payload), `got ${r!.stdout.length} bytes`);
});

for (const [pod, path] of [
  ['on-declared', 'websocket SPDY/3.1+portforward.k8s.io'],
  ['on-plain', 'SPDY/3.1 portforward.k8s.io'],
] as const) {
  test(`kubectl port-forward of two ports on ${pod}: reaches the node as ${path}; each port answers`, async () => {
    const node = pod === 'on-declared' ? declared : plain;
    const upgrades = await served(node, async () => {
      const child = spawn(cp.kubectlPath, [
        '--kubeconfig',
        cp.kubeconfigPath,
        '-n',
        ns,
        'port-forward',
        `pod/${pod}`,
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
    assert.deepEqual(upgrades, { [path]: 1 });
  });
}

for (const pod of ['on-declared', 'on-plain']) {
  test(`kubectl attach on ${pod}: the node's refusal reaches the user with its reason`, async () => {
    const r = await kubectl(['attach', pod]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /attach is not supported for ECI containers; use exec/);
  });
}

for (const pod of ['on-declared', 'on-plain'] as const) {
  test(`kubectl exec -it on ${pod}: the terminal's size reaches the session`, async () => {
    // `script` gives kubectl a terminal of 123 columns and 45 rows.
    const line = `stty cols 123 rows 45; exec '${cp.kubectlPath}' --kubeconfig '${cp.kubeconfigPath}' -n ${ns} exec -it ${pod} -- cat`;
    const child = spawn('/usr/bin/script', ['-qfec', line, '/dev/null'], { detached: true });
    child.stdout.resume();
    child.stderr.resume();
    try {
      await eventually('the size', async () => resizes[pod]!.includes('123x45') || undefined);
    } finally {
      process.kill(-child.pid!, 'SIGKILL');
      if (child.exitCode === null) await once(child, 'close');
    }
  });
}
