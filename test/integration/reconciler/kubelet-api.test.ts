// The node's kubelet port in the full stack: a malformed request cannot end the reconciler,
// and `kubectl logs` (through the API server) gets --tail=0 right and says why the logs of a
// purged container group are gone.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { connect } from 'node:tls';
import { $Eci, eciClient } from '../emulator/sdk.ts';
import { createNamespace, deleteNamespace, eventually } from '../helpers.ts';
import { eciPod, startStack, TEST_NODE_IP, type Stack } from './stack.ts';

const run = promisify(execFile);
let stack: Stack;
let ns: string;

before(async () => {
  stack = await startStack();
  await stack.startReconciler();
  ns = await createNamespace(stack.cp.kubeConfig, 'kubelet-api');
});

after(async () => {
  if (ns) await deleteNamespace(stack.cp.kubeConfig, ns);
  await stack?.stop();
});

/** kubectl logs through the API server: stdout, or the error kubectl prints. */
async function kubectlLogs(pod: string, ...flags: string[]): Promise<{ ok: boolean; out: string }> {
  try {
    const { stdout } = await run(stack.cp.kubectlPath, [
      '--kubeconfig',
      stack.cp.kubeconfigPath,
      'logs',
      '-n',
      ns,
      pod,
      ...flags,
    ]);
    return { ok: true, out: stdout };
  } catch (err) {
    return { ok: false, out: String((err as { stderr?: string }).stderr ?? err) };
  }
}

async function runningPod(name: string, script: string, restartPolicy?: string): Promise<void> {
  await stack.core.createNamespacedPod({
    namespace: ns,
    body: eciPod(stack, name, { command: ['sh', '-c', script], restartPolicy }),
  });
}

const phase = async (name: string) =>
  (await stack.core.readNamespacedPod({ name, namespace: ns })).status?.phase;

/**
 * One raw request straight to the node port (bypassing the API server, as an attacker would),
 * with the admin's client certificate: the port authenticates before it parses.
 */
function rawGet(port: number, target: string): Promise<string> {
  const user = stack.cp.kubeConfig.getCurrentUser()!;
  const pem = (b64?: string) => Buffer.from(b64 ?? '', 'base64').toString('utf8');
  return new Promise((resolve, reject) => {
    const tls = { rejectUnauthorized: false, cert: pem(user.certData), key: pem(user.keyData) };
    const socket = connect({ port, host: TEST_NODE_IP, ...tls }, () =>
      socket.write(`GET ${target} HTTP/1.1\r\nHost: node\r\nConnection: close\r\n\r\n`),
    );
    socket.setTimeout(10_000, () => socket.destroy());
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', reject);
    socket.on('close', () => resolve(Buffer.concat(chunks).toString()));
  });
}

test('a malformed request on the node port is a 400; the reconciler keeps its lease and serves logs', async () => {
  const node = await stack.core.readNode({ name: stack.nodeName });
  const port = node.status?.daemonEndpoints?.kubeletEndpoint?.Port ?? 0;
  for (let i = 0; i < 20; i++) {
    const answer = await rawGet(port, '/containerLogs/%E0%A4%A/a/b');
    assert.match(answer, /^HTTP\/1\.1 400 /);
    assert.match(answer, /malformed percent-encoding/);
  }
  const renewals = stack.reconciler!.nodes[0]!.renewals;
  await runningPod('talker', 'echo hello-after-attack; sleep 3600');
  await eventually('talker Running', async () => (await phase('talker')) === 'Running');
  const logs = await eventually('log line through the API server', async () => {
    const r = await kubectlLogs('talker');
    return r.ok && r.out.includes('hello-after-attack') ? r.out : undefined;
  });
  assert.match(logs, /hello-after-attack/);
  await eventually('the lease is still renewed', async () => stack.reconciler!.nodes[0]!.renewals > renewals);
});

test('kubectl logs --tail=0 prints nothing; --tail=1 the last line; --limit-bytes cuts', async () => {
  await runningPod('counter', 'echo one; echo two; echo three; sleep 3600');
  await eventually('counter Running', async () => (await phase('counter')) === 'Running');
  await eventually(
    'three lines logged',
    async () => (await kubectlLogs('counter')).out === 'one\ntwo\nthree\n',
  );
  assert.deepEqual(await kubectlLogs('counter', '--tail=0'), { ok: true, out: '' });
  assert.deepEqual(await kubectlLogs('counter', '--tail=1'), { ok: true, out: 'three\n' });
  assert.deepEqual(await kubectlLogs('counter', '--limit-bytes=4'), { ok: true, out: 'one\n' });
});

test('kubectl logs of a finished pod whose group ECI has purged says its logs are gone', async () => {
  await runningPod('finished', 'echo bye', 'Never');
  await eventually('finished Succeeded', async () => (await phase('finished')) === 'Succeeded', 90_000);
  // ECI purges finished groups on its own schedule; do it here (a no-op if it is gone already).
  const id = await eventually('the group id on the pod', async () => {
    const pod = await stack.core.readNamespacedPod({ name: 'finished', namespace: ns });
    return pod.metadata?.annotations?.['k8s.aliyun.com/eci-instance-id'];
  });
  assert.match(id, /^eci-/);
  const group = (await stack.admin.containerGroups()).find((g) => g.containerGroupId === id);
  if (group) {
    await eciClient(stack.emu.endpoint).deleteContainerGroup(
      new $Eci.DeleteContainerGroupRequest({ containerGroupId: id, regionId: 'cn-hangzhou' }),
    );
  }
  const answer = await eventually('kubectl logs explains', async () => {
    const r = await kubectlLogs('finished');
    return !r.ok && r.out.includes('no longer exists') ? r.out : undefined;
  });
  assert.equal(
    answer.trim(),
    `Error from server (BadRequest): container group ${id} of pod ${ns}/finished no longer exists in ECI; its logs are gone`,
  );
});
