import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Pod } from '@kubernetes/client-node';
import {
  anyTokenDue,
  contentDigest,
  keptFile,
  planRefresh,
  type FileVolume,
} from '../../../../reconciler/update/refresh.ts';

const b64 = (s: string) => Buffer.from(s).toString('base64');
/** A token as the API server writes it: base64 of `header.payload.signature`, the header JSON. */
const jwt = (iat: number, exp: number) =>
  b64(
    [{ alg: 'RS256' }, { iat, exp, sub: 'system:serviceaccount:ns:default' }]
      .map((part) => Buffer.from(JSON.stringify(part)).toString('base64url'))
      .join('.') + `.${'s'.repeat(342)}`, // an RS256 signature: 256 bytes, 342 in base64url
  );
const POLICY = { fraction: 0.8, requestedSeconds: 3607 };
const T0 = 1_800_000_000;

const pod: V1Pod = {
  metadata: { uid: 'u' },
  spec: {
    volumes: [
      { name: 'cfg', configMap: { name: 'cfg' } },
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
          { name: 'kube-api-access', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' },
        ],
      },
    ],
  },
};

const token = jwt(T0, T0 + 3607);
const full: FileVolume[] = [
  { name: 'cfg', files: [{ path: 'mode', content: b64('blue') }] },
  {
    name: 'kube-api-access',
    files: [
      { path: 'token', content: token },
      { path: 'ca.crt', content: b64('ca') },
    ],
  },
];
const kept = full.map((v) => ({ name: v.name, files: v.files.map(keptFile) }));
const wanted = (mode: string, ca: string, withToken?: string): FileVolume[] => [
  { name: 'cfg', files: [{ path: 'mode', content: b64(mode) }] },
  {
    name: 'kube-api-access',
    files: [
      ...(withToken ? [{ path: 'token', content: withToken }] : []),
      { path: 'ca.crt', content: b64(ca) },
    ],
  },
];

test('a kept file is its path, a digest and a token’s times: no content', () => {
  assert.deepEqual(kept[0]!.files[0], { path: 'mode', digest: contentDigest({ content: b64('blue') }) });
  assert.deepEqual(kept[1]!.files[0], {
    path: 'token',
    digest: contentDigest({ content: token }),
    times: { iat: T0, exp: T0 + 3607 },
  });
  assert.equal(contentDigest(kept[1]!.files[0]), contentDigest({ content: token }));
  assert.equal(contentDigest({ path: 'x' }), undefined);
  // A token file is about 1 KB of content; what is kept of it, whatever its size, about 150 bytes.
  assert.ok(token.length > 600);
  assert.ok(JSON.stringify(kept[1]!.files[0]).length < 160, JSON.stringify(kept[1]!.files[0]));
});

test('digests decide as contents did: same volumes and reasons from kept files as from full ones', () => {
  const fresh = jwt(T0 + 2900, T0 + 2900 + 3607);
  const rows: [string, FileVolume[], number][] = [
    ['nothing changed', wanted('blue', 'ca'), T0 + 100],
    ['ConfigMap changed', wanted('green', 'ca'), T0 + 100],
    ['token due', wanted('blue', 'ca', fresh), T0 + 3000],
    ['both', wanted('green', 'ca', fresh), T0 + 3000],
  ];
  for (const [name, w, now] of rows) {
    const fromFull = planRefresh(pod, w, full, now * 1000, POLICY);
    const fromKept = planRefresh(pod, w, kept, now * 1000, POLICY);
    assert.deepEqual(
      fromKept.volumes.map((v) => v.name),
      fromFull.volumes.map((v) => v.name),
      name,
    );
    assert.deepEqual([...fromKept.reasons].sort(), [...fromFull.reasons].sort(), name);
    assert.equal(fromKept.needsTokens, false, name);
  }
  assert.equal(anyTokenDue(pod, kept, (T0 + 100) * 1000, POLICY), false);
  assert.equal(anyTokenDue(pod, kept, (T0 + 3000) * 1000, POLICY), true);
});

test('a volume to resend whose token is kept as a digest asks for a read with tokens; the fresh token goes along', () => {
  // The CA changed, no token due: read without tokens, the group's token cannot be sent back.
  const first = planRefresh(pod, wanted('blue', 'ca2'), kept, (T0 + 100) * 1000, POLICY);
  assert.equal(first.needsTokens, true);
  const fresh = jwt(T0 + 100, T0 + 100 + 3607);
  const second = planRefresh(pod, wanted('blue', 'ca2', fresh), kept, (T0 + 100) * 1000, POLICY);
  assert.equal(second.needsTokens, false);
  assert.deepEqual([...second.reasons], ['content']);
  assert.deepEqual(second.volumes, [
    {
      name: 'kube-api-access',
      files: [
        { path: 'token', content: fresh },
        { path: 'ca.crt', content: b64('ca2') },
      ],
    },
  ]);
  // A fresh token alone (not due) changes nothing.
  assert.deepEqual(
    planRefresh(pod, wanted('blue', 'ca', fresh), kept, (T0 + 100) * 1000, POLICY).volumes,
    [],
  );
});
