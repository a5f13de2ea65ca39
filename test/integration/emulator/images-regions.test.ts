// Image caches (async states), DescribeRegions and the retired template actions.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { $Eci, apiError, startTestEmulator, waitFor, type TestEmulator } from './sdk.ts';
import { callAction, genericClient } from './callapi.ts';

let t: TestEmulator;
before(async () => {
  t = await startTestEmulator({ timing: { imageCacheMs: 300 } });
});
after(async () => {
  await t.emu.close();
});

function createCache(name: string, images: string[]) {
  return t.client.createImageCache(
    new $Eci.CreateImageCacheRequest({
      regionId: 'cn-hangzhou',
      imageCacheName: name,
      image: images,
      securityGroupId: 'sg-emu',
      vSwitchId: 'vsw-emu-h',
      imageCacheSize: 20,
      clientToken: `token-${name}`,
    }),
  );
}

async function cache(id: string) {
  const r = await t.client.describeImageCaches(
    new $Eci.DescribeImageCachesRequest({ regionId: 'cn-hangzhou', imageCacheId: id }),
  );
  return r.body?.imageCaches?.[0];
}

describe('image caches', () => {
  test('Preparing/Creating → Ready, filters, idempotent create, delete', async () => {
    const { body } = await createCache('web-cache', ['nginx:1.25', 'busybox:1.36']);
    const id = body?.imageCacheId ?? '';
    assert.match(id, /^imc-/);
    assert.match(body?.containerGroupId ?? '', /^eci-/);
    const early = await cache(id);
    assert.ok(['Preparing', 'Creating'].includes(early?.status ?? ''), early?.status);
    const ready = await waitFor(async () => {
      const c = await cache(id);
      return c?.status === 'Ready' ? c : undefined;
    });
    assert.equal(ready.progress, '100%');
    assert.deepEqual(ready.images, ['nginx:1.25', 'busybox:1.36']);
    assert.notEqual(ready.snapshotId, '');
    const again = await createCache('web-cache', ['nginx:1.25', 'busybox:1.36']);
    assert.equal(again.body?.imageCacheId, id, 'same ClientToken, same parameters');
    const byImage = await t.client.describeImageCaches(
      new $Eci.DescribeImageCachesRequest({ image: 'busybox:1.36' }),
    );
    assert.deepEqual(
      byImage.body?.imageCaches?.map((c) => c.imageCacheId),
      [id],
    );
    const none = await t.client.describeImageCaches(
      new $Eci.DescribeImageCachesRequest({ image: 'redis:7' }),
    );
    assert.equal(none.body?.totalCount, 0);
    await t.client.deleteImageCache(new $Eci.DeleteImageCacheRequest({ imageCacheId: id }));
    assert.equal(await cache(id), undefined);
    const e = await apiError(
      t.client.deleteImageCache(new $Eci.DeleteImageCacheRequest({ imageCacheId: id })),
    );
    assert.deepEqual([e.code, e.statusCode], ['InvalidImageCache.NotFound', 404]);
  });

  test('an image that does not exist makes the cache Failed; a bad name is InvalidParameter', async () => {
    const { body } = await createCache('bad-cache', ['example.com/does-not-exist:1']);
    const c = await cache(body?.imageCacheId ?? '');
    assert.equal(c?.status, 'Failed');
    assert.equal(c?.events?.[0]?.type, 'Warning');
    const e = await apiError(createCache('Bad_Name', ['nginx']));
    assert.equal(e.code, 'InvalidParameter');
  });
});

describe('regions and retired actions', () => {
  test('DescribeRegions lists the configured region and zones', async () => {
    const r = await t.client.describeRegions(new $Eci.DescribeRegionsRequest({}));
    const region = r.body?.regions?.[0];
    assert.equal(region?.regionId, 'cn-hangzhou');
    assert.equal(region?.regionEndpoint, 'eci.cn-hangzhou.aliyuncs.com');
    assert.deepEqual(region?.zones, ['cn-hangzhou-h', 'cn-hangzhou-i']);
  });

  test('the template actions answer like a retired action', async () => {
    const client = genericClient(t.emu.endpoint);
    for (const action of [
      'CreateContainerGroupFromTemplate',
      'UpdateContainerGroupByTemplate',
      'ExportContainerGroupTemplate',
    ]) {
      const e = await apiError(callAction(client, '2018-08-08', action, { RegionId: 'cn-hangzhou' }));
      assert.deepEqual([e.code, e.statusCode], ['InvalidAction.NotFound', 404], action);
    }
    const unknown = await apiError(callAction(client, '2018-08-08', 'NoSuchAction'));
    assert.equal(unknown.code, 'InvalidAction.NotFound');
  });
});
