import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpsRequest } from 'node:https';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:tls';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { buildServer, setServingCertificate, type WebhookState } from '../../../webhook/server.ts';
import { DEFAULT_PROFILE, parseEciProfile, type EciProfile } from '../../../shared/profile.ts';
import { createCertificateAuthority, issueCertificate } from '../../../shared/x509.ts';
import { checkEciAnnotations } from '../../../shared/annotations.ts';

const logger = pino({ level: 'silent' });

function podReview(apiVersion: string, pod: object, extra: object = {}) {
  return {
    apiVersion,
    kind: 'AdmissionReview',
    request: {
      uid: 'uid-1',
      kind: { group: '', version: 'v1', kind: 'Pod' },
      resource: { group: '', version: 'v1', resource: 'pods' },
      namespace: 'team-a',
      operation: 'CREATE',
      object: pod,
      ...extra,
    },
  };
}

const eciPod = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'p', namespace: 'team-a', labels: { 'alibabacloud.com/eci': 'true' } },
  spec: { containers: [{ name: 'c', image: 'nginx' }], hostNetwork: true },
};

function makeState(overrides: Partial<WebhookState> = {}): WebhookState & { isReady: boolean } {
  const state: WebhookState & { isReady: boolean } = {
    isReady: true,
    namespaceLabels: async (name: string | undefined): Promise<Record<string, string>> =>
      name === 'eci-ns' ? { eci: 'true' } : {},
    profile: (): EciProfile => DEFAULT_PROFILE,
    facts: () => ({ k8sVersion: 'v1.36.3', clusterDomain: 'cluster.local' }),
    ready: (): boolean => state.isReady,
    ...overrides,
  };
  return state;
}

