import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  isLabelValue,
  isQualifiedName,
  labelSelectorSchema,
  matchesLabelSelector,
  type LabelSelector,
} from '../../../shared/label-selector.ts';

const labels = { app: 'web', tier: 'front', 'alibabacloud.com/eci': 'true' };

const cases: Array<[string, LabelSelector, Record<string, string> | undefined, boolean]> = [
  ['empty selector matches anything', {}, labels, true],
  ['empty selector matches no labels', {}, undefined, true],
  ['matchLabels all present', { matchLabels: { app: 'web', tier: 'front' } }, labels, true],
  ['matchLabels one differs', { matchLabels: { app: 'web', tier: 'back' } }, labels, false],
  ['matchLabels key missing', { matchLabels: { gpu: 'true' } }, labels, false],
  ['matchLabels on undefined labels', { matchLabels: { app: 'web' } }, undefined, false],
  ['matchLabels key with slash', { matchLabels: { 'alibabacloud.com/eci': 'true' } }, labels, true],
  [
    'In matches',
    { matchExpressions: [{ key: 'app', operator: 'In', values: ['api', 'web'] }] },
    labels,
    true,
  ],
  [
    'In value not listed',
    { matchExpressions: [{ key: 'app', operator: 'In', values: ['api'] }] },
    labels,
    false,
  ],
  ['In key missing', { matchExpressions: [{ key: 'x', operator: 'In', values: ['a'] }] }, labels, false],
  ['NotIn listed', { matchExpressions: [{ key: 'app', operator: 'NotIn', values: ['web'] }] }, labels, false],
  [
    'NotIn not listed',
    { matchExpressions: [{ key: 'app', operator: 'NotIn', values: ['api'] }] },
    labels,
    true,
  ],
  ['NotIn key missing', { matchExpressions: [{ key: 'x', operator: 'NotIn', values: ['a'] }] }, labels, true],
  ['Exists present', { matchExpressions: [{ key: 'tier', operator: 'Exists' }] }, labels, true],
  ['Exists absent', { matchExpressions: [{ key: 'gpu', operator: 'Exists' }] }, labels, false],
  ['DoesNotExist absent', { matchExpressions: [{ key: 'gpu', operator: 'DoesNotExist' }] }, labels, true],
  ['DoesNotExist present', { matchExpressions: [{ key: 'app', operator: 'DoesNotExist' }] }, labels, false],
  [
    'labels and expressions are ANDed (both hold)',
    { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['front'] }] },
    labels,
    true,
  ],
  [
    'labels and expressions are ANDed (expression fails)',
    { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['back'] }] },
    labels,
    false,
  ],
  [
    'inherited property names are not labels',
    { matchExpressions: [{ key: 'toString', operator: 'Exists' }] },
    {},
    false,
  ],
];

for (const [name, selector, input, expected] of cases) {
  test(`matchesLabelSelector: ${name}`, () => {
    assert.equal(matchesLabelSelector(selector, input), expected);
  });
}

test('qualified names and label values follow apiserver validation', () => {
  for (const ok of ['eci', 'alibabacloud.com/eci', 'a.b-c/d_e.f', 'k8s.aliyun.com/eci-use-specs']) {
    assert.ok(isQualifiedName(ok), ok);
  }
  for (const bad of ['', '/x', 'UPPER.com/x', 'a/b/c/-x', '-x', 'x-', 'a'.repeat(64), 'has space']) {
    assert.ok(!isQualifiedName(bad), bad);
  }
  for (const ok of ['', 'true', 'a-b_c.d', 'x'.repeat(63)]) assert.ok(isLabelValue(ok), ok);
  for (const bad of ['-a', 'a-', 'a b', 'x'.repeat(64), 'a/b']) assert.ok(!isLabelValue(bad), bad);
});

test('labelSelectorSchema rejects bad operators, missing or extra values and unknown fields', () => {
  const bad: unknown[] = [
    { matchExpressions: [{ key: 'a', operator: 'Equals', values: ['x'] }] },
    { matchExpressions: [{ key: 'a', operator: 'In' }] },
    { matchExpressions: [{ key: 'a', operator: 'NotIn', values: [] }] },
    { matchExpressions: [{ key: 'a', operator: 'Exists', values: ['x'] }] },
    { matchLabel: { a: 'b' } },
    { matchLabels: { a: 'not valid' } },
  ];
  for (const input of bad)
    assert.equal(labelSelectorSchema.safeParse(input).success, false, JSON.stringify(input));
  assert.equal(
    labelSelectorSchema.safeParse({ matchExpressions: [{ key: 'a', operator: 'DoesNotExist' }] }).success,
    true,
  );
});
