// The node port's authentication and authorization decisions: the kubelet's attributes by
// path and method, the caches and their TTLs, and 401/403/500 with a fake review client.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import pino from 'pino';
import { nodeAttributes, verbOf } from '../../../../reconciler/kubelet/auth/attributes.ts';
import { TtlCache } from '../../../../reconciler/kubelet/auth/ttl-cache.ts';
import {
  bearerToken,
  createNodeAuthGate,
  userOfCertificate,
} from '../../../../reconciler/kubelet/auth/gate.ts';
import type { AccessQuestion, ReviewClient, UserInfo } from '../../../../reconciler/kubelet/auth/review.ts';

test('attributes: verb from the method, subresource from the path, as the kubelet maps them', () => {
  const table: [string, string, string, string[]][] = [
    ['GET', '/containerLogs/ns/p/c?follow=true', 'get', ['proxy']],
    ['POST', '/exec/ns/p/c?command=ls', 'create', ['proxy']],
    ['GET', '/exec/ns/p/c', 'get', ['proxy']],
    ['POST', '/portForward/ns/p', 'create', ['proxy']],
    ['GET', '/attach/ns/p/c', 'get', ['proxy']],
    ['GET', '/stats/summary', 'get', ['stats']],
    ['GET', '/stats', 'get', ['stats']],
    ['GET', '/statsz', 'get', ['proxy']],
    ['GET', '/metrics/resource', 'get', ['metrics']],
    ['GET', '/metrics', 'get', ['metrics']],
    ['GET', '/logs/syslog', 'get', ['log']],
    ['GET', '/pods', 'get', ['pods', 'proxy']],
    ['GET', '/runningpods/', 'get', ['pods', 'proxy']],
    ['GET', '/healthz', 'get', ['healthz', 'proxy']],
    ['GET', '/configz', 'get', ['configz', 'proxy']],
    ['PUT', '/x', 'update', ['proxy']],
    ['PATCH', '/x', 'patch', ['proxy']],
    ['DELETE', '/x', 'delete', ['proxy']],
    ['OPTIONS', '/x', '', ['proxy']],
  ];
  for (const [method, url, verb, subresources] of table) {
    const a = nodeAttributes(method, url, 'node-1');
    assert.deepEqual([a.verb, a.subresources, a.name], [verb, subresources, 'node-1'], `${method} ${url}`);
  }
  assert.equal(verbOf(undefined), '');
});

test('TtlCache: entries expire at their own TTL; the oldest goes when full', () => {
  let now = 0;
  const c = new TtlCache<string>(2, () => now);
  c.set('a', 'A', 100);
  c.set('b', 'B', 10);
  now = 10;
  assert.equal(c.get('b'), undefined);
  assert.equal(c.get('a'), 'A');
  c.set('b', 'B', 10);
  c.set('c', 'C', 10);
  assert.equal(c.get('a'), undefined, 'evicted as the oldest');
  assert.equal(c.size, 2);
  c.set('z', 'Z', 0);
  assert.equal(c.get('z'), undefined, 'a zero TTL caches nothing');
});

test('credentials: bearer tokens and certificate subjects', () => {
  assert.equal(bearerToken('Bearer abc.def'), 'abc.def');
  assert.equal(bearerToken('bearer abc'), 'abc');
  assert.equal(bearerToken('Basic abc'), undefined);
  assert.equal(bearerToken('Bearer'), undefined);
  assert.equal(bearerToken(undefined), undefined);
  assert.deepEqual(userOfCertificate({ CN: 'alice', O: ['dev', 'ops'] }), {
    username: 'alice',
    groups: ['dev', 'ops'],
  });
  assert.deepEqual(userOfCertificate({ CN: 'bob', O: 'dev' }), { username: 'bob', groups: ['dev'] });
  assert.equal(userOfCertificate({ O: 'dev' }), undefined);
});

/** Tokens `good-*` belong to the user after the dash; users listed in `rights` may do those subresources. */
function fakeReviews(rights: Record<string, string[]>) {
  const calls = { token: 0, access: [] as string[] };
  const client: ReviewClient = {
    reviewToken(token) {
      calls.token++;
      if (token === 'explode') return Promise.reject(new Error('apiserver down'));
      return Promise.resolve(
        token.startsWith('good-') ? { username: token.slice(5), groups: [] } : undefined,
      );
    },
    reviewAccess(user: UserInfo, q: AccessQuestion) {
      calls.access.push(`${user.username}:${q.verb}:${q.subresource}:${q.name}`);
      if (user.username === 'sar-down') return Promise.reject(new Error('timeout'));
      return Promise.resolve({ allowed: (rights[user.username] ?? []).includes(q.subresource) });
    },
  };
  return { client, calls };
}

function req(
  method: string,
  url: string,
  o: { token?: string; cert?: object; authorized?: boolean } = {},
): IncomingMessage {
  return {
    method,
    url,
    headers: o.token ? { authorization: `Bearer ${o.token}` } : {},
    socket: { getPeerCertificate: () => o.cert ?? {}, authorized: o.authorized ?? false },
  } as unknown as IncomingMessage;
}

