// Content refresh on the real control plane: a ConfigMap edit reaches the running group's
// volume within the refresh interval (not a subPath mount), written in place; the projected
// service-account token is renewed before it expires (lifetime fraction shortened); a label
// change reaches a downward API volume.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { createNamespace, deleteNamespace, eventually } from '../helpers.ts';
import { eciPod, startStack, type Stack } from '../reconciler/stack.ts';
import { TAG_KEYS } from '../../../reconciler/ownership.ts';
import { jwtTimes } from '../../../reconciler/update/refresh.ts';

const run = promisify(execFile);
let stack: Stack;
let ns: string;

before(async () => {
  // A check every second; a token is renewed once 0.1 % of its 3607 s have passed (3.6 s).
  stack = await startStack({
    extraFlags: ['--content-refresh-interval-ms', '1000', '--token-refresh-fraction', '0.001'],
  });
  await stack.startReconciler();
  ns = await createNamespace(stack.cp.kubeConfig, 'eci-refresh');
});

after(async () => {
  if (ns) await deleteNamespace(stack.cp.kubeConfig, ns);
  await stack?.stop();
});

type Files = Record<string, string>;

/** Volume name → path → decoded content, as the emulator stores the group's request. */
async function groupVolumes(
  podName: string,
): Promise<{ volumes: Record<string, Files>; status: string | undefined }> {
  const all = await stack.admin.containerGroups({ reveal: 'secrets' });
  const g = all.find(
    (x) =>
      x.tags.some((t) => t.Key === TAG_KEYS.podName && t.Value === podName) &&
      x.tags.some((t) => t.Key === TAG_KEYS.namespace && t.Value === ns),
  );
  const volumes: Record<string, Files> = {};
  const list = (g?.request.Volume ?? []) as {
    Name: string;
    ConfigFileVolume?: { ConfigFileToPath?: { Path: string; Content: string }[] };
  }[];
  for (const v of list) {
    volumes[v.Name] = Object.fromEntries(
      (v.ConfigFileVolume?.ConfigFileToPath ?? []).map((f) => [
        f.Path,
        Buffer.from(f.Content, 'base64').toString('utf8'),
      ]),
    );
  }
  return { volumes, status: g?.status };
}

describe('content refresh', () => {
  test('a ConfigMap edit reaches the group in place; a subPath mount keeps its copy; the token is renewed before expiry', async () => {
    await stack.core.createNamespacedConfigMap({
      namespace: ns,
      body: { metadata: { name: 'settings' }, data: { mode: 'blue' } },
    });
    const body = eciPod(stack, 'reader', { command: ['sh', '-c', 'sleep 3600'] });
    body.spec!.volumes = [
      { name: 'settings', configMap: { name: 'settings' } },
      { name: 'pinned', configMap: { name: 'settings' } },
      {
        name: 'podinfo',
        downwardAPI: { items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }] },
      },
    ];
    body.spec!.containers[0]!.volumeMounts = [
      { name: 'settings', mountPath: '/etc/settings' },
      { name: 'pinned', mountPath: '/etc/pinned/mode', subPath: 'mode' },
      { name: 'podinfo', mountPath: '/etc/podinfo' },
    ];
    await stack.core.createNamespacedPod({ namespace: ns, body });
    await eventually('reader Running', async () => {
      const p = await stack.core.readNamespacedPod({ name: 'reader', namespace: ns });
      return p.status?.phase === 'Running';
    });
    const first = await groupVolumes('reader');
    assert.equal(first.volumes.settings?.mode, 'blue');
    const tokenVolume = Object.keys(first.volumes).find((n) => n.startsWith('kube-api-access-'));
    assert.ok(tokenVolume, 'the API server projected a service-account token volume');
    const firstToken = jwtTimes(Buffer.from(first.volumes[tokenVolume]!.token ?? '').toString('base64'));
    assert.ok(firstToken, 'the group holds a JWT');

    await stack.core.patchNamespacedConfigMap(
      { name: 'settings', namespace: ns, body: { data: { mode: 'green' } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    const after = await eventually('the edit reaches the group', async () => {
      const g = await groupVolumes('reader');
      return g.volumes.settings?.mode === 'green' ? g : undefined;
    });
    assert.equal(after.volumes.pinned?.mode, 'blue', 'a volume mounted only with subPath is not refreshed');
    const pod = await stack.core.readNamespacedPod({ name: 'reader', namespace: ns });
    assert.equal(pod.status?.phase, 'Running');
    assert.equal(
      pod.status?.containerStatuses?.[0]?.restartCount,
      0,
      'new contents are written without a restart',
    );

    const renewed = await eventually('a new token before the old one expires', async () => {
      const g = await groupVolumes('reader');
      const t = jwtTimes(Buffer.from(g.volumes[tokenVolume]?.token ?? '').toString('base64'));
      return t && t.iat > firstToken.iat ? t : undefined;
    });
    assert.ok(renewed.iat * 1000 < firstToken.exp * 1000, 'renewed while the first token was still valid');

    // A label change reaches the downward API file, as on a kubelet.
    await stack.core.patchNamespacedPod(
      { name: 'reader', namespace: ns, body: { metadata: { labels: { tier: 'gold' } } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    await eventually('the new label in the downward API volume', async () => {
      const g = await groupVolumes('reader');
      return g.volumes.podinfo?.labels?.includes('tier="gold"');
    });

    const events = await stack.core.listNamespacedEvent({
      namespace: ns,
      fieldSelector: 'involvedObject.name=reader,reason=VolumesRefreshed',
    });
    assert.ok(events.items.some((e) => /settings/.test(e.message ?? '')));
    const metrics = await (await fetch(`${stack.reconciler!.healthUrl}/metrics`)).text();
    assert.match(metrics, /reconciler_content_refreshes_total\{reason="content",result="ok"[^}]*\} [1-9]/);
    assert.match(metrics, /reconciler_content_refreshes_total\{reason="token",result="ok"[^}]*\} [1-9]/);
  });
  test('a resize never reaches the group: the API server refuses it for the virtual node', async () => {
    await stack.core.createNamespacedPod({
      namespace: ns,
      body: eciPod(stack, 'sized', { command: ['sh', '-c', 'sleep 3600'] }),
    });
    await eventually('sized Running', async () => {
      const p = await stack.core.readNamespacedPod({ name: 'sized', namespace: ns });
      return p.status?.phase === 'Running';
    });
    const refused = await run(stack.cp.kubectlPath, [
      '--kubeconfig',
      stack.cp.kubeconfigPath,
      '-n',
      ns,
      'patch',
      'pod',
      'sized',
      '--subresource',
      'resize',
      '-p',
      '{"spec":{"containers":[{"name":"main","resources":{"requests":{"cpu":"500m"}}}]}}',
    ]).then(
      () => '',
      (err: { stderr?: string }) => err.stderr ?? '',
    );
    assert.match(refused, /Pod running on node without support for resize/);
    const groups = await stack.admin.containerGroups();
    const sized = groups.find((g) => g.tags.some((t) => t.Key === TAG_KEYS.podName && t.Value === 'sized'));
    assert.equal(sized?.request.Container[0]?.Cpu, 0.25);
  });
});