describe('POST /mutate via inject()', () => {
  let app: FastifyInstance;
  const state = makeState();
  const registry = new Registry();
  before(async () => {
    app = buildServer({ logger, registry, state });
    await app.ready();
  });
  after(() => app.close());

  for (const apiVersion of ['admission.k8s.io/v1', 'admission.k8s.io/v1beta1']) {
    test(`${apiVersion}: answered in the same version with a base64 JSON patch and warnings`, async () => {
      const res = await app.inject({
        method: 'POST',
        url: '/mutate',
        payload: podReview(apiVersion, eciPod),
      });
      assert.equal(res.statusCode, 200);
      const body = res.json();
      assert.equal(body.apiVersion, apiVersion);
      assert.equal(body.kind, 'AdmissionReview');
      assert.equal(body.response.uid, 'uid-1');
      assert.equal(body.response.allowed, true);
      assert.equal(body.response.patchType, 'JSONPatch');
      const patch = JSON.parse(Buffer.from(body.response.patch, 'base64').toString());
      assert.ok(patch.some((op: { path: string }) => op.path === '/spec/nodeSelector'));
      assert.ok(patch.some((op: { path: string }) => op.path === '/spec/tolerations'));
      assert.equal(body.response.warnings.length, 1);
      assert.match(body.response.warnings[0], /hostNetwork/);
    });
  }

  test('the namespace comes from the request and its labels decide', async () => {
    const pod = { metadata: { name: 'q' }, spec: { containers: [{ name: 'c', image: 'x' }] } };
    const inEci = await app.inject({
      method: 'POST',
      url: '/mutate',
      payload: podReview('admission.k8s.io/v1', pod, { namespace: 'eci-ns' }),
    });
    assert.equal(inEci.json().response.patchType, 'JSONPatch');
    const elsewhere = await app.inject({
      method: 'POST',
      url: '/mutate',
      payload: podReview('admission.k8s.io/v1', pod),
    });
    const body = elsewhere.json();
    assert.deepEqual(body.response, { uid: 'uid-1', allowed: true });
  });

  test('profile changes are seen by the next review', async () => {
    const parsed = parseEciProfile({
      selectors: JSON.stringify([{ name: 'sel', objectSelector: { matchLabels: { app: 'x' } } }]),
    });
    assert.ok(parsed.ok);
    const withProfile = makeState({ profile: () => parsed.profile });
    const local = buildServer({ logger, registry: new Registry(), state: withProfile });
    const pod = { metadata: { name: 'q', labels: { app: 'x' } }, spec: { containers: [] } };
    const res = await local.inject({
      method: 'POST',
      url: '/mutate',
      payload: podReview('admission.k8s.io/v1', pod),
    });
    const patch = JSON.parse(Buffer.from(res.json().response.patch, 'base64').toString());
    const annotations = patch.find((op: { path: string }) => op.path === '/metadata/annotations');
    assert.equal(annotations.value['eci-virtual-node.io/decision'], 'profile selector sel');
    await local.close();
  });

  test('malformed ECI annotations, on the pod or added by a profile effect, are named in warnings', async () => {
    const parsed = parseEciProfile({
      selectors: JSON.stringify([
        { name: 'e', effect: { annotations: { 'k8s.aliyun.com/eci-spot-strategy': 'Cheap' } } },
      ]),
    });
    assert.ok(parsed.ok);
    const local = buildServer({
      logger,
      registry: new Registry(),
      state: makeState({ profile: () => parsed.profile, checkAnnotations: checkEciAnnotations }),
    });
    const pod = {
      metadata: {
        name: 'q',
        labels: { eci: 'true' },
        annotations: {
          'k8s.aliyun.com/eci-max-pending-minute': 'soon',
          'k8s.aliyun.com/eci-use-specs': '2-4Gi',
        },
      },
      spec: { containers: [] },
    };
    const res = await local.inject({
      method: 'POST',
      url: '/mutate',
      payload: podReview('admission.k8s.io/v1', pod),
    });
    const warnings: string[] = res.json().response.warnings;
    assert.equal(res.json().response.allowed, true);
    assert.equal(warnings.length, 2, warnings.join(' | '));
    assert.ok(warnings.some((w) => /^annotation k8s\.aliyun\.com\/eci-max-pending-minute: .*soon/.test(w)));
    assert.ok(warnings.some((w) => /^annotation k8s\.aliyun\.com\/eci-spot-strategy: .*Cheap/.test(w)));
    await local.close();
  });

  test('requests other than a pod CREATE are allowed unchanged', async () => {
    for (const extra of [
      { operation: 'UPDATE' },
      { kind: { group: 'apps', version: 'v1', kind: 'Deployment' } },
      { operation: 'DELETE', object: null },
    ]) {
      const res = await app.inject({
        method: 'POST',
        url: '/mutate',
        payload: podReview('admission.k8s.io/v1', eciPod, extra),
      });
      assert.equal(res.statusCode, 200);
      assert.deepEqual(res.json().response, { uid: 'uid-1', allowed: true }, JSON.stringify(extra));
    }
  });

  const deep = (levels: number) => '['.repeat(levels) + ']'.repeat(levels);
  const deepReview = (levels: number) =>
    JSON.stringify(podReview('admission.k8s.io/v1', eciPod)).replace(
      '"spec":',
      `"nested":${deep(levels)},"spec":`,
    );
  const garbage: Array<
    [string, { payload: string | Buffer; headers?: Record<string, string>; status?: number }, RegExp]
  > = [
    ['not JSON', { payload: '{"apiVersion":', headers: { 'content-type': 'application/json' } }, /JSON/i],
    ['empty body', { payload: '', headers: { 'content-type': 'application/json' } }, /empty/i],
    [
      'a JSON array',
      { payload: '[]', headers: { 'content-type': 'application/json' } },
      /invalid AdmissionReview/,
    ],
    [
      'wrong kind',
      { payload: JSON.stringify({ ...podReview('admission.k8s.io/v1', eciPod), kind: 'Pod' }) },
      /kind must be AdmissionReview/,
    ],
    [
      'unknown apiVersion',
      { payload: JSON.stringify(podReview('admission.k8s.io/v2', eciPod)) },
      /apiVersion must be one of/,
    ],
    [
      'missing request',
      { payload: JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview' }) },
      /request/,
    ],
    [
      'request without uid',
      { payload: JSON.stringify(podReview('admission.k8s.io/v1', eciPod, { uid: '' })) },
      /uid/,
    ],
    [
      'text/plain body',
      { payload: 'hello', headers: { 'content-type': 'text/plain' } },
      /Unsupported Media Type/i,
    ],
    [
      'huge body',
      {
        payload: Buffer.alloc(5 * 1024 * 1024, 0x20),
        headers: { 'content-type': 'application/json' },
        status: 413,
      },
      /too large.*limit is 3145728 bytes/i,
    ],
    [
      'just over the 3 MiB limit',
      { payload: Buffer.alloc(3 * 1024 * 1024 + 1, 0x20), status: 413 },
      /too large/i,
    ],
    [
      '100,000 nested arrays',
      { payload: deep(100_000) },
      /JSON nests deeper than 100 levels \(at character 100\)/,
    ],
    [
      'a review with a deeply nested field in the pod',
      { payload: deepReview(1_000_000) },
      /JSON nests deeper than 100 levels.*not an AdmissionReview a kube-apiserver sends/,
    ],
  ];
  for (const [name, { payload, headers, status = 400 }, message] of garbage) {
    test(`garbage → ${status} with a message: ${name}`, async () => {
      const res = await app.inject({
        method: 'POST',
        url: '/mutate',
        payload,
        headers: headers ?? { 'content-type': 'application/json' },
      });
      assert.equal(res.statusCode, status);
      assert.match(res.json().message, message);
    });
  }

  test('a review nested 90 deep inside the pod (under the limit) is answered', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/mutate',
      payload: deepReview(90),
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(res.statusCode, 200);
    assert.equal(res.json().response.allowed, true);
  });

  test('fuzz: malformed paths, queries, methods and content types are answered below 500', async () => {
    // A small seeded generator: the same cases on every run.
    let seed = 42;
    const next = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const pieces = [
      '/mutate',
      '/healthz',
      '/readyz',
      '/metrics',
      '/',
      '%',
      '%E0%A4%A',
      '%ZZ',
      '%00',
      '..',
      '//',
      '?',
      '&',
      '=',
      '#',
      ';',
      '%2F',
      '\u00e9',
      'a'.repeat(300),
      '%C0%AF',
      '%FF',
      '?a=%E0%A4%A',
      '?%=%',
    ];
    const methods = ['GET', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH', 'HEAD'] as const;
    const types = [
      'application/json',
      'application/json; charset=latin1',
      'text/plain',
      'application/x-www-form-urlencoded',
      '',
    ];
    const bodies = [
      '{}',
      '',
      '[',
      '{"a":"\\',
      '\u0000',
      JSON.stringify(podReview('admission.k8s.io/v1', eciPod)),
    ];
    for (let i = 0; i < 400; i++) {
      let url = '/';
      for (let k = 1 + next(4); k > 0; k--) url += pieces[next(pieces.length)];
      const method = methods[next(methods.length)]!;
      const type = types[next(types.length)]!;
      const res = await app.inject({
        method,
        url,
        ...(method === 'GET' || method === 'HEAD' ? {} : { payload: bodies[next(bodies.length)] }),
        headers: type ? { 'content-type': type } : {},
      });
      assert.ok(
        res.statusCode < 500,
        `${method} ${url} (${type}) → ${res.statusCode} ${res.body.slice(0, 200)}`,
      );
    }
  });

  test('the server still answers after garbage', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/mutate',
      payload: podReview('admission.k8s.io/v1', eciPod),
    });
    assert.equal(res.statusCode, 200);
    assert.equal((await app.inject('/healthz')).statusCode, 200);
  });

  test('/healthz, /readyz follow readiness, /metrics counts admissions by decision, reason and outcome', async () => {
    assert.equal((await app.inject('/healthz')).statusCode, 200);
    state.isReady = false;
    assert.equal((await app.inject('/readyz')).statusCode, 503);
    state.isReady = true;
    assert.equal((await app.inject('/readyz')).statusCode, 200);
    const metrics = (await app.inject('/metrics')).body;
    assert.match(
      metrics,
      /eci_webhook_admissions_total\{decision="eci",reason="pod-label",outcome="patched"\} [1-9]/,
    );
    assert.match(
      metrics,
      /eci_webhook_admissions_total\{decision="skip",reason="none",outcome="unchanged"\} [1-9]/,
    );
    assert.match(
      metrics,
      /eci_webhook_admissions_total\{decision="other",reason="invalid",outcome="invalid"\} [1-9]/,
    );
    assert.match(metrics, /eci_webhook_admission_duration_seconds_count [1-9]/);
  });
});

