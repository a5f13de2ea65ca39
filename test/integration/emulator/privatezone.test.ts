// PrivateZone (2018-01-01) through the generic callApi, in PrivateZone's wrapped-list style.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { EmulatorAdmin } from '../../../emulator/admin-client.ts';
import { startEmulator, type EmulatorHandle } from '../../../emulator/index.ts';
import { apiError } from './sdk.ts';
import { callAction, genericClient } from './callapi.ts';
import { createLogger } from '../../../shared/logger.ts';
import { PvtzClient } from '../../../reconciler/privatezone/client.ts';
import { ensureZone } from '../../../reconciler/privatezone/zone.ts';

const V = '2018-01-01';
let emu: EmulatorHandle;
let client: ReturnType<typeof genericClient>;
let admin: EmulatorAdmin;
before(async () => {
  emu = await startEmulator({ logLevel: 'silent' });
  client = genericClient(emu.endpoint);
  admin = new EmulatorAdmin(emu.url);
});
after(async () => {
  await emu.close();
});

type Zone = { ZoneId: string; ZoneName: string; RecordCount: number };
type Rec = { RecordId: number; Rr: string; Type: string; Value: string; Ttl: number; Status: string };

describe('PrivateZone', () => {
  test('zone lifecycle: AddZone, DescribeZones (EXACT/LIKE, paging), DescribeZoneInfo, BindZoneVpc, VPC tree, DeleteZone', async () => {
    const added = await callAction(client, V, 'AddZone', {
      ZoneName: 'svc.cluster.local.c1',
      ProxyPattern: 'ZONE',
    });
    const zoneId = String(added.ZoneId);
    assert.equal(added.ZoneName, 'svc.cluster.local.c1');
    await callAction(client, V, 'AddZone', { ZoneName: 'svc.cluster.local.c2' });
    const dup = await apiError(callAction(client, V, 'AddZone', { ZoneName: 'svc.cluster.local.c1' }));
    assert.equal(dup.code, 'Zone.AlreadyExists');
    const upper = await apiError(callAction(client, V, 'AddZone', { ZoneName: 'SVC.cluster.local.c1' }));
    assert.equal(upper.code, 'Zone.AlreadyExists', 'zone names compare case-insensitively');
    const bad = await apiError(callAction(client, V, 'AddZone', { ZoneName: 'bad..name' }));
    assert.deepEqual([bad.code, bad.statusCode], ['InvalidParameter', 400]);
    assert.match(bad.message, /ZoneName/);

    const exact = await callAction(client, V, 'DescribeZones', {
      Keyword: 'svc.cluster.local.c1',
      SearchMode: 'EXACT',
    });
    assert.deepEqual(
      (exact.Zones as { Zone: Zone[] }).Zone.map((z) => z.ZoneId),
      [zoneId],
    );
    const like = await callAction(client, V, 'DescribeZones', {
      Keyword: 'svc.cluster',
      PageSize: 1,
      PageNumber: 2,
    });
    assert.deepEqual([like.TotalItems, like.TotalPages, like.PageNumber, like.PageSize], [2, 2, 2, 1]);
    assert.equal((like.Zones as { Zone: Zone[] }).Zone.length, 1);

    const bindsBefore = (await admin.calls()).BindZoneVpc ?? 0;
    await callAction(client, V, 'BindZoneVpc', {
      ZoneId: zoneId,
      Vpcs: [{ RegionId: 'cn-hangzhou', VpcId: 'vpc-emu' }],
    });
    assert.equal(
      (await admin.calls()).BindZoneVpc,
      bindsBefore + 1,
      'the counter shows each BindZoneVpc call',
    );
    const info = await callAction(client, V, 'DescribeZoneInfo', { ZoneId: zoneId });
    assert.deepEqual(
      (info.BindVpcs as { Vpc: { VpcId: string }[] }).Vpc.map((v) => v.VpcId),
      ['vpc-emu'],
    );
    const byVpc = await callAction(client, V, 'DescribeZones', { QueryVpcId: 'vpc-emu' });
    assert.equal(byVpc.TotalItems, 1);
    const tree = await callAction(client, V, 'DescribeZoneVpcTree');
    const node = (tree.Zones as { Zone: (Zone & { Vpcs: { Vpc: { VpcId: string }[] } })[] }).Zone.find(
      (z) => z.ZoneId === zoneId,
    );
    assert.deepEqual(
      node?.Vpcs.Vpc.map((v) => v.VpcId),
      ['vpc-emu'],
    );
    const badVpc = await apiError(
      callAction(client, V, 'BindZoneVpc', { ZoneId: zoneId, Vpcs: [{ VpcId: 'vpc-nope' }] }),
    );
    assert.equal(badVpc.code, 'InvalidParameter');

    const bound = await apiError(callAction(client, V, 'DeleteZone', { ZoneId: zoneId }));
    assert.equal(bound.code, 'Zone.VpcExists');
    await callAction(client, V, 'BindZoneVpc', { ZoneId: zoneId });
    await callAction(client, V, 'DeleteZone', { ZoneId: zoneId });
    const gone = await apiError(callAction(client, V, 'DescribeZoneInfo', { ZoneId: zoneId }));
    assert.equal(gone.code, 'Zone.NotExists');
  });

  test('records: add, describe (EXACT/LIKE), update, delete, with value validation', async () => {
    const zoneId = String((await callAction(client, V, 'AddZone', { ZoneName: 'records.example' })).ZoneId);
    const a = await callAction(client, V, 'AddZoneRecord', {
      ZoneId: zoneId,
      Rr: 'web.default',
      Type: 'A',
      Value: '10.0.0.10',
      Ttl: 30,
    });
    const recordId = Number(a.RecordId);
    assert.ok(recordId > 0);
    await callAction(client, V, 'AddZoneRecord', {
      ZoneId: zoneId,
      Rr: 'web.default',
      Type: 'A',
      Value: '10.0.0.11',
    });
    await callAction(client, V, 'AddZoneRecord', {
      ZoneId: zoneId,
      Rr: 'api.default',
      Type: 'A',
      Value: '10.0.0.12',
    });
    const dup = await apiError(
      callAction(client, V, 'AddZoneRecord', {
        ZoneId: zoneId,
        Rr: 'web.default',
        Type: 'A',
        Value: '10.0.0.10',
      }),
    );
    assert.equal(dup.code, 'Record.Invalid.Conflict');
    const badIp = await apiError(
      callAction(client, V, 'AddZoneRecord', { ZoneId: zoneId, Rr: 'x', Type: 'A', Value: 'not-an-ip' }),
    );
    assert.deepEqual([badIp.code, badIp.statusCode], ['InvalidParameter', 400]);
    const badType = await apiError(
      callAction(client, V, 'AddZoneRecord', { ZoneId: zoneId, Rr: 'x', Type: 'NS', Value: 'a' }),
    );
    assert.equal(badType.code, 'InvalidParameter');

    const exact = await callAction(client, V, 'DescribeZoneRecords', {
      ZoneId: zoneId,
      Keyword: 'web.default',
      SearchMode: 'EXACT',
    });
    const recs = (exact.Records as { Record: Rec[] }).Record;
    assert.deepEqual(
      recs.map((r) => [r.Rr, r.Value, r.Ttl, r.Status]),
      [
        ['web.default', '10.0.0.10', 30, 'ENABLE'],
        ['web.default', '10.0.0.11', 60, 'ENABLE'],
      ],
    );
    const like = await callAction(client, V, 'DescribeZoneRecords', { ZoneId: zoneId, Keyword: 'default' });
    assert.equal(like.TotalItems, 3);

    await callAction(client, V, 'UpdateZoneRecord', {
      RecordId: recordId,
      Rr: 'web.default',
      Type: 'A',
      Value: '10.0.0.20',
      Ttl: 10,
    });
    await callAction(client, V, 'DeleteZoneRecord', { RecordId: Number(recs[1]?.RecordId) });
    const afterEdit = await callAction(client, V, 'DescribeZoneRecords', {
      ZoneId: zoneId,
      Keyword: 'web.default',
      SearchMode: 'EXACT',
    });
    assert.deepEqual(
      (afterEdit.Records as { Record: Rec[] }).Record.map((r) => [r.RecordId, r.Value, r.Ttl]),
      [[recordId, '10.0.0.20', 10]],
    );
    const info = await callAction(client, V, 'DescribeZoneInfo', { ZoneId: zoneId });
    assert.equal(info.RecordCount, 2);
    const missing = await apiError(callAction(client, V, 'DeleteZoneRecord', { RecordId: 1 }));
    assert.equal(missing.code, 'Record.NotExists');
  });

  test('PrivateZone and ECI DescribeRegions are routed by version', async () => {
    const pvtz = await callAction(client, V, 'DescribeRegions');
    assert.ok((pvtz.Regions as { Region: unknown[] }).Region.length > 0);
    const eci = await callAction(client, '2018-08-08', 'DescribeRegions');
    assert.ok(Array.isArray(eci.Regions));
  });

  // What the reconciler's PrivateZone sync relies on (reconciler/privatezone).
  const syncClient = (endpoint: string) =>
    new PvtzClient({
      endpoint,
      protocol: 'http',
      regionId: 'cn-hangzhou',
      credentials: { accessKeyId: 'emulator-access-key-id', accessKeySecret: 'emulator-access-key-secret' },
    });

  test('record paging: PageSize at most 100, TotalPages; the sync client reads every page with the Remark', async () => {
    const zoneId = String((await callAction(client, V, 'AddZone', { ZoneName: 'paging.example' })).ZoneId);
    for (let i = 0; i < 230; i++)
      await callAction(client, V, 'AddZoneRecord', {
        ZoneId: zoneId,
        Rr: `r${i}`,
        Type: 'A',
        Value: `10.1.${Math.floor(i / 200)}.${(i % 200) + 1}`,
        Remark: i % 2 ? 'odd' : '',
      });
    const tooBig = await apiError(
      callAction(client, V, 'DescribeZoneRecords', { ZoneId: zoneId, PageSize: 101 }),
    );
    assert.equal(tooBig.code, 'InvalidParameter');
    const page3 = await callAction(client, V, 'DescribeZoneRecords', {
      ZoneId: zoneId,
      PageSize: 100,
      PageNumber: 3,
    });
    assert.deepEqual(
      [page3.TotalItems, page3.TotalPages, (page3.Records as { Record: Rec[] }).Record.length],
      [230, 3, 30],
    );

    const before = (await admin.calls()).DescribeZoneRecords ?? 0;
    const all = await syncClient(emu.endpoint).listRecords(zoneId);
    assert.equal(all.length, 230);
    assert.equal(new Set(all.map((r) => r.recordId)).size, 230);
    assert.equal(all.filter((r) => r.remark === 'odd').length, 115);
    assert.equal((await admin.calls()).DescribeZoneRecords, before + 3, 'three pages of 100');
  });

  test('BindZoneVpc replaces the list; the sync binds its VPC once and keeps a VPC bound by someone else', async () => {
    const two = await startEmulator({
      logLevel: 'silent',
      vSwitches: [
        { vSwitchId: 'vsw-a', zoneId: 'cn-hangzhou-h', vpcId: 'vpc-a', cidr: '172.16.0.0/20' },
        { vSwitchId: 'vsw-b', zoneId: 'cn-hangzhou-i', vpcId: 'vpc-b', cidr: '172.17.0.0/20' },
      ],
    });
    try {
      const c = genericClient(two.endpoint);
      const twoAdmin = new EmulatorAdmin(two.url);
      const zoneId = String((await callAction(c, V, 'AddZone', { ZoneName: 'svc.cluster.local.cx' })).ZoneId);
      const vpcsOf = async () =>
        (
          (await callAction(c, V, 'DescribeZoneInfo', { ZoneId: zoneId })).BindVpcs as {
            Vpc: { VpcId: string }[];
          }
        ).Vpc.map((v) => v.VpcId);
      // The emulator's BindZoneVpc replaces the bound list, as PrivateZone documents.
      await callAction(c, V, 'BindZoneVpc', { ZoneId: zoneId, Vpcs: [{ VpcId: 'vpc-a' }] });
      await callAction(c, V, 'BindZoneVpc', { ZoneId: zoneId, Vpcs: [{ VpcId: 'vpc-b' }] });
      assert.deepEqual(await vpcsOf(), ['vpc-b']);

      // vpc-b is someone else's; the sync adds its own without dropping it, and only once.
      const log = createLogger('pvtz-test', { level: 'silent' });
      const o = { clusterId: 'cx', regionId: 'cn-hangzhou', vpcId: 'vpc-a', log };
      assert.equal(await ensureZone(syncClient(two.endpoint), o), zoneId);
      assert.deepEqual(await vpcsOf(), ['vpc-b', 'vpc-a']);
      const binds = await twoAdmin.callCount('BindZoneVpc');
      assert.equal(await ensureZone(syncClient(two.endpoint), o), zoneId);
      assert.equal(await twoAdmin.callCount('BindZoneVpc'), binds, 'an already bound VPC is not bound again');
      assert.equal(await twoAdmin.callCount('AddZone'), 1, 'the existing zone is found, not created');
    } finally {
      await two.close();
    }
  });
});
