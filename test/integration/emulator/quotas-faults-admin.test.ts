// Quotas, injected faults, zone stock and the admin API, driven through the SDK.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as $Util from '@alicloud/tea-util';
import {
  $Eci,
  apiError,
  container,
  createRequest,
  describeOne,
  startTestEmulator,
  waitForStatus,
  type TestEmulator,
} from './sdk.ts';

describe('quotas', () => {
  let t: TestEmulator;
  before(async () => {
    // A frozen clock makes the token arithmetic exact (no refill during the burst).
    const frozen = Date.now();
    t = await startTestEmulator({ now: () => frozen });
  });
  after(async () => {
    await t.emu.close();
  });

  test('a burst of 150 creates: exactly 100 succeed, 50 get Throttling.User', async () => {
    const results = await Promise.allSettled(
      Array.from({ length: 150 }, (_, i) =>
        t.client.createContainerGroup(createRequest(`burst-${i}`, [container('c')])),
      ),
    );
    const ok = results.filter((r) => r.status === 'fulfilled').length;
    const throttled = results.filter(
      (r) => r.status === 'rejected' && (r.reason as { code?: string }).code === 'Throttling.User',
    );
    assert.equal(ok, 100);
    assert.equal(throttled.length, 50);
    assert.equal((throttled[0] as PromiseRejectedResult).reason.statusCode, 400);
    assert.equal(await t.admin.callCount('CreateContainerGroup'), 150);
    // Other actions have their own buckets.
    await t.client.describeContainerGroups(
      new $Eci.DescribeContainerGroupsRequest({ regionId: 'cn-hangzhou' }),
    );
  });

  test('quota limits can be overridden per action', async () => {
    const frozen = Date.now();
    const small = await startTestEmulator({
      now: () => frozen,
      quotaLimits: { DescribeContainerGroups: { burst: 3, refillPerSec: 1 } },
    });
    try {
      const results = await Promise.allSettled(
        Array.from({ length: 5 }, () =>
          small.client.describeContainerGroups(new $Eci.DescribeContainerGroupsRequest({})),
        ),
      );
      assert.equal(results.filter((r) => r.status === 'fulfilled').length, 3);
    } finally {
      await small.emu.close();
    }
  });

  test('quotas can be switched off', async () => {
    const frozen = Date.now();
    const free = await startTestEmulator({ now: () => frozen, quotas: false });
    try {
      const results = await Promise.allSettled(
        Array.from({ length: 120 }, (_, i) =>
          free.client.createContainerGroup(createRequest(`free-${i}`, [container('c')])),
        ),
      );
      assert.equal(results.filter((r) => r.status === 'fulfilled').length, 120);
    } finally {
      await free.emu.close();
    }
  });
});

