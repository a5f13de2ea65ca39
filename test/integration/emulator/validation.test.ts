// Validation and ClientToken idempotency of CreateContainerGroup, through the SDK.
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
  waitFor,
  type TestEmulator,
} from './sdk.ts';

let t: TestEmulator;
before(async () => {
  t = await startTestEmulator();
});
after(async () => {
  await t.emu.close();
});

async function rejected(req: $Eci.CreateContainerGroupRequest) {
  return apiError(t.client.createContainerGroup(req));
}

describe('CreateContainerGroup validation', () => {
  test('required parameters → MissingParameter naming the field', async () => {
    const noSg = createRequest('x1', [container('c')]);
    noSg.securityGroupId = undefined as unknown as string;
    const e1 = await rejected(noSg);
    assert.deepEqual([e1.code, e1.statusCode], ['MissingParameter', 400]);
    assert.match(e1.message, /"SecurityGroupId"/);
    const e2 = await rejected(createRequest('x2', [container('c', undefined, { image: undefined })]));
    assert.equal(e2.code, 'MissingParameter');
    assert.match(e2.message, /"Container\.1\.Image"/);
    const e3 = await rejected(createRequest('x3', []));
    assert.equal(e3.code, 'MissingParameter');
    assert.match(e3.message, /"Container"/);
  });

  test('ContainerGroupName format', async () => {
    for (const name of ['a', 'UPPER', '-lead', 'trail-', 'under_score', 'x'.repeat(129)]) {
      const e = await rejected(createRequest(name, [container('c')]));
      assert.equal(e.code, 'InvalidParameter', name);
      assert.match(e.message, /ContainerGroupName/, name);
    }
  });

  test('Cpu/Memory must be a spec or round up to one; beyond the largest spec is invalid', async () => {
    const { body } = await t.client.createContainerGroup(
      createRequest('round', [
        container('a', undefined, { cpu: 3, memory: 5 }),
        container('b', undefined, { cpu: 1, memory: 1 }),
      ]),
    );
    const g = await describeOne(t.client, body?.containerGroupId ?? '');
    assert.deepEqual([g?.cpu, g?.memory], [4, 8]);
    const def = await t.client.createContainerGroup(
      createRequest('default-spec', [container('a', undefined, { cpu: undefined, memory: undefined })]),
    );
    const d = await describeOne(t.client, def.body?.containerGroupId ?? '');
    assert.deepEqual([d?.cpu, d?.memory], [2, 4]);
    const e = await rejected(createRequest('huge', [container('a')], { cpu: 128, memory: 2 }));
    assert.equal(e.code, 'InvalidParameter');
    assert.match(e.message, /"Cpu"/);
  });

  test('at most 20 containers and 20 volumes; only known volume types; mounts must name a volume', async () => {
    const many = Array.from({ length: 21 }, (_, i) => container(`c${i}`));
    assert.equal((await rejected(createRequest('many', many))).code, 'InvalidParameter');
    const vols = Array.from(
      { length: 21 },
      (_, i) => new $Eci.CreateContainerGroupRequestVolume({ name: `v${i}`, type: 'EmptyDirVolume' }),
    );
    assert.equal(
      (await rejected(createRequest('vols', [container('c')], { volume: vols }))).code,
      'InvalidParameter',
    );
    const hostPath = new $Eci.CreateContainerGroupRequestVolume({ name: 'h', type: 'HostPathVolume' });
    const e = await rejected(createRequest('hostpath', [container('c')], { volume: [hostPath] }));
    assert.equal(e.code, 'InvalidParameter');
    assert.match(e.message, /Volume\.1\.Type/);
    const mount = new $Eci.CreateContainerGroupRequestContainerVolumeMount({
      name: 'missing',
      mountPath: '/m',
    });
    const e2 = await rejected(createRequest('mount', [container('c', undefined, { volumeMount: [mount] })]));
    assert.match(e2.message, /Container\.1\.VolumeMount\.1\.Name/);
  });

  test('unknown vSwitch, security group, region; RestartPolicy values; ClientToken length', async () => {
    const vsw = await rejected(createRequest('vsw', [container('c')], { vSwitchId: 'vsw-nope' }));
    assert.deepEqual([vsw.code, vsw.statusCode], ['InvalidVSwitchId.NotFound', 404]);
    const sg = await rejected(createRequest('sg', [container('c')], { securityGroupId: 'sg-nope' }));
    assert.deepEqual([sg.code, sg.statusCode], ['InvalidSecurityGroupId.NotFound', 404]);
    const region = await rejected(createRequest('region', [container('c')], { regionId: 'mars-1' }));
    assert.equal(region.code, 'InvalidRegionId.NotFound');
    const policy = await rejected(createRequest('policy', [container('c')], { restartPolicy: 'Sometimes' }));
    assert.equal(policy.code, 'InvalidParameter');
    assert.match(policy.message, /RestartPolicy/);
    const token = await rejected(createRequest('token', [container('c')], { clientToken: 't'.repeat(65) }));
    assert.equal(token.code, 'InvalidParameter');
    assert.match(token.message, /ClientToken/);
  });
});