describe('TLS', () => {
  let app: FastifyInstance;
  let port: number;
  let caPem: string;
  let second: { certPem: string; keyPem: string };

  before(async () => {
    const ca = await createCertificateAuthority('test-ca', 1);
    caPem = ca.certPem;
    const leaf = await issueCertificate(ca, {
      commonName: 'first',
      ipAddresses: ['127.0.0.1'],
      usage: 'server',
    });
    second = await issueCertificate(ca, {
      commonName: 'second',
      ipAddresses: ['127.0.0.1'],
      usage: 'server',
    });
    app = buildServer({
      logger,
      registry: new Registry(),
      state: makeState(),
      tls: { cert: leaf.certPem, key: leaf.keyPem },
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    port = (app.server.address() as AddressInfo).port;
  });
  after(() => app.close());

  function peerCommonName(): Promise<string> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port, ca: caPem }, () => {
        const cn = socket.getPeerCertificate().subject.CN;
        socket.end();
        resolve(String(cn));
      });
      socket.on('error', reject);
    });
  }

  test('serves /mutate over TLS with a certificate the CA verifies', async () => {
    const body = JSON.stringify(podReview('admission.k8s.io/v1', eciPod));
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpsRequest(
        {
          host: '127.0.0.1',
          port,
          path: '/mutate',
          method: 'POST',
          ca: caPem,
          headers: { 'content-type': 'application/json' },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
    assert.equal(status, 200);
  });

  test('refuses TLS 1.1', async () => {
    await assert.rejects(
      new Promise((resolve, reject) => {
        const socket = connect(
          { host: '127.0.0.1', port, ca: caPem, maxVersion: 'TLSv1.1', minVersion: 'TLSv1' },
          () => resolve(socket.end()),
        );
        socket.on('error', reject);
      }),
    );
  });

  test('a new certificate is served without restarting the listener', async () => {
    assert.equal(await peerCommonName(), 'first');
    setServingCertificate(app, { cert: second.certPem, key: second.keyPem });
    assert.equal(await peerCommonName(), 'second');
  });
});

