// Issue 9 fix 8: missing ConfigMaps/Secrets follow the kubelet's conventions and are
// reported with the Events virtual-kubelet records; issue 10 item 8: claims and volumes
// are checked as strictly as the kubelet checks them.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type {
  V1Container,
  V1ObjectReference,
  V1PersistentVolume,
  V1PersistentVolumeClaim,
  V1Pod,
  V1Volume,
} from '@kubernetes/client-node';
import { configErrorMessage, translatePod, type TranslateInput } from '../../../reconciler/translate.ts';
import { DEFAULTS } from './helpers.ts';

const UID = 'pod-uid-1';
const pod = (container: Partial<V1Container>, volumes: V1Volume[] = []): V1Pod => ({
  metadata: { name: 'p', namespace: 'ns', uid: UID },
  spec: {
    containers: [
      {
        name: 'app',
        image: 'nginx',
        volumeMounts: volumes.map((v) => ({ name: v.name, mountPath: `/${v.name}` })),
        ...container,
      },
    ],
    volumes,
  },
});
const run = (input: Omit<TranslateInput, 'defaults'>) => translatePod({ defaults: DEFAULTS, ...input });
const cm = { present: { metadata: { name: 'present' }, data: { a: '1' } } };
const secrets = {
  present: { metadata: { name: 'present' }, data: { a: Buffer.from('1').toString('base64') } },
};

test('optional ConfigMap/Secret references that are missing: the pod runs, one Event each', () => {
  const r = run({
    pod: pod({
      env: [
        { name: 'A', valueFrom: { configMapKeyRef: { name: 'gone', key: 'k', optional: true } } },
        { name: 'B', valueFrom: { configMapKeyRef: { name: 'present', key: 'nokey', optional: true } } },
        { name: 'C', valueFrom: { secretKeyRef: { name: 'gone-secret', key: 'k', optional: true } } },
        { name: 'D', valueFrom: { secretKeyRef: { name: 'present', key: 'nokey', optional: true } } },
      ],
      envFrom: [{ configMapRef: { name: 'gone', optional: true } }],
    }),
    configMaps: cm,
    secrets,
  });
  assert.ok(r.ok, JSON.stringify(!r.ok && r.errors));
  assert.deepEqual(r.events, [
    { type: 'Warning', reason: 'OptionalConfigMapNotFound', message: 'configmap "gone" not found' },
    {
      type: 'Warning',
      reason: 'OptionalConfigMapKeyNotFound',
      message: 'key "nokey" does not exist in configmap "present"',
    },
    { type: 'Warning', reason: 'OptionalSecretNotFound', message: 'secret "gone-secret" not found' },
    {
      type: 'Warning',
      reason: 'OptionalSecretKeyNotFound',
      message: 'key "nokey" does not exist in secret "present"',
    },
  ]);
  assert.deepEqual(
    r.missing?.map((m) => [m.kind, m.name, m.key, m.optional]),
    [
      // envFrom is read before env, as the kubelet reads it.
      ['ConfigMap', 'gone', undefined, true],
      ['ConfigMap', 'gone', undefined, true],
      ['ConfigMap', 'present', 'nokey', true],
      ['Secret', 'gone-secret', undefined, true],
      ['Secret', 'present', 'nokey', true],
    ],
  );
});

test('optional volumes: a missing ConfigMap mounts empty, a missing projected Secret key is skipped, both reported', () => {
  const r = run({
    pod: pod({}, [
      { name: 'cfg', configMap: { name: 'gone', optional: true } },
      {
        name: 'proj',
        projected: {
          sources: [{ secret: { name: 'present', optional: true, items: [{ key: 'x', path: 'x' }] } }],
        },
      },
    ]),
    configMaps: cm,
    secrets,
  });
  assert.ok(r.ok, JSON.stringify(!r.ok && r.errors));
  assert.deepEqual(
    r.events?.map((e) => e.reason),
    ['OptionalConfigMapNotFound', 'OptionalSecretKeyNotFound'],
  );
});

