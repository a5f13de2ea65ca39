import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Pod } from '@kubernetes/client-node';
import {
  anyTokenDue,
  jwtTimes,
  planRefresh,
  refreshableVolumes,
  tokenDue,
  withoutTokenSources,
  type FileVolume,
} from '../../../../reconciler/update/refresh.ts';

const b64 = (s: string) => Buffer.from(s).toString('base64');
const jwt = (iat: number, exp: number) =>
  b64(`h.${Buffer.from(JSON.stringify({ iat, exp })).toString('base64url')}.sig`);
const POLICY = { fraction: 0.8, requestedSeconds: 3607 };
const T0 = 1_800_000_000; // seconds

const pod: V1Pod = {
  metadata: { uid: 'u' },
  spec: {
    volumes: [
      { name: 'cfg', configMap: { name: 'cfg' } },
      { name: 'pinned', configMap: { name: 'cfg' } },
      { name: 'both', secret: { secretName: 's' } },
      { name: 'scratch', emptyDir: {} },
      {
        name: 'labels',
        downwardAPI: { items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }] },
      },
      {
        name: 'kube-api-access',
        projected: {
          sources: [{ serviceAccountToken: { path: 'token' } }, { configMap: { name: 'kube-root-ca.crt' } }],
        },
      },
    ],
    containers: [
      {
        name: 'a',
        image: 'x',
        volumeMounts: [
          { name: 'cfg', mountPath: '/cfg' },
          { name: 'pinned', mountPath: '/pinned/f', subPath: 'f' },
          { name: 'both', mountPath: '/s/f', subPath: 'f' },
          { name: 'scratch', mountPath: '/tmp' },
          { name: 'labels', mountPath: '/etc/podinfo' },
          { name: 'kube-api-access', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' },
        ],
      },
      { name: 'b', image: 'x', volumeMounts: [{ name: 'both', mountPath: '/s' }] },
    ],
  },
};

test('refreshed volumes: ConfigMap/Secret/downward API/projected ones mounted at least once without subPath', () => {
  assert.deepEqual([...refreshableVolumes(pod)].sort(), ['both', 'cfg', 'kube-api-access', 'labels']);
});

test('a token is due at 80 % of the lifetime asked for, even when the API server issued a longer one', () => {
  const table: [string, string | undefined, number, boolean][] = [
    ['fresh', jwt(T0, T0 + 3607), T0 + 60, false],
    ['just before 80 %', jwt(T0, T0 + 3607), T0 + 2885, false],
    ['at 80 %', jwt(T0, T0 + 3607), T0 + 2886, true],
    ['extended to a year: still 80 % of 3607 s', jwt(T0, T0 + 365 * 86400), T0 + 2886, true],
    ['shorter than asked: 80 % of its own', jwt(T0, T0 + 600), T0 + 480, true],
    ['not a JWT: renewed', b64('garbage'), T0, true],
    ['absent: renewed', undefined, T0, true],
  ];
  for (const [name, content, now, want] of table)
    assert.equal(tokenDue(content, now * 1000, POLICY), want, name);
  assert.deepEqual(jwtTimes(jwt(1, 2)), { iat: 1, exp: 2 });
});

test('the refresh plan of each change', () => {
  const oldToken = jwt(T0, T0 + 3607);
  const newToken = jwt(T0 + 100, T0 + 3707);
  const current: FileVolume[] = [
    { name: 'cfg', files: [{ path: 'mode', content: b64('blue') }] },
    { name: 'pinned', files: [{ path: 'f', content: b64('blue') }] },
    {
      name: 'kube-api-access',
      files: [
        { path: 'token', content: oldToken },
        { path: 'ca.crt', content: b64('ca') },
      ],
    },
  ];
  const wanted = (mode: string, token: string): FileVolume[] => [
    { name: 'cfg', files: [{ path: 'mode', content: b64(mode) }] },
    { name: 'pinned', files: [{ path: 'f', content: b64(mode) }] },
    {
      name: 'kube-api-access',
      files: [
        { path: 'token', content: token },
        { path: 'ca.crt', content: b64('ca') },
      ],
    },
    { name: 'both', files: [{ path: 'f', content: b64('new') }] },
  ];
  const table: { case: string; wanted: FileVolume[]; now: number; volumes: string[]; reasons: string[] }[] = [
    {
      case: 'nothing changed, fresh token not due',
      wanted: wanted('blue', newToken),
      now: T0 + 100,
      volumes: [],
      reasons: [],
    },
    {
      case: 'ConfigMap changed: its volume (not the subPath-only one); the token stays',
      wanted: wanted('green', newToken),
      now: T0 + 100,
      volumes: ['cfg'],
      reasons: ['content'],
    },
    {
      case: 'token due: only the token volume',
      wanted: wanted('blue', newToken),
      now: T0 + 3000,
      volumes: ['kube-api-access'],
      reasons: ['token'],
    },
    {
      case: 'both at once: one plan',
      wanted: wanted('green', newToken),
      now: T0 + 3000,
      volumes: ['cfg', 'kube-api-access'],
      reasons: ['content', 'token'],
    },
  ];
  for (const row of table) {
    const plan = planRefresh(pod, row.wanted, current, row.now * 1000, POLICY);
    assert.deepEqual(
      plan.volumes.map((v) => v.name),
      row.volumes,
      row.case,
    );
    assert.deepEqual([...plan.reasons].sort(), row.reasons, row.case);
  }
  const due = planRefresh(pod, wanted('blue', newToken), current, (T0 + 3000) * 1000, POLICY);
  assert.deepEqual(due.volumes[0]?.files, [
    { path: 'token', content: newToken },
    { path: 'ca.crt', content: b64('ca') },
  ]);
});

test('no token due: the pod is read without token sources and the group keeps its token', () => {
  const token = jwt(T0, T0 + 3607);
  const current: FileVolume[] = [
    { name: 'cfg', files: [{ path: 'mode', content: b64('blue') }] },
    {
      name: 'kube-api-access',
      files: [
        { path: 'token', content: token },
        { path: 'ca.crt', content: b64('ca') },
      ],
    },
  ];
  assert.equal(anyTokenDue(pod, current, (T0 + 60) * 1000, POLICY), false);
  assert.equal(anyTokenDue(pod, current, (T0 + 3000) * 1000, POLICY), true);
  const stripped = withoutTokenSources(pod);
  const projected = stripped.spec?.volumes?.find((v) => v.name === 'kube-api-access')?.projected?.sources;
  assert.deepEqual(projected, [{ configMap: { name: 'kube-root-ca.crt' } }]);
  assert.ok(
    pod.spec?.volumes?.find((v) => v.name === 'kube-api-access')?.projected?.sources?.[0]
      ?.serviceAccountToken,
    'the pod itself is not changed',
  );
  // Translated without the token: only ca.crt comes back; the token the group holds stays.
  const wanted: FileVolume[] = [
    { name: 'cfg', files: [{ path: 'mode', content: b64('green') }] },
    { name: 'kube-api-access', files: [{ path: 'ca.crt', content: b64('ca') }] },
  ];
  const plan = planRefresh(pod, wanted, current, (T0 + 60) * 1000, POLICY);
  assert.deepEqual(
    plan.volumes.map((v) => v.name),
    ['cfg'],
  );
});
