import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEFAULT_PROFILE,
  formatProfileErrors,
  parseEciProfile,
  type EciProfile,
} from '../../../shared/profile.ts';

function ok(data: Record<string, string>): { profile: EciProfile; warnings: string[] } {
  const result = parseEciProfile(data);
  if (!result.ok) assert.fail(`expected a valid profile, got ${formatProfileErrors(result.errors)}`);
  return result;
}

function errorKeys(data: Record<string, string>): string[] {
  const result = parseEciProfile(data);
  assert.equal(result.ok, false, 'expected errors');
  return result.ok ? [] : result.errors.map((e) => e.key);
}

test('no data gives the documented defaults', () => {
  const { profile, warnings } = ok({});
  assert.deepEqual(profile, DEFAULT_PROFILE);
  assert.deepEqual(warnings, []);
  assert.equal(profile.enableClusterIp, true);
  assert.equal(profile.enablePrivateZone, false);
  assert.deepEqual(profile.vSwitchIds, []);
  assert.deepEqual(profile.selectors, []);
  assert.deepEqual(profile.featureGates, {});
  assert.equal(profile.securityGroupId, undefined);
  assert.equal(parseEciProfile(undefined).ok, true);
});

test('a full ACK profile parses', () => {
  const { profile } = ok({
    vpcId: 'vpc-2zegh1',
    vSwitchIds: 'vsw-a1, vsw-b2 ,',
    securityGroupId: 'sg-2ze1',
    resourceGroupId: '',
    enableClusterIp: 'true',
    enableHybridMode: 'false',
    enableLinuxArm64Node: 'TRUE',
    enableLogController: 'false',
    slsMachineGroup: 'test-mg',
    enablePVCController: 'false',
    enablePrivateZone: 'true',
    enableReuseSSLKey: 'false',
    featureGates: 'MetricsVpcNet=true,ProtectionFinalizers=false,WaitForFirstConsumer=false',
    selectors: JSON.stringify([
      {
        name: 'eci-selector',
        namespaceSelector: { matchLabels: { type: 'eci' } },
        objectSelector: { matchLabels: { 'created-by-eci': 'true' } },
      },
      {
        name: 'gpu-namespace-selector',
        namespaceSelector: { matchLabels: { gpu: 'true' } },
        effect: {
          annotations: { 'k8s.aliyun.com/eci-use-specs': 'ecs.gn6v-c8g1.2xlarge' },
          labels: { gpu: 'test' },
        },
      },
      {
        name: 'expr',
        objectSelector: { matchExpressions: [{ key: 'tier', operator: 'In', values: ['batch'] }] },
      },
    ]),
  });
  assert.equal(profile.vpcId, 'vpc-2zegh1');
  assert.deepEqual(profile.vSwitchIds, ['vsw-a1', 'vsw-b2']);
  assert.equal(profile.securityGroupId, 'sg-2ze1');
  assert.equal(profile.resourceGroupId, undefined);
  assert.equal(profile.enableLinuxArm64Node, true);
  assert.equal(profile.enablePrivateZone, true);
  assert.equal(profile.slsMachineGroup, 'test-mg');
  assert.deepEqual(profile.featureGates, {
    MetricsVpcNet: true,
    ProtectionFinalizers: false,
    WaitForFirstConsumer: false,
  });
  assert.deepEqual(
    profile.selectors.map((s) => s.name),
    ['eci-selector', 'gpu-namespace-selector', 'expr'],
  );
  assert.equal(profile.selectors[1]?.effect?.labels?.gpu, 'test');
});

test('the older spelling vswitchIds is accepted; vSwitchIds wins when both are set', () => {
  assert.deepEqual(ok({ vswitchIds: 'vsw-old' }).profile.vSwitchIds, ['vsw-old']);
  const both = ok({ vswitchIds: 'vsw-old', vSwitchIds: 'vsw-new' });
  assert.deepEqual(both.profile.vSwitchIds, ['vsw-new']);
  assert.match(both.warnings.join(), /vswitchIds/);
});

test('unknown keys are warnings, not errors', () => {
  const { warnings } = ok({ someFutureKey: 'x' });
  assert.deepEqual(warnings, ['unknown key "someFutureKey" ignored']);
});

test('an empty selectors string means no selectors', () => {
  assert.deepEqual(ok({ selectors: '  ' }).profile.selectors, []);
});

