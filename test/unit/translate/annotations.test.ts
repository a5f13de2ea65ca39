import assert from 'node:assert/strict';
import { test } from 'node:test';
import { APPLY, applyEciAnnotations } from '../../../reconciler/translate/annotations.ts';
import type { EciRequestFields } from '../../../reconciler/translate/request.ts';
import {
  checkEciAnnotations,
  ECI_ANNOTATIONS,
  parseEciAnnotations,
} from '../../../shared/annotation-values.ts';

test('well-formed annotations give no errors and no warnings', () => {
  assert.deepEqual(
    checkEciAnnotations({
      'k8s.aliyun.com/eci-use-specs': '2-4Gi,ecs.c6.xlarge',
      'k8s.aliyun.com/eci-spot-strategy': 'SpotWithPriceLimit',
      'k8s.aliyun.com/eci-spot-price-limit': '0.250',
      'app.kubernetes.io/name': 'web',
    }),
    { errors: [], warnings: [] },
  );
});

test('a malformed value is an error naming the annotation and the expected format', () => {
  const { errors } = checkEciAnnotations({ 'k8s.aliyun.com/eci-spot-duration': '7' });
  assert.equal(errors.length, 1);
  assert.equal(errors[0]?.annotation, 'k8s.aliyun.com/eci-spot-duration');
  assert.match(
    errors[0]?.message ?? '',
    /invalid value "7".*expected an integer number of hours from 0 to 6/,
  );
});

test('an unknown k8s.aliyun.com/eci-* annotation is a warning; other prefixes are not ours', () => {
  assert.deepEqual(
    checkEciAnnotations({ 'k8s.aliyun.com/eci-spto-strategy': 'x', 'example.com/eci-x': 'y' }),
    {
      errors: [],
      warnings: ['unknown ECI annotation k8s.aliyun.com/eci-spto-strategy is ignored'],
    },
  );
});

test('annotations the reconciler writes back are known, never "unknown"', () => {
  assert.deepEqual(
    checkEciAnnotations({
      'k8s.aliyun.com/eci-instance-id': 'eci-123',
      'k8s.aliyun.com/eci-request-id': 'R',
    }),
    { errors: [], warnings: [] },
  );
});

// Every row of the table, driven from the table itself so a new row is tested too.
for (const [name, entry] of Object.entries(ECI_ANNOTATIONS)) {
  if (entry.use === 'status') continue;
  test(`malformed or unsupported ${name} is an error naming it`, () => {
    const { errors } = checkEciAnnotations({ [name]: '!!!' });
    assert.equal(errors.length, 1, JSON.stringify(errors));
    assert.equal(errors[0]?.annotation, name);
    const message = errors[0]?.message ?? '';
    // An unsupported annotation is rejected either way: as unsupported, or first as malformed.
    const unsupported = entry.use === 'unsupported' && message.startsWith('not supported: ');
    assert.ok(unsupported || message.endsWith(`expected ${entry.format}`), message);
  });
}

test('ignored annotations are accepted with a warning saying they have no effect', () => {
  const ignored = Object.entries(ECI_ANNOTATIONS).filter(([, e]) => e.use === 'ignored');
  assert.ok(ignored.length > 0);
  for (const [name] of ignored) {
    const value = name.endsWith('match-count-request') ? '2' : 'true';
    const r = checkEciAnnotations({ [name]: value });
    assert.deepEqual(r.errors, []);
    assert.equal(r.warnings.length, 1);
    assert.match(r.warnings[0] ?? '', new RegExp(`^annotation ${name} has no effect`));
  }
});

test('a boolean unsupported annotation set to "false" asks for nothing and passes', () => {
  assert.deepEqual(checkEciAnnotations({ 'k8s.aliyun.com/eci-spot-fallback': 'false' }), {
    errors: [],
    warnings: [],
  });
  assert.equal(checkEciAnnotations({ 'k8s.aliyun.com/eci-spot-fallback': 'true' }).errors.length, 1);
});

test('reconciler annotations are validated but change no request field', () => {
  const annotations = {
    'k8s.aliyun.com/eci-fail-strategy': 'fail-fast',
    'k8s.aliyun.com/pod-fail-on-create-err': 'true',
    'k8s.aliyun.com/eci-max-pending-minute': '30',
  };
  const { values, errors, warnings } = parseEciAnnotations(annotations);
  assert.deepEqual({ errors, warnings }, { errors: [], warnings: [] });
  assert.deepEqual(values, {
    'k8s.aliyun.com/eci-fail-strategy': 'fail-fast',
    'k8s.aliyun.com/pod-fail-on-create-err': true,
    'k8s.aliyun.com/eci-max-pending-minute': 30,
  });
  const request = {};
  applyEciAnnotations(request, values);
  assert.deepEqual(request, {});
  assert.equal(checkEciAnnotations({ 'k8s.aliyun.com/eci-max-pending-minute': '5' }).errors.length, 1);
});

