import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkEciAnnotations } from '../../../shared/annotations.ts';

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