const malformed: Array<[string, Record<string, string>, string, RegExp]> = [
  ['vpcId without prefix', { vpcId: 'abc' }, 'vpcId', /vpc-xxxx/],
  ['vSwitchIds entry without prefix', { vSwitchIds: 'vsw-a,sw-b' }, 'vSwitchIds[1]', /vsw-xxxx/],
  ['securityGroupId without prefix', { securityGroupId: 'group1' }, 'securityGroupId', /sg-xxxx/],
  ['resourceGroupId without prefix', { resourceGroupId: 'x' }, 'resourceGroupId', /rg-xxxx/],
  ['enableClusterIp not a boolean', { enableClusterIp: 'yes' }, 'enableClusterIp', /"true" or "false"/],
  ['enableHybridMode not a boolean', { enableHybridMode: '1' }, 'enableHybridMode', /"true" or "false"/],
  ['enableLinuxArm64Node not a boolean', { enableLinuxArm64Node: 'on' }, 'enableLinuxArm64Node', /true/],
  ['enableLogController not a boolean', { enableLogController: 'no' }, 'enableLogController', /true/],
  ['enablePVCController not a boolean', { enablePVCController: 'x' }, 'enablePVCController', /true/],
  ['enablePrivateZone not a boolean', { enablePrivateZone: 'x' }, 'enablePrivateZone', /true/],
  ['enableReuseSSLKey not a boolean', { enableReuseSSLKey: 'x' }, 'enableReuseSSLKey', /true/],
  ['featureGates entry without value', { featureGates: 'A=true,B' }, 'featureGates', /Name=true\|false/],
  ['selectors not JSON', { selectors: '[{"name":' }, 'selectors', /not valid JSON/],
  ['selectors not an array', { selectors: '{"name":"x"}' }, 'selectors', /array/],
  ['selector without name', { selectors: '[{"objectSelector":{}}]' }, 'selectors[0].name', /./],
  ['selector with empty name', { selectors: '[{"name":""}]' }, 'selectors[0].name', /required/],
  [
    'selector field misspelt',
    { selectors: '[{"name":"a","namespaceSelecter":{}}]' },
    'selectors[0]',
    /namespaceSelecter/,
  ],
  [
    'duplicate selector names',
    { selectors: '[{"name":"a"},{"name":"a"}]' },
    'selectors[1].name',
    /duplicate/,
  ],
  [
    'matchLabels value not a string',
    { selectors: '[{"name":"a","objectSelector":{"matchLabels":{"x":1}}}]' },
    'selectors[0].objectSelector.matchLabels.x',
    /string/,
  ],
  [
    'bad matchExpressions operator',
    { selectors: '[{"name":"a","namespaceSelector":{"matchExpressions":[{"key":"x","operator":"Is"}]}}]' },
    'selectors[0].namespaceSelector.matchExpressions[0].operator',
    /./,
  ],
  [
    'effect label value the apiserver would reject',
    { selectors: '[{"name":"a","effect":{"labels":{"gpu":"a b"}}}]' },
    'selectors[0].effect.labels.gpu',
    /63 characters/,
  ],
  [
    'effect annotation key the apiserver would reject',
    { selectors: '[{"name":"a","effect":{"annotations":{"bad key":"x"}}}]' },
    'selectors[0].effect.annotations.bad key',
    /qualified name/,
  ],
];

for (const [name, data, key, message] of malformed) {
  test(`malformed profile: ${name} names ${key}`, () => {
    const result = parseEciProfile(data);
    assert.equal(result.ok, false);
    if (result.ok) return;
    const error = result.errors.find((e) => e.key === key);
    assert.ok(error, `no error for ${key}; got ${formatProfileErrors(result.errors)}`);
    assert.match(error.message, message);
  });
}

test('every malformed key is reported at once', () => {
  assert.deepEqual(errorKeys({ vpcId: 'x', enablePrivateZone: 'maybe' }).sort(), [
    'enablePrivateZone',
    'vpcId',
  ]);
});

test('privilegedAnnotations: absent refuses everywhere; JSON lists namespaces; bad entries name the key', () => {
  assert.deepEqual(ok({}).profile.privilegedAnnotations, {
    allowAll: false,
    allowedNamespaces: [],
    byAnnotation: {},
  });
  assert.deepEqual(ok({ privilegedAnnotations: '{"allowAll": true}' }).profile.privilegedAnnotations, {
    allowAll: true,
    allowedNamespaces: [],
    byAnnotation: {},
  });
  assert.deepEqual(errorKeys({ privilegedAnnotations: '{"allowedNamespaces": ["Team_A"]}' }), [
    'privilegedAnnotations.allowedNamespaces[0]',
  ]);
  assert.deepEqual(errorKeys({ privilegedAnnotations: '{"allowedNamespace": ["a"]}' }), [
    'privilegedAnnotations',
  ]);
  assert.deepEqual(
    errorKeys({ privilegedAnnotations: '{"byAnnotation": {"k8s.aliyun.com/eci-use-specs": ["a"]}}' }),
    ['privilegedAnnotations.byAnnotation'],
  );
  assert.deepEqual(errorKeys({ privilegedAnnotations: 'yes' }), ['privilegedAnnotations']);
});