test('spot price limit and strategy must come together', () => {
  assert.deepEqual(checkEciAnnotations({ 'k8s.aliyun.com/eci-spot-strategy': 'SpotWithPriceLimit' }).errors, [
    {
      annotation: 'k8s.aliyun.com/eci-spot-price-limit',
      message: 'required when k8s.aliyun.com/eci-spot-strategy is SpotWithPriceLimit',
    },
  ]);
  assert.deepEqual(checkEciAnnotations({ 'k8s.aliyun.com/eci-spot-price-limit': '0.5' }).errors, [
    {
      annotation: 'k8s.aliyun.com/eci-spot-price-limit',
      message: 'only valid with k8s.aliyun.com/eci-spot-strategy: SpotWithPriceLimit',
    },
  ]);
});

test('ACR role ARNs need ACR instance ids', () => {
  assert.deepEqual(checkEciAnnotations({ 'k8s.aliyun.com/acr-user-arns': 'acs:ram::123:role/x' }).errors, [
    { annotation: 'k8s.aliyun.com/acr-user-arns', message: 'requires k8s.aliyun.com/acr-instance-ids' },
  ]);
});

const apply = (annotations: Record<string, string>) => {
  const { values, errors } = parseEciAnnotations(annotations);
  assert.deepEqual(errors, []);
  const request: EciRequestFields = { cpu: 2, memory: 4 };
  applyEciAnnotations(request, values);
  return request;
};

test('eci-use-specs with one vCPU-memory pair sets Cpu/Memory', () => {
  assert.deepEqual(apply({ 'k8s.aliyun.com/eci-use-specs': '8-16Gi' }), { cpu: 8, memory: 16 });
});

test('eci-use-specs with instance types sets InstanceType in priority order and drops Cpu/Memory', () => {
  assert.deepEqual(apply({ 'k8s.aliyun.com/eci-use-specs': 'ecs.c6.xlarge, 4-8Gi' }), {
    instanceType: 'ecs.c6.xlarge,4-8Gi',
  });
});

test('legacy eci-instance-type sets InstanceType; eci-use-specs wins over it', () => {
  assert.deepEqual(apply({ 'k8s.aliyun.com/eci-instance-type': 'ecs.g6.large' }), {
    instanceType: 'ecs.g6.large',
  });
  assert.deepEqual(
    apply({ 'k8s.aliyun.com/eci-instance-type': 'ecs.g6.large', 'k8s.aliyun.com/eci-use-specs': '1-2Gi' }),
    { cpu: 1, memory: 2 },
  );
});

test('the legacy image cache names map like the new ones', () => {
  assert.deepEqual(
    apply({ 'k8s.aliyun.com/eci-imc-id': 'imc-abc', 'k8s.aliyun.com/eci-auto-imc': 'false' }),
    {
      cpu: 2,
      memory: 4,
      imageSnapshotId: 'imc-abc',
      autoMatchImageCache: false,
    },
  );
});

test('an existing EIP and bandwidth in other units', () => {
  assert.deepEqual(
    apply({
      'k8s.aliyun.com/eci-eip-instanceid': 'eip-2ze1',
      'kubernetes.io/ingress-bandwidth': '512K',
      'kubernetes.io/egress-bandwidth': '1Gi',
    }),
    { cpu: 2, memory: 4, eipInstanceId: 'eip-2ze1', ingressBandwidth: 512_000, egressBandwidth: 2 ** 30 },
  );
});

test('custom hosts with the same IP share one HostAliase entry', () => {
  assert.deepEqual(
    apply({
      'k8s.aliyun.com/eci-custom-hosts':
        '[{"host":"a.example","ip":"10.0.0.1"},{"host":"b.example","ip":"10.0.0.1"}]',
    }).hostAliase,
    [{ ip: '10.0.0.1', hostname: ['a.example', 'b.example'] }],
  );
});

test('every table entry documents its field and format; exactly the request rows have an apply', () => {
  for (const [name, entry] of Object.entries(ECI_ANNOTATIONS)) {
    assert.ok(entry.field.length > 0 && entry.format.length > 0, name);
    if (entry.use === 'request')
      assert.ok(Object.hasOwn(APPLY, name), `${name} maps to a field but has no apply`);
    else assert.ok(!Object.hasOwn(APPLY, name), `${name} is not a request row but has an apply`);
  }
});