test('gate: 401 without or with bad credentials, 403 without the right, 200 with it; 500 when SAR fails', async () => {
  const { client, calls } = fakeReviews({ reader: ['stats'], prober: ['healthz'], admin: ['proxy'] });
  const gate = createNodeAuthGate({ nodeName: 'vn', reviews: client, log: pino({ level: 'silent' }) });
  assert.deepEqual(await gate.decide(req('GET', '/healthz')), {
    ok: false,
    status: 401,
    body: 'Unauthorized',
  });
  assert.deepEqual(await gate.decide(req('GET', '/healthz', { token: 'bad' })), {
    ok: false,
    status: 401,
    body: 'Unauthorized',
  });
  assert.deepEqual(await gate.decide(req('GET', '/healthz', { token: 'explode' })), {
    ok: false,
    status: 401,
    body: 'Unauthorized',
  });
  assert.deepEqual(await gate.decide(req('GET', '/containerLogs/a/b/c', { token: 'good-reader' })), {
    ok: false,
    status: 403,
    body: 'Forbidden (user=reader, verb=get, resource=nodes, subresource=proxy)',
  });
  assert.equal((await gate.decide(req('GET', '/stats/summary', { token: 'good-reader' }))).ok, true);
  // Fine-grained: healthz alone admits /healthz; proxy admits it too.
  assert.equal((await gate.decide(req('GET', '/healthz', { token: 'good-prober' }))).ok, true);
  assert.equal((await gate.decide(req('GET', '/healthz', { token: 'good-admin' }))).ok, true);
  assert.deepEqual(calls.access.slice(-3), [
    'prober:get:healthz:vn',
    'admin:get:healthz:vn',
    'admin:get:proxy:vn',
  ]);
  assert.equal((await gate.decide(req('POST', '/exec/a/b/c', { token: 'good-admin' }))).ok, true);
  assert.equal(calls.access.at(-1), 'admin:create:proxy:vn');
  assert.deepEqual(await gate.decide(req('GET', '/pods', { token: 'good-sar-down' })), {
    ok: false,
    status: 500,
    body: 'Authorization error (user=sar-down, verb=get, resource=nodes, subresource=pods)',
  });
});

test('gate: certificates verified by the CA authenticate; unverified ones do not (a token still may)', async () => {
  const { client, calls } = fakeReviews({ alice: ['proxy'] });
  const gate = createNodeAuthGate({ nodeName: 'vn', reviews: client, log: pino({ level: 'silent' }) });
  const cert = { subject: { CN: 'alice', O: 'dev' } };
  assert.deepEqual(await gate.decide(req('GET', '/x', { cert, authorized: true })), {
    ok: true,
    user: { username: 'alice', groups: ['dev'] },
  });
  assert.equal(calls.token, 0);
  assert.deepEqual(await gate.decide(req('GET', '/x', { cert, authorized: false })), {
    ok: false,
    status: 401,
    body: 'Unauthorized',
  });
  assert.equal(
    (await gate.decide(req('GET', '/x', { cert, authorized: false, token: 'good-alice' }))).ok,
    true,
  );
});

test('gate: answers are cached with the kubelet TTLs (token 2 min, allowed 5 min, denied 30 s)', async () => {
  let now = 0;
  const { client, calls } = fakeReviews({ admin: ['proxy'] });
  const gate = createNodeAuthGate({
    nodeName: 'vn',
    reviews: client,
    log: pino({ level: 'silent' }),
    now: () => now,
  });
  const ask = (token: string) => gate.decide(req('GET', '/x', { token }));
  await ask('good-admin');
  await ask('good-nobody');
  await ask('bad');
  assert.deepEqual([calls.token, calls.access.length], [3, 2]);
  now = 29_000;
  await ask('good-admin');
  await ask('good-nobody');
  await ask('bad');
  assert.deepEqual([calls.token, calls.access.length], [3, 2], 'all cached');
  now = 31_000;
  await ask('good-admin');
  await ask('good-nobody');
  assert.deepEqual([calls.token, calls.access.length], [3, 3], 'the denial expired, the grant did not');
  now = 121_000;
  await ask('good-admin');
  assert.deepEqual([calls.token, calls.access.length], [4, 3], 'the token expired, the grant did not');
  now = 301_000;
  await ask('good-admin');
  assert.deepEqual([calls.token, calls.access.length], [5, 4], 'the grant expired (and the token again)');
});

test('gate: --anonymous-auth lets a request without credentials on as system:anonymous, still authorized', async () => {
  const { client, calls } = fakeReviews({ 'system:anonymous': ['healthz'] });
  const gate = createNodeAuthGate({
    nodeName: 'vn',
    reviews: client,
    log: pino({ level: 'silent' }),
    anonymous: true,
  });
  assert.equal((await gate.decide(req('GET', '/healthz'))).ok, true);
  assert.deepEqual(await gate.decide(req('GET', '/containerLogs/a/b/c')), {
    ok: false,
    status: 403,
    body: 'Forbidden (user=system:anonymous, verb=get, resource=nodes, subresource=proxy)',
  });
  // A rejected token is still a failed login, not an anonymous request.
  assert.equal((await gate.decide(req('GET', '/healthz', { token: 'bad' }))).ok, false);
  assert.deepEqual(calls.access, ['system:anonymous:get:healthz:vn', 'system:anonymous:get:proxy:vn']);
});

test('gate: --authorization-mode=AlwaysAllow admits every authenticated user without a SubjectAccessReview', async () => {
  const { client, calls } = fakeReviews({});
  const gate = createNodeAuthGate({
    nodeName: 'vn',
    reviews: client,
    log: pino({ level: 'silent' }),
    alwaysAllow: true,
  });
  assert.equal((await gate.decide(req('POST', '/exec/a/b/c', { token: 'good-nobody' }))).ok, true);
  assert.equal((await gate.decide(req('GET', '/healthz'))).ok, false);
  assert.deepEqual(calls.access, []);
});
