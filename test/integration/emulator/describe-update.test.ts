// DescribeContainerGroups filters and paging, DescribeContainerGroupStatus and
// DescribeContainerGroupEvents, RestartContainerGroup and UpdateContainerGroup.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  $Eci,
  apiError,
  container,
  createRequest,
  describeOne,
  startTestEmulator,
  waitFor,
  waitForStatus,
  type TestEmulator,
} from './sdk.ts';

let t: TestEmulator;
const ids: string[] = [];
before(async () => {
  t = await startTestEmulator();
  for (let i = 0; i < 25; i++) {
    const { body } = await t.client.createContainerGroup(
      createRequest(`page-${i}`, [container('c')], {
        vSwitchId: i % 5 === 0 ? 'vsw-emu-i' : 'vsw-emu-h',
        tag: [
          new $Eci.CreateContainerGroupRequestTag({ key: 'suite', value: 'describe' }),
          new $Eci.CreateContainerGroupRequestTag({ key: 'parity', value: i % 2 === 0 ? 'even' : 'odd' }),
        ],
      }),
    );
    ids.push(body?.containerGroupId ?? '');
  }
});
after(async () => {
  await t.emu.close();
});

function list(extra: Partial<ConstructorParameters<typeof $Eci.DescribeContainerGroupsRequest>[0]> = {}) {
  return t.client
    .describeContainerGroups(new $Eci.DescribeContainerGroupsRequest({ regionId: 'cn-hangzhou', ...extra }))
    .then((r) => r.body);
}

describe('DescribeContainerGroups', () => {
  test('pages with Limit/NextToken through every group exactly once (newest first)', async () => {
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const b = await list({ limit: 10, nextToken: token });
      assert.equal(b?.totalCount, 25);
      seen.push(...(b?.containerGroups ?? []).map((g) => g.containerGroupId ?? ''));
      token = b?.nextToken || undefined;
      pages++;
    } while (token);
    assert.equal(pages, 3);
    assert.deepEqual([...seen].sort(), [...ids].sort());
    assert.equal(seen[0], ids[24]);
    const clamped = await list({ limit: 100 });
    assert.equal(clamped?.containerGroups?.length, 20, 'Limit is capped at 20');
  });

  test('filters: ids, name, tags, vSwitch, zone, status; WithEvent', async () => {
    const byIds = await list({ containerGroupIds: JSON.stringify([ids[3], ids[7], 'eci-unknown']) });
    assert.deepEqual(byIds?.containerGroups?.map((g) => g.containerGroupId).sort(), [ids[3], ids[7]].sort());
    const byName = await list({ containerGroupName: 'page-4' });
    assert.deepEqual(
      byName?.containerGroups?.map((g) => g.containerGroupId),
      [ids[4]],
    );
    const odd = await list({
      tag: [new $Eci.DescribeContainerGroupsRequestTag({ key: 'parity', value: 'odd' })],
    });
    assert.equal(odd?.totalCount, 12);
    const byVsw = await list({ vSwitchId: 'vsw-emu-i' });
    assert.equal(byVsw?.totalCount, 5);
    const byZone = await list({ zoneId: 'cn-hangzhou-h' });
    assert.equal(byZone?.totalCount, 20);
    await waitForStatus(t.client, ids[0] ?? '', 'Running');
    const running = await list({ status: 'Running', limit: 20 });
    assert.ok((running?.containerGroups ?? []).every((g) => g.status === 'Running'));
    const noEvents = await list({ containerGroupIds: JSON.stringify([ids[0]]), withEvent: false });
    assert.deepEqual(noEvents?.containerGroups?.[0]?.events, []);
    const tooMany = await apiError(
      list({ containerGroupIds: JSON.stringify(Array.from({ length: 21 }, (_, i) => `eci-${i}`)) }),
    );
    assert.equal(tooMany.code, 'InvalidParameter');
    const notJson = await apiError(list({ containerGroupIds: 'eci-1,eci-2' }));
    assert.match(notJson.message, /ContainerGroupIds/);
  });
});