describe('graceful close', () => {
  test('an in-flight review is answered before close() resolves; new connections are refused after', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    let entered: () => void = () => {};
    const inHandler = new Promise<void>((resolve) => (entered = resolve));
    const app = buildServer({
      logger,
      registry: new Registry(),
      state: makeState({
        namespaceLabels: async () => {
          entered();
          await gate;
          return { eci: 'true' };
        },
      }),
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const port = (app.server.address() as AddressInfo).port;
    const body = JSON.stringify(podReview('admission.k8s.io/v1', eciPod));
    const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpRequest(
        {
          host: '127.0.0.1',
          port,
          path: '/mutate',
          method: 'POST',
          headers: { 'content-type': 'application/json' },
        },
        (res) => {
          let text = '';
          res.on('data', (chunk: Buffer) => (text += chunk.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
    await inHandler;
    let closed = false;
    const closing = app.close().then(() => (closed = true));
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(closed, false, 'close waits for the in-flight review');
    release();
    const answered = await response;
    assert.equal(answered.status, 200);
    assert.equal(JSON.parse(answered.body).response.patchType, 'JSONPatch');
    await closing;
    await assert.rejects(
      new Promise((resolve, reject) => {
        const req = httpRequest({ host: '127.0.0.1', port, path: '/healthz' }, resolve);
        req.on('error', reject);
        req.end();
      }),
    );
  });
});

describe('memoizeChecker', () => {
  test('answers a repeated annotation set from memory, a different one by calling the checker; bounded', async () => {
    const { memoizeChecker } = await import('../../../webhook/annotation-check.ts');
    const seen: string[] = [];
    const checker = (annotations: Record<string, string>) => {
      seen.push(JSON.stringify(annotations));
      return { errors: [{ annotation: 'a', message: String(annotations.a) }], warnings: [] };
    };
    const memo = memoizeChecker(checker, { maxEntries: 2 });
    assert.equal(memo({ a: '1' }).errors[0]?.message, '1');
    assert.equal(memo({ a: '1' }).errors[0]?.message, '1');
    assert.equal(seen.length, 1);
    assert.equal(memo({ a: '2' }).errors[0]?.message, '2');
    assert.equal(memo({ a: '3' }).errors[0]?.message, '3'); // evicts {a: 1}
    assert.equal(seen.length, 3);
    memo({ a: '1' });
    assert.equal(seen.length, 4);
  });
});
