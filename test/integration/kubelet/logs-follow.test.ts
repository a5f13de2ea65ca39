// kubectl logs -f through the real API server to an in-process node whose log grows: new lines
// show as they come, and the command ends when the container does. --tail=0 -f shows only
// lines written after it started.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { controlPlane, type SharedControlPlane } from '../../harness/shared.ts';
import { createNamespace, deleteNamespace, eventually } from '../helpers.ts';
import { boundPod, startFakeNode, type FakeNode } from './node-fixture.ts';

let cp: SharedControlPlane;
let node: FakeNode;
let ns: string;
/** The container's log: lines with the wall-clock time they were written. */
const lines: { ms: number; text: string }[] = [];
let running = true;
let polls = 0;

before(async () => {
  cp = await controlPlane();
  node = await startFakeNode(cp.kubeConfig, {
    groupOf: () => 'eci-fake',
    // DescribeContainerLog as ECI answers it: Tail, SinceSeconds (whole seconds), Timestamps.
    readLog: (q) => {
      polls++;
      const now = Date.now();
      let out = lines.filter((l) => q.sinceSeconds === undefined || l.ms >= now - q.sinceSeconds * 1000);
      if (q.tail !== undefined) out = out.slice(Math.max(0, out.length - q.tail));
      return Promise.resolve(
        out.map((l) => `${q.timestamps ? `${new Date(l.ms).toISOString()} ` : ''}${l.text}\n`).join(''),
      );
    },
    containerRunning: () => Promise.resolve(running),
    limits: { followPollMs: 200 },
  });
  ns = await createNamespace(cp.kubeConfig, 'kubelet-follow');
  await boundPod(cp.kubeConfig, ns, node.name, 'talker');
});

after(async () => {
  if (ns) await deleteNamespace(cp.kubeConfig, ns);
  await node?.stop();
});

function follow(...flags: string[]) {
  const child = spawn(cp.kubectlPath, [
    '--kubeconfig',
    cp.kubeconfigPath,
    '-n',
    ns,
    'logs',
    '-f',
    'talker',
    ...flags,
  ]);
  const state = { out: '', err: '', code: null as number | null, closed: false };
  child.stdout.on('data', (c: Buffer) => (state.out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (state.err += c.toString()));
  child.on('close', (code) => {
    state.code = code;
    state.closed = true;
  });
  return { child, state };
}

test('kubectl logs -f shows new lines as they come and ends when the container ends', async () => {
  lines.push({ ms: Date.now(), text: 'line-0' });
  const { state } = follow();
  for (let i = 1; i <= 3; i++) {
    await eventually(`line-${i - 1} shown`, async () => state.out.includes(`line-${i - 1}\n`), 30_000, 50);
    assert.equal(state.closed, false, 'still following');
    lines.push({ ms: Date.now(), text: `line-${i}` });
  }
  await eventually('line-3 shown', async () => state.out.includes('line-3\n'), 30_000, 50);
  running = false;
  lines.push({ ms: Date.now(), text: 'bye' });
  await eventually('kubectl exits', async () => state.closed, 30_000, 50);
  assert.equal(state.code, 0, state.err);
  assert.equal(state.out, 'line-0\nline-1\nline-2\nline-3\nbye\n');
  running = true;
});

test('kubectl logs -f --tail=0 --timestamps shows only what was written after it started, with times', async () => {
  const before0 = polls;
  const { state, child } = follow('--tail=0', '--timestamps');
  try {
    // Written after the follower's first poll, so it is new to it.
    await eventually('the first poll', async () => polls > before0, 30_000, 20);
    const ms = Date.now();
    lines.push({ ms, text: 'fresh' });
    await eventually('fresh shown', async () => state.out.includes('fresh'), 30_000, 50);
    assert.equal(state.out, `${new Date(ms).toISOString()} fresh\n`);
  } finally {
    child.kill();
  }
});
