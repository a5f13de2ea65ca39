import { test } from 'node:test';
import assert from 'node:assert/strict';
import { $Eci, Eci, listedGroup, type EciGroup } from '../../../../reconciler/provider/eci-client.ts';

const sdkGroup = (id: string): EciGroup =>
  new $Eci.DescribeContainerGroupsResponseBodyContainerGroups({
    containerGroupId: id,
    status: 'Running',
    intranetIp: '10.0.0.1',
    tags: [{ key: 'eci-virtual-node/pod-uid', value: `uid-${id}` }],
    containers: [
      {
        name: 'main',
        image: 'nginx',
        ready: true,
        restartCount: 0,
        environmentVars: [{ key: 'BIG', value: 'x'.repeat(2048) }],
        volumeMounts: [{ name: 'v', mountPath: '/data' }],
        ports: [{ port: 80, protocol: 'TCP' }],
      },
    ],
    volumes: [{ name: 'v', type: 'EmptyDirVolume' }],
  });

function eciWithPages(pages: EciGroup[][]) {
  const requested: (string | undefined)[] = [];
  const eci = new Eci({
    endpoint: '127.0.0.1:1',
    protocol: 'http',
    regionId: 'cn-hangzhou',
    credentials: { accessKeyId: 'id', accessKeySecret: 'secret' },
  });
  eci.describeContainerGroups = async (filter) => {
    requested.push(filter.nextToken);
    const i = Number(filter.nextToken ?? 0);
    return { groups: pages[i]!, nextToken: i + 1 < pages.length ? String(i + 1) : undefined };
  };
  return { eci, requested };
}

test('a listed group keeps what the listing readers use and drops the rest of the description', () => {
  const g = listedGroup(sdkGroup('eci-1'));
  assert.equal(g.containerGroupId, 'eci-1');
  assert.equal(g.status, 'Running');
  assert.equal(g.intranetIp, '10.0.0.1');
  assert.deepEqual(
    g.tags?.map((t) => [t.key, t.value]),
    [['eci-virtual-node/pod-uid', 'uid-eci-1']],
  );
  assert.equal(g.containers?.[0]?.name, 'main');
  assert.equal(g.containers?.[0]?.ready, true);
  assert.equal(g.containers?.[0]?.environmentVars, undefined);
  assert.equal(g.containers?.[0]?.volumeMounts, undefined);
  assert.equal(g.volumes, undefined, 'only ConfigFile volumes are kept');
  assert.ok(JSON.stringify(g).length < 400, JSON.stringify(g));
});

test('pages are handed on one at a time: the next page is asked for only after the first was taken', async () => {
  const { eci, requested } = eciWithPages([[sdkGroup('a'), sdkGroup('b')], [sdkGroup('c')], [sdkGroup('d')]]);
  const seen: string[][] = [];
  for await (const page of eci.containerGroupPages([], 2)) {
    seen.push(page.map((g) => g.containerGroupId!));
    assert.equal(requested.length, seen.length, 'no page is fetched ahead');
    assert.equal(page[0]?.containers?.[0]?.environmentVars, undefined);
  }
  assert.deepEqual(seen, [['a', 'b'], ['c'], ['d']]);
  assert.deepEqual(requested, [undefined, '1', '2']);
  const all = await eci.listContainerGroups([], 2);
  assert.deepEqual(
    all.map((g) => g.containerGroupId),
    ['a', 'b', 'c', 'd'],
  );
});
