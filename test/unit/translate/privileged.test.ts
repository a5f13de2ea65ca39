// Issue 10 item 4: annotations that grant cloud IAM or networking are refused outside
// the namespaces the operator lists, inside the translation every pod goes through
// (also a pod that sets spec.nodeName itself and so never met the webhook).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { V1Pod } from '@kubernetes/client-node';
import { translatePod, type TranslateInput } from '../../../reconciler/translate.ts';
import { formatProfileErrors, parseEciProfile } from '../../../shared/profile.ts';
import {
  PRIVILEGED_ANNOTATION_NAMES,
  privilegedAnnotationRefusals,
  type PrivilegedAnnotationPolicy,
} from '../../../shared/privileged-annotations.ts';
import { unsupportedFeatureWarnings } from '../../../webhook/warnings.ts';
import { DEFAULTS } from './helpers.ts';

const ROLE = 'k8s.aliyun.com/eci-ram-role-name';
const SG = 'k8s.aliyun.com/eci-security-group';

const pod = (namespace: string, annotations: Record<string, string>): V1Pod => ({
  metadata: { name: 'p', namespace, uid: 'u', annotations },
  // Bound by its author straight to the virtual node: the webhook never saw it.
  spec: { nodeName: 'virtual-node-eci-0', containers: [{ name: 'app', image: 'nginx' }] },
});
const translate = (p: V1Pod, extra: Partial<TranslateInput> = {}) =>
  translatePod({ pod: p, defaults: DEFAULTS, ...extra });
const policy = (p: Partial<PrivilegedAnnotationPolicy>): PrivilegedAnnotationPolicy => ({
  allowAll: false,
  allowedNamespaces: [],
  byAnnotation: {},
  ...p,
});

test('by default a RAM role annotation is refused, naming the annotation and the policy', () => {
  const r = translate(pod('team-a', { [ROLE]: 'AdminRole' }));
  assert.ok(!r.ok);
  assert.deepEqual(r.errors, [
    {
      field: `metadata.annotations['${ROLE}']`,
      message:
        `annotation ${ROLE} is not allowed in namespace "team-a" by the ECI Profile's privilegedAnnotations policy ` +
        '(allowed in: no namespace); it assumes a RAM role: the pod gets its cloud permissions',
    },
  ]);
  assert.equal(r.errors[0]?.missingReference, undefined, 'a refusal is final, not a wait');
});

test('allowed in the listed namespaces only; the message lists them', () => {
  const p = policy({ allowedNamespaces: ['kube-system'] });
  assert.ok(translate(pod('kube-system', { [ROLE]: 'r', [SG]: 'sg-1' }), { policy: p }).ok);
  const r = translate(pod('team-a', { [SG]: 'sg-prod' }), { policy: p });
  assert.ok(!r.ok);
  assert.match(r.errors[0]?.message ?? '', /not allowed in namespace "team-a" .*\(allowed in: kube-system\)/);
});

test('byAnnotation allows one annotation in a namespace, not the others', () => {
  const p = policy({ allowedNamespaces: ['kube-system'], byAnnotation: { [ROLE]: ['ml'] } });
  assert.ok(translate(pod('ml', { [ROLE]: 'TrainingRole' }), { policy: p }).ok);
  const r = translate(pod('ml', { [ROLE]: 'TrainingRole', [SG]: 'sg-1' }), { policy: p });
  assert.ok(!r.ok);
  assert.deepEqual(
    r.errors.map((e) => e.field),
    [`metadata.annotations['${SG}']`],
  );
  assert.match(r.errors[0]?.message ?? '', /\(allowed in: kube-system\)/);
});

test('allowAll restores the original add-on behaviour', () => {
  assert.ok(
    translate(pod('team-a', { [ROLE]: 'r', [SG]: 'sg-1' }), { policy: policy({ allowAll: true }) }).ok,
  );
});

test('every privileged annotation is refused by default, and nothing else is', () => {
  const all = Object.fromEntries(PRIVILEGED_ANNOTATION_NAMES.map((n) => [n, 'x']));
  assert.deepEqual(
    privilegedAnnotationRefusals(all, 'team-a').map((r) => r.annotation),
    PRIVILEGED_ANNOTATION_NAMES,
  );
  for (const name of [
    'k8s.aliyun.com/eci-ram-role-name',
    'k8s.aliyun.com/eci-security-group',
    'k8s.aliyun.com/eci-vswitch',
    'k8s.aliyun.com/eci-eip-instanceid',
    'k8s.aliyun.com/eci-private-ip-address',
    'k8s.aliyun.com/acr-instance-ids',
    'k8s.aliyun.com/acr-service-arns',
    'k8s.aliyun.com/acr-user-arns',
  ])
    assert.ok(PRIVILEGED_ANNOTATION_NAMES.includes(name as never), name);
  assert.deepEqual(
    privilegedAnnotationRefusals(
      { 'k8s.aliyun.com/eci-use-specs': '2-4Gi', 'app.kubernetes.io/name': 'x' },
      'a',
    ),
    [],
  );
});

test('the ECI Profile key privilegedAnnotations is parsed and used when the input names no policy', () => {
  const parsed = parseEciProfile({
    privilegedAnnotations: JSON.stringify({
      allowedNamespaces: ['kube-system'],
      byAnnotation: { [ROLE]: ['ml'] },
    }),
  });
  if (!parsed.ok) assert.fail(formatProfileErrors(parsed.errors));
  assert.deepEqual(parsed.profile.privilegedAnnotations, {
    allowAll: false,
    allowedNamespaces: ['kube-system'],
    byAnnotation: { [ROLE]: ['ml'] },
  });
  const profile = { privilegedAnnotations: parsed.profile.privilegedAnnotations };
  assert.ok(translate(pod('ml', { [ROLE]: 'r' }), { profile }).ok);
  assert.ok(!translate(pod('team-a', { [ROLE]: 'r' }), { profile }).ok);
  // An explicit policy (the reconciler's resolved one) wins.
  assert.ok(translate(pod('team-a', { [ROLE]: 'r' }), { profile, policy: policy({ allowAll: true }) }).ok);
});

test('a policy from the flags says so in the message', () => {
  const r = translate(pod('team-a', { [ROLE]: 'r' }), {
    policy: policy({ source: 'the --privileged-annotation-namespaces flag' }),
  });
  assert.ok(!r.ok);
  assert.match(r.errors[0]?.message ?? '', /by the --privileged-annotation-namespaces flag \(allowed in/);
});

test('the webhook warns with the same refusal when it is given the profile policy', () => {
  const p = pod('team-a', { [ROLE]: 'r' });
  const [refusal] = privilegedAnnotationRefusals(p.metadata?.annotations, 'team-a', policy({}));
  assert.deepEqual(unsupportedFeatureWarnings(p, { namespace: 'team-a', policy: policy({}) }), [
    `metadata.annotations[${ROLE}]: ${refusal?.message}; the reconciler will refuse the pod`,
  ]);
  assert.deepEqual(
    unsupportedFeatureWarnings(p, { namespace: 'team-a', policy: policy({ allowedNamespaces: ['team-a'] }) }),
    [],
  );
  assert.deepEqual(unsupportedFeatureWarnings(p), [], 'no policy given: not checked at admission');
});