describe('DescribeContainerGroupStatus and DescribeContainerGroupEvents', () => {
  test('status pages and filters by tag', async () => {
    await waitForStatus(t.client, ids[24] ?? '', 'Running');
    const tagged = await t.client.describeContainerGroupStatus(
      new $Eci.DescribeContainerGroupStatusRequest({
        tag: [new $Eci.DescribeContainerGroupStatusRequestTag({ key: 'parity', value: 'even' })],
        limit: 5,
      }),
    );
    assert.equal(tagged.body?.totalCount, 13);
    assert.equal(tagged.body?.data?.length, 5);
    assert.notEqual(tagged.body?.nextToken, '');
  });

  test('SinceSecond returns only groups whose status changed in the window (manual clock)', async () => {
    let now = Date.now();
    const m = await startTestEmulator({ now: () => now });
    try {
      const old = await m.client.createContainerGroup(createRequest('old', [container('c')]));
      now += 10_000; // old: Scheduling → Pending → Running, last change at +80 ms
      const fresh = await m.client.createContainerGroup(createRequest('fresh', [container('c')]));
      now += 1000; // fresh: Running at +10.08 s
      const since = async (s: number) =>
        (
          await m.client.describeContainerGroupStatus(
            new $Eci.DescribeContainerGroupStatusRequest({ sinceSecond: s }),
          )
        ).body?.data
          ?.map((d) => d.containerGroupId)
          .sort();
      assert.deepEqual(await since(5), [fresh.body?.containerGroupId]);
      assert.deepEqual(await since(20), [old.body?.containerGroupId, fresh.body?.containerGroupId].sort());
    } finally {
      await m.emu.close();
    }
  });

  test('events carry the involved object and honour SinceSecond', async () => {
    const r = await t.client.describeContainerGroupEvents(
      new $Eci.DescribeContainerGroupEventsRequest({ containerGroupIds: JSON.stringify([ids[0]]) }),
    );
    const d = r.body?.data?.[0];
    assert.equal(d?.containerGroupId, ids[0]);
    const reasons = (d?.events ?? []).map((e) => e.reason);
    assert.ok(reasons.includes('Scheduled') && reasons.includes('Started'), reasons.join(','));
    const started = d?.events?.find((e) => e.reason === 'Started');
    assert.equal(started?.involvedObject?.kind, 'Container');
    assert.equal(started?.involvedObject?.name, 'c');
    await new Promise((r2) => setTimeout(r2, 1100));
    const none = await t.client.describeContainerGroupEvents(
      new $Eci.DescribeContainerGroupEventsRequest({
        containerGroupIds: JSON.stringify([ids[0]]),
        sinceSecond: 1,
      }),
    );
    assert.equal(none.body?.totalCount, 0);
  });
});

describe('RestartContainerGroup and UpdateContainerGroup', () => {
  test('restart goes Restarting → Running with a higher restart count; not allowed while Scheduling', async () => {
    const { body } = await t.client.createContainerGroup(createRequest('restart-me', [container('c')]));
    const id = body?.containerGroupId ?? '';
    const early = await apiError(
      t.client.restartContainerGroup(new $Eci.RestartContainerGroupRequest({ containerGroupId: id })),
    );
    assert.deepEqual([early.code, early.statusCode], ['IncorrectStatus', 403]);
    await waitForStatus(t.client, id, 'Running');
    await t.client.restartContainerGroup(new $Eci.RestartContainerGroupRequest({ containerGroupId: id }));
    assert.equal((await describeOne(t.client, id))?.status, 'Restarting');
    const g = await waitFor(async () => {
      const x = await describeOne(t.client, id);
      return x?.status === 'Running' && x.containers?.[0]?.restartCount === 1 ? x : undefined;
    });
    assert.ok((g.events ?? []).some((e) => e.reason === 'Restarting'));
  });

  test('update replaces the image (Updating → Running) and merges tags', async () => {
    const { body } = await t.client.createContainerGroup(
      createRequest('update-me', [container('c')], {
        tag: [new $Eci.CreateContainerGroupRequestTag({ key: 'a', value: '1' })],
      }),
    );
    const id = body?.containerGroupId ?? '';
    await waitForStatus(t.client, id, 'Running');
    await t.client.updateContainerGroup(
      new $Eci.UpdateContainerGroupRequest({
        containerGroupId: id,
        updateType: 'IncrementalUpdate',
        container: [new $Eci.UpdateContainerGroupRequestContainer({ name: 'c', image: 'busybox:1.37' })],
        tag: [new $Eci.UpdateContainerGroupRequestTag({ key: 'b', value: '2' })],
      }),
    );
    assert.equal((await describeOne(t.client, id))?.status, 'Updating');
    const g = await waitForStatus(t.client, id, 'Running');
    assert.equal(g.containers?.[0]?.image, 'busybox:1.37');
    assert.equal(g.containers?.[0]?.cpu, 0.5, 'fields not in the update are kept');
    assert.deepEqual(
      g.tags?.map((x) => [x.key, x.value]),
      [
        ['a', '1'],
        ['b', '2'],
      ],
    );
    const bad = await apiError(
      t.client.updateContainerGroup(
        new $Eci.UpdateContainerGroupRequest({ containerGroupId: id, restartPolicy: 'Sometimes' }),
      ),
    );
    assert.equal(bad.code, 'InvalidParameter');
    const missing = await apiError(
      t.client.updateContainerGroup(
        new $Eci.UpdateContainerGroupRequest({ containerGroupId: 'eci-missing', cpu: 1 }),
      ),
    );
    assert.equal(missing.code, 'InvalidContainerGroup.NotFound');
  });
});