describe('ClientToken idempotency', () => {
  test('same token + same parameters → the same group; different parameters → IdempotentParameterMismatch', async () => {
    const req = () => createRequest('idem', [container('c')], { clientToken: 'pod-uid-123' });
    const a = await t.client.createContainerGroup(req());
    const b = await t.client.createContainerGroup(req());
    assert.equal(a.body?.containerGroupId, b.body?.containerGroupId);
    assert.notEqual(a.body?.requestId, b.body?.requestId);
    const groups = (await t.admin.containerGroups()).filter((g) => g.name === 'idem');
    assert.equal(groups.length, 1);
    const other = createRequest('idem', [container('c', undefined, { image: 'nginx' })], {
      clientToken: 'pod-uid-123',
    });
    const e = await apiError(t.client.createContainerGroup(other));
    assert.deepEqual([e.code, e.statusCode], ['IdempotentParameterMismatch', 400]);
    const c = await t.client.createContainerGroup(
      createRequest('idem', [container('c')], { clientToken: 'other-token' }),
    );
    assert.notEqual(c.body?.containerGroupId, a.body?.containerGroupId);
  });

  test('a retry with a known token gets the first answer even when the zone has run out of stock since', async () => {
    const req = () => createRequest('idem-stock', [container('c')], { clientToken: 'pod-uid-stock' });
    const a = await t.client.createContainerGroup(req());
    await t.admin.setStock('cn-hangzhou-h', true);
    try {
      const b = await t.client.createContainerGroup(req());
      assert.equal(b.body?.containerGroupId, a.body?.containerGroupId);
      const fresh = await apiError(
        t.client.createContainerGroup(createRequest('idem-stock', [container('c')], { clientToken: 'new' })),
      );
      assert.equal(fresh.code, 'OperationDenied.NoStock');
    } finally {
      await t.admin.setStock('cn-hangzhou-h', false);
    }
  });

  test('DryRun validates without creating', async () => {
    const e = await apiError(
      t.client.createContainerGroup(createRequest('dry', [container('c')], { dryRun: true })),
    );
    assert.deepEqual([e.code, e.statusCode], ['DryRunOperation', 400]);
    assert.equal((await t.admin.containerGroups()).filter((g) => g.name === 'dry').length, 0);
  });

  test('a create that times out on the client still happened; the retry with the same token finds it', async () => {
    await t.admin.setFault({ action: 'CreateContainerGroup', latencyMs: 600 });
    const runtime = new $Util.RuntimeOptions({ readTimeout: 200, connectTimeout: 200 });
    const req = () => createRequest('timeout', [container('c')], { clientToken: 'pod-uid-timeout' });
    try {
      const timedOut = await apiError(t.client.createContainerGroupWithOptions(req(), runtime));
      assert.match(timedOut.message, /timeout/i);
      await t.admin.clearFaults();
      // The server finishes the create after the client gave up.
      const created = await waitFor(async () =>
        (await t.admin.containerGroups()).find((g) => g.name === 'timeout'),
      );
      const retry = await t.client.createContainerGroup(req());
      const groups = (await t.admin.containerGroups()).filter((g) => g.name === 'timeout');
      assert.equal(retry.body?.containerGroupId, created.containerGroupId);
      assert.equal(groups.length, 1);
    } finally {
      await t.admin.clearFaults();
    }
  });
});