describe('faults, stock and admin', () => {
  let t: TestEmulator;
  before(async () => {
    t = await startTestEmulator();
  });
  after(async () => {
    await t.emu.close();
  });

  test('an injected error rate of 1 fails every call with the given code and status; clearing restores', async () => {
    await t.admin.setFault({
      action: 'DescribeContainerGroups',
      errorRate: 1,
      code: 'ServiceUnavailable',
      httpStatus: 503,
    });
    const e = await apiError(t.client.describeContainerGroups(new $Eci.DescribeContainerGroupsRequest({})));
    assert.deepEqual([e.code, e.statusCode], ['ServiceUnavailable', 503]);
    // Other actions are unaffected.
    await t.client.describeContainerGroupStatus(new $Eci.DescribeContainerGroupStatusRequest({}));
    await t.admin.clearFaults('DescribeContainerGroups');
    const r = await t.client.describeContainerGroups(new $Eci.DescribeContainerGroupsRequest({}));
    assert.equal(r.statusCode, 200);
    const metrics = await t.admin.metrics();
    assert.match(
      metrics,
      /eci_emulator_requests_total\{[^}]*action="DescribeContainerGroups",code="ServiceUnavailable"[^}]*\} 1\n/,
    );
    assert.match(
      metrics,
      /eci_emulator_requests_total\{[^}]*action="DescribeContainerGroups",code="OK"[^}]*\} 1\n/,
    );
  });

  test('connection faults: reset answers nothing and resets (ECONNRESET), hang never answers (client timeout)', async () => {
    await t.admin.setFault({ action: 'DescribeContainerGroups', errorRate: 1, kind: 'reset' });
    const reset = await apiError(
      t.client.describeContainerGroups(new $Eci.DescribeContainerGroupsRequest({})),
    );
    assert.equal(reset.code, 'ECONNRESET');
    assert.ok(Number.isNaN(reset.statusCode), 'no HTTP answer');
    await t.admin.setFault({ action: 'DescribeContainerGroups', errorRate: 1, kind: 'hang' });
    const runtime = new $Util.RuntimeOptions({ readTimeout: 200, connectTimeout: 200 });
    const hang = await apiError(
      t.client.describeContainerGroupsWithOptions(new $Eci.DescribeContainerGroupsRequest({}), runtime),
    );
    assert.match(hang.message, /timeout/i);
    assert.ok(Number.isNaN(hang.statusCode), 'no HTTP answer');
    // Other actions are unaffected, and clearing restores.
    await t.client.describeContainerGroupStatus(new $Eci.DescribeContainerGroupStatusRequest({}));
    await t.admin.clearFaults();
    assert.equal(
      (await t.client.describeContainerGroups(new $Eci.DescribeContainerGroupsRequest({}))).statusCode,
      200,
    );
    assert.match(
      await t.admin.metrics(),
      /eci_emulator_requests_total\{[^}]*action="DescribeContainerGroups",code="ConnectionReset"[^}]*\} 1\n/,
    );
    await assert.rejects(
      t.admin.setFault({ action: 'X', errorRate: 1, kind: 'explode' as 'reset' }),
      /400 .*kind: must be one of error, reset, hang/,
    );
  });

  test('an error rate of 0.5 fails about half of the calls', async () => {
    await t.admin.setFault({ action: 'DescribeRegions', errorRate: 0.5 });
    const results = await Promise.allSettled(
      Array.from({ length: 200 }, () => t.client.describeRegions(new $Eci.DescribeRegionsRequest({}))),
    );
    const failed = results.filter((r) => r.status === 'rejected');
    assert.ok(failed.length > 60 && failed.length < 140, `failed ${failed.length} of 200`);
    assert.equal(((failed[0] as PromiseRejectedResult).reason as { code: string }).code, 'InternalError');
    await t.admin.clearFaults();
  });

  test('added latency delays the answer', async () => {
    await t.admin.setFault({ action: 'DescribeContainerGroupStatus', latencyMs: 300 });
    const start = performance.now();
    await t.client.describeContainerGroupStatus(new $Eci.DescribeContainerGroupStatusRequest({}));
    assert.ok(performance.now() - start >= 290);
    await t.admin.clearFaults();
  });

  test('out of stock: NoStock in the only zone, failover to the next vSwitch, ScheduleFailed mode', async () => {
    await t.admin.setStock('cn-hangzhou-h', true);
    const e = await apiError(t.client.createContainerGroup(createRequest('nostock', [container('c')])));
    assert.deepEqual([e.code, e.statusCode], ['OperationDenied.NoStock', 403]);
    const { body } = await t.client.createContainerGroup(
      createRequest('failover', [container('c')], { vSwitchId: 'vsw-emu-h,vsw-emu-i' }),
    );
    const g = await describeOne(t.client, body?.containerGroupId ?? '');
    assert.deepEqual([g?.zoneId, g?.vSwitchId], ['cn-hangzhou-i', 'vsw-emu-i']);
    await t.admin.setStock('cn-hangzhou-h', true, 'schedule-failed');
    const sf = await t.client.createContainerGroup(createRequest('schedfail', [container('c')]));
    const failed = await waitForStatus(t.client, sf.body?.containerGroupId ?? '', 'ScheduleFailed');
    assert.ok((failed.events ?? []).some((ev) => ev.reason === 'FailedScheduling'));
    await t.admin.setStock('cn-hangzhou-h', false);
    await t.client.createContainerGroup(createRequest('instock', [container('c')]));
  });

  test('spot groups can be expired; others cannot', async () => {
    const spot = await t.client.createContainerGroup(
      createRequest('spot', [container('c')], { spotStrategy: 'SpotAsPriceGo' }),
    );
    const id = spot.body?.containerGroupId ?? '';
    await waitForStatus(t.client, id, 'Running');
    await t.admin.expire(id);
    const g = await describeOne(t.client, id);
    assert.equal(g?.status, 'Expired');
    assert.notEqual(g?.expiredTime, '');
    await assert.rejects(t.admin.expire(id), /409/, 'an expired group cannot expire again');
    const normal = await t.client.createContainerGroup(createRequest('nospot', [container('c')]));
    await assert.rejects(t.admin.expire(normal.body?.containerGroupId ?? ''), /409/);
  });

  test('the admin listing shows the stored normalised request; counters count calls; reset clears', async () => {
    await t.admin.reset();
    const { body } = await t.client.createContainerGroup(
      createRequest('listed', [container('c', 'echo hi', { cpu: 0.25, memory: 0.5 })], {
        tag: [new $Eci.CreateContainerGroupRequestTag({ key: 'owner', value: 'test' })],
        restartPolicy: 'Never',
      }),
    );
    const [g] = await t.admin.containerGroups();
    assert.equal(g?.containerGroupId, body?.containerGroupId);
    assert.deepEqual(g?.tags, [{ Key: 'owner', Value: 'test' }]);
    assert.equal(g?.request.ContainerGroupName, 'listed');
    assert.equal(g?.request.RestartPolicy, 'Never');
    assert.deepEqual(g?.request.Container[0], {
      Name: 'c',
      Image: 'busybox:1.36',
      Cpu: 0.25,
      Memory: 0.5,
      Command: ['sh', '-c'],
      Arg: ['echo hi'],
    });
    await t.client.describeContainerGroups(new $Eci.DescribeContainerGroupsRequest({}));
    await t.client.describeContainerGroups(new $Eci.DescribeContainerGroupsRequest({}));
    assert.deepEqual(await t.admin.calls(), { CreateContainerGroup: 1, DescribeContainerGroups: 2 });
    await t.admin.reset();
    assert.deepEqual(await t.admin.calls(), {});
    assert.deepEqual(await t.admin.containerGroups(), []);
  });
});

