// Every key the emulator answers must be a wire name of the SDK's response
// model (names()/types()), at every depth: the SDK silently drops unknown keys,
// so a misspelt field would otherwise go unnoticed.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as Eci from '@alicloud/eci20180808';
import {
  $Eci,
  container,
  createRequest,
  startTestEmulator,
  waitForStatus,
  type TestEmulator,
} from './sdk.ts';
import { callAction, genericClient } from './callapi.ts';

type ModelClass = { names(): Record<string, string>; types(): Record<string, unknown> };

function isModel(x: unknown): x is ModelClass {
  return typeof x === 'function' && typeof (x as Partial<ModelClass>).names === 'function';
}

/** Paths of keys in `value` that the model does not declare. */
function unknownKeys(value: unknown, model: ModelClass, path = ''): string[] {
  if (typeof value !== 'object' || value === null) return [];
  const names = model.names();
  const types = model.types();
  const byWire = new Map(Object.entries(names).map(([prop, wire]) => [wire, prop]));
  const out: string[] = [];
  for (const [key, v] of Object.entries(value)) {
    const prop = byWire.get(key);
    if (prop === undefined) {
      out.push(`${path}${key}`);
      continue;
    }
    const t = types[prop];
    if (isModel(t)) out.push(...unknownKeys(v, t, `${path}${key}.`));
    else if (typeof t === 'object' && t !== null && 'itemType' in t && Array.isArray(v)) {
      const item = (t as { itemType: unknown }).itemType;
      if (isModel(item)) v.forEach((x, i) => out.push(...unknownKeys(x, item, `${path}${key}[${i}].`)));
    }
  }
  return out;
}

const bodyModel = (name: string) =>
  (Eci as unknown as Record<string, ModelClass>)[`${name}ResponseBody`] as ModelClass;

let t: TestEmulator;
let client: ReturnType<typeof genericClient>;
let id = '';
before(async () => {
  t = await startTestEmulator();
  client = genericClient(t.emu.endpoint);
  const probe = new $Eci.CreateContainerGroupRequestContainerReadinessProbe({
    httpGet: new $Eci.CreateContainerGroupRequestContainerReadinessProbeHttpGet({
      path: '/',
      port: 80,
      scheme: 'HTTP',
    }),
    periodSeconds: 5,
  });
  const { body } = await t.client.createContainerGroup(
    createRequest(
      'wire',
      [
        container('web', 'echo hi; serve', {
          readinessProbe: probe,
          port: [new $Eci.CreateContainerGroupRequestContainerPort({ port: 80, protocol: 'TCP' })],
          environmentVar: [
            new $Eci.CreateContainerGroupRequestContainerEnvironmentVar({
              key: 'IP',
              fieldRef: new $Eci.CreateContainerGroupRequestContainerEnvironmentVarFieldRef({
                fieldPath: 'status.podIP',
              }),
            }),
          ],
          volumeMount: [
            new $Eci.CreateContainerGroupRequestContainerVolumeMount({ name: 'data', mountPath: '/data' }),
          ],
          securityContext: new $Eci.CreateContainerGroupRequestContainerSecurityContext({
            capability: new $Eci.CreateContainerGroupRequestContainerSecurityContextCapability({
              add: ['NET_ADMIN'],
            }),
          }),
        }),
      ],
      {
        volume: [
          new $Eci.CreateContainerGroupRequestVolume({
            name: 'data',
            type: 'EmptyDirVolume',
            emptyDirVolume: new $Eci.CreateContainerGroupRequestVolumeEmptyDirVolume({ sizeLimit: '1Gi' }),
          }),
        ],
        initContainer: [
          new $Eci.CreateContainerGroupRequestInitContainer({
            name: 'init',
            image: 'busybox',
            command: ['true'],
          }),
        ],
        dnsConfig: new $Eci.CreateContainerGroupRequestDnsConfig({
          nameServer: ['10.0.0.10'],
          search: ['svc.cluster.local'],
        }),
        hostAliase: [new $Eci.CreateContainerGroupRequestHostAliase({ ip: '10.0.0.1', hostname: ['a'] })],
        tag: [new $Eci.CreateContainerGroupRequestTag({ key: 'k', value: 'v' })],
      },
    ),
  );
  id = body?.containerGroupId ?? '';
  await waitForStatus(t.client, id, 'Running');
  await t.client.createImageCache(
    new $Eci.CreateImageCacheRequest({
      imageCacheName: 'wire',
      image: ['nginx'],
      securityGroupId: 'sg-emu',
      vSwitchId: 'vsw-emu-h',
    }),
  );
});
after(async () => {
  await t.emu.close();
});

describe('response wire names match the SDK models', () => {
  const cases: [string, () => Record<string, unknown>][] = [
    ['DescribeContainerGroups', () => ({ ContainerGroupIds: JSON.stringify([id]) })],
    ['DescribeContainerGroupStatus', () => ({ ContainerGroupIds: JSON.stringify([id]) })],
    ['DescribeContainerGroupEvents', () => ({ ContainerGroupIds: JSON.stringify([id]) })],
    ['DescribeContainerLog', () => ({ ContainerGroupId: id, ContainerName: 'web' })],
    ['ExecContainerCommand', () => ({ ContainerGroupId: id, ContainerName: 'web', Command: '["sh"]' })],
    ['DescribeContainerGroupMetric', () => ({ ContainerGroupId: id })],
    ['DescribeMultiContainerGroupMetric', () => ({ ContainerGroupIds: JSON.stringify([id]) })],
    ['DescribeImageCaches', () => ({})],
    ['DescribeRegions', () => ({})],
    [
      'CreateContainerGroup',
      () => ({
        ContainerGroupName: 'wire-2',
        SecurityGroupId: 'sg-emu',
        VSwitchId: 'vsw-emu-h',
        Container: [{ Name: 'c', Image: 'i' }],
      }),
    ],
    ['RestartContainerGroup', () => ({ ContainerGroupId: id })],
    ['DeleteContainerGroup', () => ({ ContainerGroupId: id })],
  ];
  for (const [action, params] of cases) {
    test(action, async () => {
      const body = await callAction(client, '2018-08-08', action, params());
      assert.ok(body.RequestId);
      assert.deepEqual(unknownKeys(body, bodyModel(action)), []);
      if (action === 'DescribeContainerGroups') {
        // The walk reached the nested models (the check is not vacuous).
        const g = (body.ContainerGroups as Record<string, unknown>[])[0] as Record<string, unknown>;
        assert.ok((g.Containers as unknown[]).length > 0 && (g.InitContainers as unknown[]).length > 0);
        assert.ok((g.Volumes as unknown[]).length > 0 && (g.Events as unknown[]).length > 0);
      }
    });
  }

  test('the checker does find a misspelt key', () => {
    const bad = { ContainerGroups: [{ Containers: [{ CurrentState: { Exitcode: 1 } }] }] };
    assert.deepEqual(unknownKeys(bad, bodyModel('DescribeContainerGroups')), [
      'ContainerGroups[0].Containers[0].CurrentState.Exitcode',
    ]);
  });
});
