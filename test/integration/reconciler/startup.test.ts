// Start-up checks of the real program: a missing credential or vSwitch stops it with one
// clear line; credentials are read from the Secret and re-read when it changes.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createNamespace, deleteNamespace, eventually } from '../helpers.ts';
import { eciPod, startStack, type Stack } from './stack.ts';

let stack: Stack;
const suffix = randomBytes(3).toString('hex');

before(async () => {
  stack = await startStack();
});

after(async () => {
  await stack?.stop();
});

function runMain(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, ['reconciler/main.ts', '--health-address', '127.0.0.1:0', ...args], {
    encoding: 'utf8',
    timeout: 60_000,
    env: {
      PATH: process.env.PATH ?? '',
      KUBECONFIG: stack.cp.kubeconfigPath,
      LOG_LEVEL: 'silent',
      ...env,
    },
  });
  return { status: r.status, stderr: r.stderr.trim() };
}

const common = () => [
  '--node-name',
  `${stack.nodeName}-startup`,
  '--credentials-secret',
  `kube-system/none-${suffix}`,
  '--profile-configmap',
  `kube-system/none-${suffix}`,
  '--eci-endpoint',
  stack.emu.url,
];

test('no credentials anywhere: exits 1 with one line naming the Secret and the variables', () => {
  const r = runMain([...common(), '--vswitch-ids', 'vsw-emu-h', '--security-group-id', 'sg-emu']);
  assert.equal(r.status, 1);
  assert.equal(r.stderr.split('\n').length, 1, r.stderr);
  assert.match(
    r.stderr,
    /no ECI credentials: create Secret kube-system\/none-\w+ .*ALIBABA_CLOUD_ACCESS_KEY_ID/,
  );
});

test('no vSwitch: exits 1 with one line naming the profile key and the flag', () => {
  const r = runMain([...common(), '--security-group-id', 'sg-emu'], {
    ALIBABA_CLOUD_ACCESS_KEY_ID: 'emulator-access-key-id',
    ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'emulator-access-key-secret',
  });
  assert.equal(r.status, 1);
  assert.equal(r.stderr.split('\n').length, 1, r.stderr);
  assert.match(r.stderr, /no vSwitch: set vSwitchIds in ConfigMap .* or --vswitch-ids/);
});

test('a bad flag: exits 2 naming the flag', () => {
  const r = runMain(['--nodes', 'many']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--nodes/);
});

test('credentials from the Secret, re-read when it changes', async () => {
  const secretName = `eci-creds-${suffix}`;
  const body = (id: string, secret: string) => ({
    metadata: { name: secretName },
    stringData: { 'access-key-id': id, 'access-key-secret': secret },
  });
  await stack.core.createNamespacedSecret({
    namespace: 'kube-system',
    body: body('wrong-id', 'wrong-secret'),
  });
  const ns = await createNamespace(stack.cp.kubeConfig, 'eci-creds');
  try {
    await stack.startReconciler(['--credentials-secret', `kube-system/${secretName}`]);
    await stack.core.createNamespacedPod({ namespace: ns, body: eciPod(stack, 'creds') });
    // Wrong credentials: nothing can be listed or created; the pod waits, readiness says so.
    await new Promise((r) => setTimeout(r, 3000));
    assert.equal(
      (await stack.core.readNamespacedPod({ name: 'creds', namespace: ns })).status?.phase,
      'Pending',
    );
    const ready = await fetch(`${stack.reconciler!.healthUrl}/readyz`);
    assert.equal(ready.status, 503);
    const warning = await eventually('ProviderUnavailable event on the waiting pod', async () => {
      const list = await stack.core.listNamespacedEvent({
        namespace: ns,
        fieldSelector: 'involvedObject.name=creds',
      });
      return list.items.find((e) => e.reason === 'ProviderUnavailable');
    });
    assert.match(warning.message ?? '', /InvalidAccessKeyId\.NotFound/);
    await stack.core.replaceNamespacedSecret({
      name: secretName,
      namespace: 'kube-system',
      body: body('emulator-access-key-id', 'emulator-access-key-secret'),
    });
    await eventually(
      'pod Running with the rotated credentials',
      async () =>
        (await stack.core.readNamespacedPod({ name: 'creds', namespace: ns })).status?.phase === 'Running',
      90_000,
    );
  } finally {
    await stack.stopReconciler();
    await stack.core.deleteNamespacedSecret({ name: secretName, namespace: 'kube-system' }).catch(() => {});
    await deleteNamespace(stack.cp.kubeConfig, ns);
  }
});

test('credentials Secret deleted and created again: the new one is used (issue 10 item 10)', async () => {
  const secretName = `eci-creds-recreated-${suffix}`;
  const body = (id: string, secret: string) => ({
    metadata: { name: secretName },
    stringData: { 'access-key-id': id, 'access-key-secret': secret },
  });
  await stack.core.createNamespacedSecret({
    namespace: 'kube-system',
    body: body('wrong-id', 'wrong-secret'),
  });
  const ns = await createNamespace(stack.cp.kubeConfig, 'eci-creds2');
  try {
    await stack.startReconciler(['--credentials-secret', `kube-system/${secretName}`]);
    await stack.core.createNamespacedPod({ namespace: ns, body: eciPod(stack, 'recreated') });
    await eventually('ProviderUnavailable event on the waiting pod', async () => {
      const list = await stack.core.listNamespacedEvent({
        namespace: ns,
        fieldSelector: 'involvedObject.name=recreated',
      });
      return list.items.find((e) => e.reason === 'ProviderUnavailable');
    });
    await stack.core.deleteNamespacedSecret({ name: secretName, namespace: 'kube-system' });
    await stack.core.createNamespacedSecret({
      namespace: 'kube-system',
      body: body('emulator-access-key-id', 'emulator-access-key-secret'),
    });
    await eventually(
      'pod Running with the re-created Secret',
      async () =>
        (await stack.core.readNamespacedPod({ name: 'recreated', namespace: ns })).status?.phase ===
        'Running',
      90_000,
    );
  } finally {
    await stack.stopReconciler();
    await stack.core.deleteNamespacedSecret({ name: secretName, namespace: 'kube-system' }).catch(() => {});
    await deleteNamespace(stack.cp.kubeConfig, ns);
  }
});