test('resource ids are accepted in the shape the ECI Profile accepts', () => {
  assert.deepEqual(
    apply({
      'k8s.aliyun.com/eci-vswitch': 'vsw-bp1-zone-a',
      'k8s.aliyun.com/eci-security-group': 'sg-bp1-web',
    }),
    {
      cpu: 2,
      memory: 4,
      vSwitchId: 'vsw-bp1-zone-a',
      securityGroupId: 'sg-bp1-web',
    },
  );
  assert.equal(checkEciAnnotations({ 'k8s.aliyun.com/eci-vswitch': 'subnet-1' }).errors.length, 1);
});

test('booleans are case-insensitive and ids tolerate surrounding spaces', () => {
  assert.deepEqual(
    apply({ 'k8s.aliyun.com/eci-with-eip': 'True', 'k8s.aliyun.com/eci-ram-role-name': ' role-a ' }),
    {
      cpu: 2,
      memory: 4,
      autoCreateEip: true,
      ramRoleName: 'role-a',
    },
  );
});

// Issue 10 item 9: numbers are finite and bounded, tags fit ECI's 128 characters.
test('numeric annotations are bounded: a 400-digit value is an error, never Infinity', () => {
  const huge = '9'.repeat(400);
  for (const [name, value] of [
    ['kubernetes.io/ingress-bandwidth', huge],
    ['kubernetes.io/egress-bandwidth', `${huge}G`],
    ['k8s.aliyun.com/eci-use-specs', `${huge}-4Gi`],
    ['k8s.aliyun.com/eci-use-specs', `2-${huge}Gi`],
    ['k8s.aliyun.com/eci-cpu-option-core', huge],
    ['k8s.aliyun.com/eci-ipv6-bandwidth', `${huge}M`],
  ] as const) {
    const { errors, values } = parseEciAnnotations({ [name]: value });
    assert.equal(errors.length, 1, `${name}=${value.slice(0, 8)}…: ${JSON.stringify(values)}`);
    assert.equal(errors[0]?.annotation, name);
  }
  const spot = parseEciAnnotations({
    'k8s.aliyun.com/eci-spot-strategy': 'SpotWithPriceLimit',
    'k8s.aliyun.com/eci-spot-price-limit': huge,
  });
  assert.deepEqual(
    spot.errors.map((e) => e.annotation),
    ['k8s.aliyun.com/eci-spot-price-limit', 'k8s.aliyun.com/eci-spot-price-limit'],
  );
  assert.equal(apply({ 'kubernetes.io/ingress-bandwidth': '1T' }).ingressBandwidth, 1e12);
  assert.equal(parseEciAnnotations({ 'kubernetes.io/ingress-bandwidth': '1.5T' }).errors.length, 1);
  assert.equal(parseEciAnnotations({ 'kubernetes.io/ingress-bandwidth': '0' }).errors.length, 1);
});

test('custom tags: keys and values longer than 128 characters are refused', () => {
  const long = 'x'.repeat(129);
  const max = 'y'.repeat(128);
  for (const value of [`${long}:v`, `k:${long}`]) {
    const { errors } = checkEciAnnotations({ 'k8s.aliyun.com/eci-custom-tags': value });
    assert.equal(errors.length, 1, value);
    assert.match(errors[0]?.message ?? '', /limited to 128 characters/);
  }
  assert.deepEqual(apply({ 'k8s.aliyun.com/eci-custom-tags': `${max}:${max}` }).tag, [
    { key: max, value: max },
  ]);
});

test('a huge malformed value is quoted only in part', () => {
  const raw = `${'a'.repeat(5000)}!`;
  const { errors } = checkEciAnnotations({ 'k8s.aliyun.com/eci-spot-duration': raw });
  assert.ok((errors[0]?.message.length ?? 0) < 400, errors[0]?.message.slice(0, 200));
  assert.match(errors[0]?.message ?? '', /… \(5001 characters\)/);
});

test('eci-kube-proxy-enabled: "true" is refused (the ECI API cannot run kube-proxy in a group), "false" is fine', () => {
  const proxy = 'k8s.aliyun.com/eci-kube-proxy-enabled';
  const refused = checkEciAnnotations({ [proxy]: 'true' });
  assert.equal(refused.errors.length, 1);
  assert.equal(refused.errors[0]?.annotation, proxy);
  assert.match(refused.errors[0]?.message ?? '', /^not supported: ClusterIP access through kube-proxy/);
  assert.match(refused.errors[0]?.message ?? '', /enablePrivateZone/);
  assert.deepEqual(checkEciAnnotations({ [proxy]: 'false' }).errors, []);
});
