// The small pure pieces: quantities, spec rounding, names, $(VAR) expansion, registry hosts.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isGpuInstanceType, roundUpSpec } from '../../../shared/eci-specs.ts';
import { expandVars } from '../../../reconciler/translate/env.ts';
import { containerGroupName, podHostname } from '../../../reconciler/translate/names.ts';
import { ceilTo, parseQuantity } from '../../../reconciler/translate/quantity.ts';
import { registryServer } from '../../../reconciler/translate/registry.ts';

test('quantities in every Kubernetes notation', () => {
  const cases: Array<[string | number, number | undefined]> = [
    ['500m', 0.5],
    ['2', 2],
    ['1.5', 1.5],
    ['128974848', 128974848],
    ['129e6', 129e6],
    ['129M', 129e6],
    ['123Mi', 123 * 2 ** 20],
    ['1Gi', 2 ** 30],
    ['1k', 1000],
    ['100u', 1e-4],
    [0.25, 0.25],
    ['two', undefined],
    ['1GB', undefined],
    ['', undefined],
  ];
  for (const [input, expected] of cases) assert.equal(parseQuantity(input), expected, String(input));
});

test('ceilTo rounds up without float noise', () => {
  assert.equal(ceilTo(0.1 + 0.2, 3), 0.3);
  assert.equal(ceilTo(100 / 1024, 3), 0.098);
  assert.equal(ceilTo(1.375, 3), 1.375);
});

test('spec rounding follows the ECI table (fewest vCPUs, then least memory)', () => {
  const cases: Array<[number, number, { cpu: number; memory: number } | undefined]> = [
    [0.25, 0.5, { cpu: 0.25, memory: 0.5 }],
    [0.1, 0, { cpu: 0.25, memory: 0.5 }],
    [0.5, 1.5, { cpu: 0.5, memory: 2 }],
    [1, 3, { cpu: 1, memory: 4 }],
    [1, 12, { cpu: 2, memory: 16 }],
    [2.25, 2.5, { cpu: 4, memory: 4 }],
    [7, 13, { cpu: 8, memory: 16 }],
    [0, 90, { cpu: 12, memory: 96 }],
    [0, 100, { cpu: 16, memory: 128 }],
    [48, 48, { cpu: 52, memory: 96 }],
    [64, 512, { cpu: 64, memory: 512 }],
    [65, 1, undefined],
    [1, 513, undefined],
  ];
  for (const [cpu, memory, expected] of cases)
    assert.deepEqual(roundUpSpec(cpu, memory), expected, `${cpu}/${memory}`);
});

test('GPU instance types are recognised', () => {
  assert.ok(isGpuInstanceType('ecs.gn6i-c4g1.xlarge'));
  assert.ok(isGpuInstanceType('ecs.gn7i-c8g1.2xlarge'));
  assert.ok(isGpuInstanceType('ecigpu-P100-4'));
  assert.ok(!isGpuInstanceType('ecs.c6.large'));
  assert.ok(!isGpuInstanceType('ecs.g6.large'));
});

test('container group names are valid, bounded and distinct', () => {
  const a = containerGroupName('ns-a', 'b');
  const b = containerGroupName('ns', 'a-b');
  assert.match(a, /^ns-a-b-[0-9a-f]{8}$/);
  assert.match(b, /^ns-a-b-[0-9a-f]{8}$/);
  assert.notEqual(a, b);
  const dotted = containerGroupName('default', 'web.v2_Canary');
  assert.match(dotted, /^default-web-v2-canary-[0-9a-f]{8}$/);
  const long = containerGroupName('n'.repeat(63), 'p'.repeat(253));
  assert.equal(long.length, 128);
  assert.match(long, /^[a-z0-9][a-z0-9-]*[a-z0-9]$/);
  assert.notEqual(long, containerGroupName('n'.repeat(63), `${'p'.repeat(252)}q`));
  assert.match(containerGroupName('-', '-'), /^pod-[0-9a-f]{8}$/);
});

test('pod host name: spec.hostname, else the pod name cut to 63 characters', () => {
  assert.equal(podHostname('web-1', 'custom'), 'custom');
  // spec.hostnameOverride wins over spec.hostname, as on a kubelet (found by make conformance).
  assert.equal(podHostname('web-1', 'custom', 'override-host'), 'override-host');
  assert.equal(podHostname('web-1', undefined, 'override.example.host'), 'override.example.host');
  assert.equal(podHostname('web-1', undefined), 'web-1');
  assert.equal(podHostname(`${'a'.repeat(62)}-b`, undefined), 'a'.repeat(62));
});

test('$(VAR) expansion as kubelet does it', () => {
  const vars: Record<string, string> = { A: 'x', B: 'y' };
  const lookup = (n: string) => vars[n];
  assert.equal(expandVars('$(A)-$(B)', lookup), 'x-y');
  assert.equal(expandVars('$$(A)', lookup), '$(A)');
  assert.equal(expandVars('$(MISSING) $A $', lookup), '$(MISSING) $A $');
  assert.equal(expandVars('$(A', lookup), '$(A');
  assert.equal(expandVars('$()', lookup), '$()');
});

test('registry server from a docker config key', () => {
  assert.equal(registryServer('https://index.docker.io/v1/'), 'index.docker.io');
  assert.equal(registryServer('registry.cn-hangzhou.aliyuncs.com'), 'registry.cn-hangzhou.aliyuncs.com');
  assert.equal(registryServer('http://harbor.local:8443/path'), 'harbor.local:8443');
});