test('mandatory references that are missing: the pod waits, Mandatory… Events, a CreateContainerConfigError message', () => {
  const r = run({
    pod: pod(
      {
        env: [
          { name: 'A', valueFrom: { configMapKeyRef: { name: 'present', key: 'nokey' } } },
          { name: 'B', valueFrom: { secretKeyRef: { name: 'gone-secret', key: 'k' } } },
        ],
      },
      [
        { name: 'cfg', configMap: { name: 'gone' } },
        { name: 'sec', secret: { secretName: 'present', items: [{ key: 'nokey', path: 'n' }] } },
      ],
    ),
    configMaps: cm,
    secrets,
  });
  assert.ok(!r.ok);
  assert.ok(
    r.errors.every((e) => e.missingReference),
    JSON.stringify(r.errors),
  );
  assert.deepEqual(r.events, [
    { type: 'Warning', reason: 'MandatoryConfigMapNotFound', message: 'configmap "gone" not found' },
    {
      type: 'Warning',
      reason: 'MandatorySecretKeyNotFound',
      message: 'key "nokey" does not exist in secret "present"',
    },
    {
      type: 'Warning',
      reason: 'MandatoryConfigMapKeyNotFound',
      message: 'key "nokey" does not exist in configmap "present"',
    },
    { type: 'Warning', reason: 'MandatorySecretNotFound', message: 'secret "gone-secret" not found' },
  ]);
  assert.equal(
    configErrorMessage(r.missing ?? []),
    'configmap "gone" not found; key "nokey" does not exist in secret "present"; ' +
      'key "nokey" does not exist in configmap "present"; secret "gone-secret" not found',
  );
});

// Claims and volumes.
const disk = (claimRef?: V1ObjectReference): V1PersistentVolume => ({
  metadata: { name: 'pv1' },
  spec: {
    ...(claimRef ? { claimRef } : {}),
    csi: { driver: 'diskplugin.csi.alibabacloud.com', volumeHandle: 'd-1' },
  },
});
const claim = (
  name: string,
  extra: Partial<V1PersistentVolumeClaim['metadata']> = {},
): V1PersistentVolumeClaim => ({
  metadata: { name, namespace: 'ns', uid: 'claim-uid', ...extra },
  spec: { volumeName: 'pv1' },
  status: { phase: 'Bound' },
});
const pvcPod = pod({}, [{ name: 'data', persistentVolumeClaim: { claimName: 'data' } }]);

test('a PersistentVolume bound to this claim (namespace, name, uid) is mounted', () => {
  const r = run({
    pod: pvcPod,
    persistentVolumeClaims: { data: claim('data') },
    persistentVolumes: { pv1: disk({ namespace: 'ns', name: 'data', uid: 'claim-uid' }) },
  });
  assert.ok(r.ok, JSON.stringify(!r.ok && r.errors));
});

test("a claim naming another claim's PersistentVolume is refused", () => {
  for (const claimRef of [
    { namespace: 'victim', name: 'data', uid: 'claim-uid' },
    { namespace: 'ns', name: 'other', uid: 'claim-uid' },
    { namespace: 'ns', name: 'data', uid: 'another-uid' },
  ]) {
    const r = run({
      pod: pvcPod,
      persistentVolumeClaims: { data: claim('data') },
      persistentVolumes: { pv1: disk(claimRef) },
    });
    assert.ok(!r.ok, JSON.stringify(claimRef));
    assert.equal(r.errors.length, 1);
    assert.equal(r.errors[0]?.field, 'spec.volumes[0].persistentVolumeClaim');
    assert.match(r.errors[0]?.message ?? '', /PersistentVolume pv1 is bound to claim .*, not to ns\/data/);
    assert.equal(r.errors[0]?.missingReference, undefined);
  }
});

test('a PersistentVolume without claimRef is not bound yet: the pod waits', () => {
  const r = run({
    pod: pvcPod,
    persistentVolumeClaims: { data: claim('data') },
    persistentVolumes: { pv1: disk() },
  });
  assert.ok(!r.ok);
  assert.equal(r.errors[0]?.missingReference, true);
});

const ephemeralPod = pod({}, [{ name: 'scratch', ephemeral: { volumeClaimTemplate: { spec: {} } } }]);
const owner = (uid: string, controller = true) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  name: 'p',
  uid,
  controller,
});
const ephemeral = (ownerReferences: ReturnType<typeof owner>[]) => ({
  pod: ephemeralPod,
  persistentVolumeClaims: { 'p-scratch': claim('p-scratch', { ownerReferences }) },
  persistentVolumes: { pv1: disk({ namespace: 'ns', name: 'p-scratch', uid: 'claim-uid' }) },
});

test('a generic ephemeral volume uses the claim the pod controls', () => {
  const r = run(ephemeral([owner(UID)]));
  assert.ok(r.ok, JSON.stringify(!r.ok && r.errors));
});

test('a pre-created <pod>-<volume> claim the pod does not control is refused, as the kubelet refuses it', () => {
  for (const refs of [[], [owner('someone-else')], [owner(UID, false)]]) {
    const r = run(ephemeral(refs));
    assert.ok(!r.ok, JSON.stringify(refs));
    assert.deepEqual(r.errors, [
      {
        field: 'spec.volumes[0].ephemeral',
        message: 'PersistentVolumeClaim ns/p-scratch was not created for pod ns/p (pod is not owner)',
      },
    ]);
  }
});