/** The parts of a listed request the redaction test reads. */
interface Listed {
  ClientToken: string;
  Container: { EnvironmentVar: { Key: string; Value?: string }[] }[];
  Volume: {
    ConfigFileVolume: { ConfigFileToPath: { Path: string; Content: string }[] };
    FlexVolume: { Driver: string; Options: string };
  }[];
  ImageRegistryCredential: { Server: string; UserName: string; Password: string }[];
}

describe('the admin listing keeps request secrets unless asked (issue 10 item 11)', () => {
  let t: TestEmulator;
  before(async () => {
    t = await startTestEmulator();
  });
  after(async () => {
    await t.emu.close();
  });

  test('env values, config-file contents, registry passwords and FlexVolume options are redacted by default', async () => {
    const content = Buffer.from('s3cr3t-VOLUME').toString('base64');
    await t.client.createContainerGroup(
      createRequest(
        'secrets',
        [
          container('c', undefined, {
            environmentVar: [
              new $Eci.CreateContainerGroupRequestContainerEnvironmentVar({
                key: 'DB_PASSWORD',
                value: 's3cr3t-ENV',
              }),
              new $Eci.CreateContainerGroupRequestContainerEnvironmentVar({
                key: 'POD_NAME',
                fieldRef: new $Eci.CreateContainerGroupRequestContainerEnvironmentVarFieldRef({
                  fieldPath: 'metadata.name',
                }),
              }),
            ],
            volumeMount: [
              new $Eci.CreateContainerGroupRequestContainerVolumeMount({ name: 'creds', mountPath: '/c' }),
            ],
          }),
        ],
        {
          clientToken: 'pod-uid-secrets',
          volume: [
            new $Eci.CreateContainerGroupRequestVolume({
              name: 'creds',
              type: 'ConfigFileVolume',
              configFileVolume: new $Eci.CreateContainerGroupRequestVolumeConfigFileVolume({
                configFileToPath: [
                  new $Eci.CreateContainerGroupRequestVolumeConfigFileVolumeConfigFileToPath({
                    path: 'password',
                    content,
                  }),
                ],
              }),
            }),
            new $Eci.CreateContainerGroupRequestVolume({
              name: 'oss',
              type: 'FlexVolume',
              flexVolume: new $Eci.CreateContainerGroupRequestVolumeFlexVolume({
                driver: 'alicloud/oss',
                options: '{"akId":"AK","akSecret":"s3cr3t-FLEX"}',
              }),
            }),
          ],
          imageRegistryCredential: [
            new $Eci.CreateContainerGroupRequestImageRegistryCredential({
              server: 'registry.example.com',
              userName: 'robot',
              password: 's3cr3t-REGISTRY',
            }),
          ],
        },
      ),
    );
    const res = await fetch(`${t.emu.url}/_emulator/container-groups`);
    const raw = await res.text();
    assert.equal(res.status, 200);
    assert.doesNotMatch(raw, /s3cr3t/);
    assert.ok(!raw.includes(content), 'the base64 content is not listed either');

    const [g] = await t.admin.containerGroups();
    const r = g!.request as unknown as Listed;
    assert.deepEqual(r.Container[0]?.EnvironmentVar, [
      { Key: 'DB_PASSWORD', Value: '[redacted]' },
      { Key: 'POD_NAME', FieldRef: { FieldPath: 'metadata.name' } },
    ]);
    assert.deepEqual(r.Volume[0]?.ConfigFileVolume.ConfigFileToPath, [
      { Path: 'password', Content: '[redacted]' },
    ]);
    assert.equal(r.Volume[1]?.FlexVolume.Options, '[redacted]');
    assert.equal(r.Volume[1]?.FlexVolume.Driver, 'alicloud/oss');
    assert.deepEqual(r.ImageRegistryCredential, [
      { Server: 'registry.example.com', UserName: 'robot', Password: '[redacted]' },
    ]);
    assert.equal(r.ClientToken, 'pod-uid-secrets', 'the ClientToken (a pod UID) is no secret');

    const [revealed] = await t.admin.containerGroups({ reveal: 'secrets' });
    const full = revealed!.request as unknown as Listed;
    assert.equal(full.Container[0]?.EnvironmentVar[0]?.Value, 's3cr3t-ENV');
    assert.equal(full.Volume[0]?.ConfigFileVolume.ConfigFileToPath[0]?.Content, content);
    assert.equal(full.Volume[1]?.FlexVolume.Options, '{"akId":"AK","akSecret":"s3cr3t-FLEX"}');
    assert.equal(full.ImageRegistryCredential[0]?.Password, 's3cr3t-REGISTRY');

    const bad = await fetch(`${t.emu.url}/_emulator/container-groups?reveal=all`);
    assert.equal(bad.status, 400);
    assert.match(await bad.text(), /reveal: must be 'secrets'/);
  });
});
