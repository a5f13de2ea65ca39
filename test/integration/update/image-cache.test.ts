// ImageCache objects on the real control plane: the CRD from deploy/crds, the reconciler's
// controller, the emulator's image caches; pods that use a cache carry its id.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { CustomObjectsApi } from '@kubernetes/client-node';
import { createNamespace, deleteNamespace, eventually, uniqueName } from '../helpers.ts';
import { eciPod, startStack, type Stack } from '../reconciler/stack.ts';
import { eciClient, $Eci } from '../emulator/sdk.ts';
import type { ImageCacheObject } from '../../../reconciler/imagecache/resource.ts';

const run = promisify(execFile);
const CRD = 'deploy/crds/imagecaches.eci.alibabacloud.com.yaml';
const API = { group: 'eci.alibabacloud.com', version: 'v1', plural: 'imagecaches' };

let stack: Stack;
let ns: string;
let custom: CustomObjectsApi;

function kubectl(...args: string[]) {
  return run(stack.cp.kubectlPath, ['--kubeconfig', stack.cp.kubeconfigPath, ...args]);
}

before(async () => {
  stack = await startStack();
  await kubectl('apply', '-f', CRD);
  await kubectl(
    'wait',
    '--for',
    'condition=established',
    'crd/imagecaches.eci.alibabacloud.com',
    '--timeout=60s',
  );
  await stack.startReconciler();
  ns = await createNamespace(stack.cp.kubeConfig, 'eci-imc');
  custom = stack.cp.kubeConfig.makeApiClient(CustomObjectsApi);
});

after(async () => {
  if (ns) await deleteNamespace(stack.cp.kubeConfig, ns);
  await stack?.stop();
});

/** An ImageCache this test's reconciler (its cluster id) handles, not another test file's. */
async function createCache(name: string, images: string[]): Promise<void> {
  await custom.createClusterCustomObject({
    ...API,
    body: {
      apiVersion: 'eci.alibabacloud.com/v1',
      kind: 'ImageCache',
      metadata: { name, annotations: { 'eci-virtual-node/cluster-id': stack.clusterId } },
      spec: { images, imageCacheSize: 25, retentionDays: 7 },
    },
  });
}

async function readCache(name: string): Promise<ImageCacheObject | undefined> {
  try {
    return (await custom.getClusterCustomObject({ ...API, name })) as ImageCacheObject;
  } catch (err) {
    if ((err as { code?: number }).code === 404) return undefined;
    throw err;
  }
}

async function emulatorCaches(): Promise<string[]> {
  const { body } = await eciClient(stack.emu.endpoint).describeImageCaches(
    new $Eci.DescribeImageCachesRequest({ regionId: 'cn-hangzhou', limit: 100 }),
  );
  return (body?.imageCaches ?? []).map((c) => c.imageCacheId ?? '');
}

describe('ImageCache resources', () => {
  test('an ImageCache goes Ready, pods using it carry its id, and deleting it removes the cache', async () => {
    const name = uniqueName('web-cache');
    await createCache(name, ['nginx:1.27']);
    const ready = await eventually('ImageCache Ready', async () => {
      const c = await readCache(name);
      return c?.status?.phase === 'Ready' ? c : undefined;
    });
    const id = ready.status?.imageCacheId ?? '';
    assert.match(id, /^imc-/);
    assert.equal(ready.status?.progress, '100%');
    assert.ok(ready.status?.startTime && ready.status.lastUpdatedTime);
    assert.ok(ready.metadata?.finalizers?.includes('eci-virtual-node/image-cache'));
    assert.ok((await emulatorCaches()).includes(id));
    assert.equal(await stack.admin.callCount('CreateImageCache'), 1);

    // A pod naming the cache, and one asking ECI to pick one: both carry the matched id.
    await stack.core.createNamespacedPod({
      namespace: ns,
      body: eciPod(stack, 'named', { annotations: { 'k8s.aliyun.com/eci-image-snapshot-id': id } }),
    });
    await stack.core.createNamespacedPod({
      namespace: ns,
      body: eciPod(stack, 'auto', { annotations: { 'k8s.aliyun.com/eci-auto-imc': 'true' } }),
    });
    for (const pod of ['named', 'auto']) {
      await eventually(`${pod} annotated with the matched cache`, async () => {
        const p = await stack.core.readNamespacedPod({ name: pod, namespace: ns });
        return p.metadata?.annotations?.['k8s.aliyun.com/eci-matched-image-cache'] === id;
      });
    }

    await kubectl('delete', 'imagecache', name, '--wait=false');
    await eventually('ImageCache object gone', async () => (await readCache(name)) === undefined);
    assert.ok(!(await emulatorCaches()).includes(id), 'DeleteImageCache removed the ECI cache');
  });

  test('an image that cannot be pulled: phase Failed with ECI’s reason', async () => {
    const name = uniqueName('bad-cache');
    await createCache(name, ['registry.example.com/does-not-exist:1']);
    const failed = await eventually('ImageCache Failed', async () => {
      const c = await readCache(name);
      return c?.status?.phase === 'Failed' ? c : undefined;
    });
    assert.match(failed.status?.message ?? '', /does-not-exist/);
    assert.ok(failed.status?.events?.some((e) => e.type === 'Warning'));
    await kubectl('delete', 'imagecache', name);
  });

  test('an ImageCache another install handles (other cluster id) is left alone', async () => {
    const name = uniqueName('foreign-cache');
    await custom.createClusterCustomObject({
      ...API,
      body: {
        apiVersion: 'eci.alibabacloud.com/v1',
        kind: 'ImageCache',
        metadata: { name, annotations: { 'eci-virtual-node/cluster-id': 'someone-else' } },
        spec: { images: ['nginx:1.27'] },
      },
    });
    // The controller has seen it once the next object it handles is Ready: by then it would have acted.
    const probe = uniqueName('probe-cache');
    await createCache(probe, ['busybox:1.37']);
    await eventually('probe Ready', async () => (await readCache(probe))?.status?.phase === 'Ready');
    const foreign = await readCache(name);
    assert.equal(foreign?.status, undefined);
    assert.equal(foreign?.metadata?.finalizers, undefined);
    await kubectl('delete', 'imagecache', name, probe);
  });
});
