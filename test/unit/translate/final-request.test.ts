// Issue 9: translatePod returns the final request (ClientToken, ownership tags, group
// name, the vSwitch for this attempt); placement is one pure function; the SLS machine
// group only with the log controller on.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { V1Pod } from '@kubernetes/client-node';
import {
  placementProblems,
  resolvePlacement,
  rotateVSwitches,
  translatePod,
} from '../../../reconciler/translate.ts';
import { TAG_KEYS, type Owner } from '../../../reconciler/ownership.ts';
import { DEFAULTS, wire } from './helpers.ts';

const pod: V1Pod = {
  metadata: {
    name: 'web-0',
    namespace: 'team-a',
    uid: '6f1d1c2e-0000-4000-8000-000000000001',
    annotations: { 'k8s.aliyun.com/eci-custom-tags': 'env:test' },
  },
  spec: { nodeName: 'virtual-node-eci-0', containers: [{ name: 'app', image: 'nginx' }] },
};
const owner: Owner = {
  clusterId: 'c-1',
  nodeName: 'virtual-node-eci-0',
  namespace: 'team-a',
  podName: 'web-0',
  podUid: '6f1d1c2e-0000-4000-8000-000000000001',
};
const threeZones = { ...DEFAULTS, vSwitchIds: ['vsw-a', 'vsw-b', 'vsw-c'] };

test('with an owner the request is final: ClientToken = pod UID, ownership tags after the custom ones, group name', () => {
  const { map } = wire({ pod, owner });
  assert.equal(map.ClientToken, owner.podUid);
  assert.deepEqual(map.Tag, [
    { Key: 'env', Value: 'test' },
    { Key: TAG_KEYS.cluster, Value: 'c-1' },
    { Key: TAG_KEYS.node, Value: 'virtual-node-eci-0' },
    { Key: TAG_KEYS.namespace, Value: 'team-a' },
    { Key: TAG_KEYS.podName, Value: 'web-0' },
    { Key: TAG_KEYS.podUid, Value: owner.podUid },
  ]);
  assert.match(String(map.ContainerGroupName), /^team-a-web-0-[0-9a-f]{8}$/);
});

test('without an owner there is no ClientToken and no ownership tag', () => {
  const { map } = wire({ pod });
  assert.equal(map.ClientToken, undefined);
  assert.deepEqual(map.Tag, [{ Key: 'env', Value: 'test' }]);
});

test('ownership tag values stay within ECI’s 128 characters', () => {
  const long = 'p'.repeat(200);
  const { map } = wire({ pod, owner: { ...owner, podName: long } });
  for (const t of map.Tag as Array<{ Key: string; Value: string }>) {
    assert.ok(t.Key.length <= 128 && t.Value.length <= 128, t.Key);
  }
});

test('the NoStock attempt rotates the vSwitch list: attempt n starts n zones later', () => {
  const at = (attempt?: number) =>
    wire({ pod, defaults: threeZones, ...(attempt !== undefined ? { attempt } : {}) }).map.VSwitchId;
  assert.equal(at(), 'vsw-a,vsw-b,vsw-c');
  assert.equal(at(0), 'vsw-a,vsw-b,vsw-c');
  assert.equal(at(1), 'vsw-b,vsw-c,vsw-a');
  assert.equal(at(2), 'vsw-c,vsw-a,vsw-b');
  assert.equal(at(3), 'vsw-a,vsw-b,vsw-c');
  assert.deepEqual(rotateVSwitches(['vsw-a'], 5), ['vsw-a']);
  assert.deepEqual(rotateVSwitches([], 2), []);
});

test('resolvePlacement: the profile wins over the flags key by key', () => {
  const flags = { vSwitchIds: ['vsw-flag'], securityGroupId: 'sg-flag' };
  assert.deepEqual(resolvePlacement({ vSwitchIds: ['vsw-p'] }, flags), {
    placement: { vSwitchIds: ['vsw-p'], securityGroupId: 'sg-flag' },
    problems: [],
  });
  assert.deepEqual(
    resolvePlacement({ vSwitchIds: [], securityGroupId: 'sg-p', resourceGroupId: 'rg-p' }, flags),
    {
      placement: { vSwitchIds: ['vsw-flag'], securityGroupId: 'sg-p', resourceGroupId: 'rg-p' },
      problems: [],
    },
  );
});

test('resolvePlacement: a missing vSwitch or security group names the ConfigMap key and the flag', () => {
  const { problems } = resolvePlacement(undefined, { vSwitchIds: [] }, 'kube-system/my-profile');
  assert.deepEqual(problems, [
    {
      field: 'vSwitchId',
      message:
        'no vSwitch: set vSwitchIds in ConfigMap kube-system/my-profile or --vswitch-ids (env ECI_VSWITCH)',
    },
    {
      field: 'securityGroupId',
      message:
        'no security group: set securityGroupId in ConfigMap kube-system/my-profile or --security-group-id (env ECI_SECURITY_GROUP)',
    },
  ]);
  // The translation reports the same words.
  const r = translatePod({ pod, defaults: { regionId: 'r', vSwitchIds: [], securityGroupId: '' } });
  assert.ok(!r.ok);
  assert.deepEqual(
    r.errors.map((e) => [e.field, e.message]),
    placementProblems({ vSwitchIds: [] }).map((p) => [p.field, p.message]),
  );
});

const logging: V1Pod = {
  ...pod,
  spec: {
    containers: [{ name: 'app', image: 'nginx', env: [{ name: 'aliyun_logs_app', value: 'stdout' }] }],
  },
};
const envKeys = (map: Record<string, unknown>) =>
  ((map.Container as Array<{ EnvironmentVar?: Array<{ Key: string }> }>)[0]?.EnvironmentVar ?? []).map(
    (e) => e.Key,
  );

test('the SLS machine group is injected only when the profile enables the log controller', () => {
  const off = wire({ pod: logging, profile: { slsMachineGroup: 'mg-1' } });
  assert.deepEqual(envKeys(off.map), ['aliyun_logs_app']);
  const on = wire({ pod: logging, profile: { slsMachineGroup: 'mg-1', enableLogController: true } });
  assert.deepEqual(envKeys(on.map), ['aliyun_logs_app', 'aliyun_logs_app_machinegroup']);
});
