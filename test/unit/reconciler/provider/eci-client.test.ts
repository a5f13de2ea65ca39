import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { $Eci, Eci, listedGroup, type EciGroup } from '../../../../reconciler/provider/eci-client.ts';
import { translatePod } from '../../../../reconciler/translate.ts';

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

/** A loopback OpenAPI endpoint that records each request's parameters, as signed and sent, and answers `answer`. */
async function recordingServer(answer: object = { RequestId: 'r-1' }) {
  const seen: URLSearchParams[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      const params = new URL(req.url ?? '/', 'http://x').searchParams;
      for (const [k, v] of new URLSearchParams(body)) params.set(k, v);
      params.set('x-acs-action', String(req.headers['x-acs-action']));
      params.set('x-acs-version', String(req.headers['x-acs-version']));
      params.set('authorization', String(req.headers.authorization ?? ''));
      seen.push(params);
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(answer));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { seen, server, endpoint: `127.0.0.1:${(server.address() as AddressInfo).port}` };
}

test("a forced delete carries ECI's Force=true on the wire; a plain one carries no Force", async () => {
  const { seen, server } = await recordingServer();
  try {
    const calls: string[] = [];
    const eci = new Eci({
      endpoint: `127.0.0.1:${(server.address() as AddressInfo).port}`,
      protocol: 'http',
      regionId: 'cn-hangzhou',
      credentials: { accessKeyId: 'id', accessKeySecret: 'secret' },
      onCall: (action, outcome) => calls.push(`${action}:${outcome}`),
    });
    await eci.deleteContainerGroup('eci-1', { force: true });
    await eci.deleteContainerGroup('eci-2');
    const [forced, plain] = seen;
    assert.equal(forced?.get('x-acs-action'), 'DeleteContainerGroup');
    assert.equal(forced?.get('x-acs-version'), '2018-08-08');
    assert.equal(forced?.get('ContainerGroupId'), 'eci-1');
    assert.equal(forced?.get('RegionId'), 'cn-hangzhou');
    assert.equal(forced?.get('Force'), 'true');
    assert.match(forced?.get('authorization') ?? '', /Signature=/, 'signed like every SDK call');
    assert.equal(plain?.get('ContainerGroupId'), 'eci-2');
    assert.equal(plain?.has('Force'), false);
    assert.deepEqual(
      calls,
      ['DeleteContainerGroup:ok', 'DeleteContainerGroup:ok'],
      'both counted as the same action',
    );
  } finally {
    server.close();
  }
});

test("a privileged container carries ECI's Container.N.SecurityContextPrivileged on the signed wire request; others none", async () => {
  const { seen, server, endpoint } = await recordingServer({ RequestId: 'r-2', ContainerGroupId: 'eci-new' });
  try {
    const calls: string[] = [];
    const eci = new Eci({
      endpoint,
      protocol: 'http',
      regionId: 'cn-hangzhou',
      credentials: { accessKeyId: 'id', accessKeySecret: 'secret' },
      onCall: (action, outcome) => calls.push(`${action}:${outcome}`),
    });
    const translated = translatePod({
      pod: {
        metadata: { name: 'p', namespace: 'ns', uid: 'u' },
        spec: {
          initContainers: [{ name: 'setup', image: 'busybox' }],
          containers: [
            { name: 'plain', image: 'busybox', securityContext: { runAsGroup: 3000 } },
            { name: 'priv', image: 'busybox', securityContext: { privileged: true } },
          ],
        },
      },
      defaults: { regionId: 'cn-hangzhou', vSwitchIds: ['vsw-1'], securityGroupId: 'sg-1' },
    });
    assert.ok(translated.ok);
    const created = await eci.createContainerGroup(translated.request);
    assert.deepEqual(created, { containerGroupId: 'eci-new', requestId: 'r-2' });
    await eci.createContainerGroup(
      new $Eci.CreateContainerGroupRequest({
        containerGroupName: 'sdk-model',
        container: [new $Eci.CreateContainerGroupRequestContainer({ name: 'c', image: 'busybox' })],
      }),
    );
    const [privileged, plain] = seen;
    assert.equal(privileged?.get('x-acs-action'), 'CreateContainerGroup');
    assert.equal(privileged?.get('x-acs-version'), '2018-08-08');
    assert.match(privileged?.get('authorization') ?? '', /Signature=/, 'signed like every SDK call');
    assert.equal(privileged?.get('RegionId'), 'cn-hangzhou');
    assert.equal(privileged?.get('ContainerGroupName'), translated.request.containerGroupName);
    assert.equal(privileged?.get('Container.1.Name'), 'plain');
    assert.equal(privileged?.has('Container.1.SecurityContextPrivileged'), false);
    assert.equal(privileged?.get('Container.1.SecurityContextRunAsGroup'), '3000', 'the SDK fields still go');
    assert.equal(privileged?.get('Container.2.Name'), 'priv');
    assert.equal(privileged?.get('Container.2.SecurityContextPrivileged'), 'true');
    assert.equal(privileged?.get('InitContainer.1.Name'), 'setup');
    assert.equal(
      [...(privileged?.keys() ?? [])].filter((k) => k.includes('Privileged')).length,
      1,
      'no other container carries the field',
    );
    assert.equal(plain?.get('ContainerGroupName'), 'sdk-model');
    assert.equal(plain?.get('Container.1.Name'), 'c');
    assert.equal(plain?.get('RegionId'), 'cn-hangzhou');
    assert.equal(
      [...(plain?.keys() ?? [])].some((k) => k.includes('Privileged')),
      false,
    );
    assert.deepEqual(calls, ['CreateContainerGroup:ok', 'CreateContainerGroup:ok']);
  } finally {
    server.close();
  }
});

test('a create answer without a ContainerGroupId is an error, not an empty id', async () => {
  const { server, endpoint } = await recordingServer({ RequestId: 'r-3' });
  try {
    const eci = new Eci({
      endpoint,
      protocol: 'http',
      regionId: 'cn-hangzhou',
      credentials: { accessKeyId: 'id', accessKeySecret: 'secret' },
    });
    await assert.rejects(
      eci.createContainerGroup(new $Eci.CreateContainerGroupRequest({ containerGroupName: 'x' })),
      /answered without a ContainerGroupId/,
    );
  } finally {
    server.close();
  }
});
