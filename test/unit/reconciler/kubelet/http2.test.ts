// The kubelet port over HTTP/2, as the API server's Go transport reaches a kubelet: ALPN
// offers h2 and http/1.1; an h2 client gets logs (a snapshot and a quiet follow), healthz and
// metrics with a client certificate or a bearer token, and is refused without; close() ends
// HTTP/2 sessions too.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  connect as http2Connect,
  constants,
  type ClientHttp2Session,
  type OutgoingHttpHeaders,
} from 'node:http2';
import { connect as tlsConnect } from 'node:tls';
import { once } from 'node:events';
import pino from 'pino';
import { startKubeletApi } from '../../../../reconciler/kubelet-api.ts';
import { createNodeMetrics } from '../../../../reconciler/kubelet/metrics/node-metrics.ts';
import type { ReviewClient } from '../../../../reconciler/kubelet/auth/review.ts';
import { createCertificateAuthority, issueCertificate, type KeyPairPem } from '../../../../shared/x509.ts';
import type { KubeConfig } from '@kubernetes/client-node';

const log = pino({ level: 'silent' });
const LOG_TEXT = 'container is alive\n';

/** Token `good` is alice, who may do everything; any other token is unknown. */
const reviews: ReviewClient = {
  reviewToken: (token) => Promise.resolve(token === 'good' ? { username: 'alice', groups: [] } : undefined),
  reviewAccess: () => Promise.resolve({ allowed: true }),
};

interface H2Answer {
  status: number;
  body: string;
}

function h2Get(
  session: ClientHttp2Session,
  path: string,
  headers: OutgoingHttpHeaders = {},
): Promise<H2Answer> {
  return new Promise((resolve, reject) => {
    const stream = session.request({ ':path': path, ...headers });
    let status = 0;
    let body = '';
    stream.on('response', (h) => (status = Number(h[':status'])));
    stream.setEncoding('utf8');
    stream.on('data', (c: string) => (body += c));
    stream.on('end', () => resolve({ status, body }));
    stream.on('error', reject);
  });
}

async function h2Session(port: number, client?: KeyPairPem): Promise<ClientHttp2Session> {
  const session = http2Connect(`https://127.0.0.1:${port}`, {
    rejectUnauthorized: false,
    ...(client ? { cert: client.certPem, key: client.keyPem } : {}),
  });
  session.on('error', () => {});
  await once(session, 'connect');
  return session;
}

/** The protocol the port picks for what a client offers (false: none). */
async function negotiated(port: number, offered?: string[]): Promise<string | false> {
  const socket = tlsConnect({ port, host: '127.0.0.1', rejectUnauthorized: false, ALPNProtocols: offered });
  await once(socket, 'secureConnect');
  const protocol = socket.alpnProtocol ?? false;
  socket.destroy();
  return protocol;
}

describe('kubelet API over HTTP/2', () => {
  let api: Awaited<ReturnType<typeof startKubeletApi>>;
  let clientCert: KeyPairPem;
  let strangerCert: KeyPairPem;
  let running = true;

  before(async () => {
    const clientCa = await createCertificateAuthority('test-client-ca', 1);
    clientCert = await issueCertificate(clientCa, {
      commonName: 'bob',
      organizations: ['system:masters'],
      usage: 'client',
      validityDays: 1,
    });
    const otherCa = await createCertificateAuthority('test-other-ca', 1);
    strangerCert = await issueCertificate(otherCa, {
      commonName: 'mallory',
      usage: 'client',
      validityDays: 1,
    });
    api = await startKubeletApi({
      host: '127.0.0.1',
      port: 0,
      nodeIp: '127.0.0.1',
      log,
      groupOf: (namespace, pod) => (namespace === 'ns' && pod === 'p' ? 'eci-1' : undefined),
      readLog: () => Promise.resolve(LOG_TEXT),
      containerRunning: () => Promise.resolve(running),
      auth: { nodeName: 'vn', clientCaPem: clientCa.certPem, kubeConfig: {} as KubeConfig, reviews },
      metrics: createNodeMetrics({
        nodeName: 'vn',
        targets: () => [],
        fetch: () => Promise.resolve([]),
        intervalMs: 0,
        log,
      }),
      // Short, so a quiet followed log outlives the idle timeout many times over.
      limits: { idleTimeoutMs: 300, followPollMs: 20 },
    });
  });
  after(async () => {
    await api.close();
  });

  test('ALPN: h2 when offered, else http/1.1, and no ALPN at all still gets HTTP/1.1', async () => {
    assert.equal(await negotiated(api.port, ['h2', 'http/1.1']), 'h2');
    assert.equal(await negotiated(api.port, ['http/1.1']), 'http/1.1');
    assert.equal(await negotiated(api.port), false);
  });

  test('a bearer token: logs (the 19 bytes), healthz and metrics; requests counted', async () => {
    const session = await h2Session(api.port);
    try {
      const auth = { authorization: 'Bearer good' };
      assert.deepEqual(await h2Get(session, '/containerLogs/ns/p/c', auth), { status: 200, body: LOG_TEXT });
      assert.deepEqual(await h2Get(session, '/healthz', auth), { status: 200, body: 'ok' });
      const metrics = await h2Get(session, '/metrics', auth);
      assert.equal(metrics.status, 200);
      assert.match(metrics.body, /^kubelet_http_requests_total\{[^}]*path="containerLogs"[^}]*\} 1$/m);
      assert.match(metrics.body, /^kubelet_http_requests_total\{[^}]*path="healthz"[^}]*\} 1$/m);
    } finally {
      session.close();
    }
  });

  test('a client certificate signed by the client CA: let in', async () => {
    const session = await h2Session(api.port, clientCert);
    try {
      assert.deepEqual(await h2Get(session, '/containerLogs/ns/p/c'), { status: 200, body: LOG_TEXT });
      assert.deepEqual(await h2Get(session, '/healthz'), { status: 200, body: 'ok' });
    } finally {
      session.close();
    }
  });

  test('refused: no credentials, an unknown token, a certificate of another CA', async () => {
    const anonymous = await h2Session(api.port);
    const stranger = await h2Session(api.port, strangerCert);
    try {
      const refused = { status: 401, body: 'Unauthorized' };
      assert.deepEqual(await h2Get(anonymous, '/containerLogs/ns/p/c'), refused);
      assert.deepEqual(await h2Get(anonymous, '/metrics'), refused);
      assert.deepEqual(await h2Get(anonymous, '/healthz', { authorization: 'Bearer bad' }), refused);
      assert.deepEqual(await h2Get(stranger, '/healthz'), refused);
    } finally {
      anonymous.close();
      stranger.close();
    }
  });

  test('a request with a body and no length (HTTP/2 allows it): 413', async () => {
    const session = await h2Session(api.port);
    try {
      const answer = await new Promise<H2Answer>((resolve, reject) => {
        const stream = session.request({
          ':path': '/healthz',
          ':method': 'POST',
          authorization: 'Bearer good',
        });
        let status = 0;
        let body = '';
        stream.on('response', (h) => (status = Number(h[':status'])));
        stream.on('data', (c: Buffer) => (body += c.toString()));
        stream.on('end', () => resolve({ status, body }));
        stream.on('error', reject);
        stream.end('hello');
      });
      assert.deepEqual(answer, { status: 413, body: 'request bodies are not accepted' });
    } finally {
      session.close();
    }
  });

  test(
    'a quiet followed log outlives the idle timeout; afterwards the idle session is closed',
    { timeout: 30_000 },
    async () => {
      running = true;
      const session = await h2Session(api.port);
      const closed = once(session, 'close');
      const stream = session.request({
        ':path': '/containerLogs/ns/p/c?follow=true',
        authorization: 'Bearer good',
      });
      let body = '';
      stream.setEncoding('utf8');
      stream.on('data', (c: string) => (body += c));
      const ended = once(stream, 'end');
      // Many idle timeouts long, with nothing new to send after the first poll.
      await new Promise((r) => setTimeout(r, 1_500));
      assert.equal(session.closed, false, 'the session was cut while following');
      running = false;
      await ended;
      assert.equal(body, LOG_TEXT);
      // Nothing holds the session now: its idle timeout is back and closes it.
      await closed;
    },
  );

  test('a followed log whose client goes away (RST_STREAM) stops polling and frees its slot', async () => {
    let polls = 0;
    const other = await startKubeletApi({
      host: '127.0.0.1',
      port: 0,
      nodeIp: '127.0.0.1',
      log,
      groupOf: () => 'eci-1',
      readLog: () => {
        polls++;
        return Promise.resolve(LOG_TEXT);
      },
      containerRunning: () => Promise.resolve(true),
      limits: { maxFollowing: 1, followPollMs: 20 },
    });
    const session = await h2Session(other.port);
    try {
      const stream = session.request({ ':path': '/containerLogs/ns/p/c?follow=true' });
      stream.on('error', () => {});
      await once(stream, 'data');
      stream.close(constants.NGHTTP2_CANCEL);
      await once(stream, 'close');
      // The loop sees the stream gone at its next poll, then polls no more.
      await new Promise((r) => setTimeout(r, 300));
      const settled = polls;
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(polls, settled, 'still polling ECI for a client that went away');
      // The one follow slot is free again: a second follow is let in, not told 429.
      const second = session.request({ ':path': '/containerLogs/ns/p/c?follow=true' });
      second.on('error', () => {});
      const [headers] = (await once(second, 'response')) as [Record<string, string>];
      assert.equal(Number(headers[':status']), 200);
      second.close(constants.NGHTTP2_CANCEL);
      await once(second, 'close');
    } finally {
      session.close();
      await other.close();
    }
  });

  test('close() ends open HTTP/2 sessions', async () => {
    const other = await startKubeletApi({
      host: '127.0.0.1',
      port: 0,
      nodeIp: '127.0.0.1',
      log,
      groupOf: () => undefined,
      readLog: () => Promise.resolve(''),
    });
    const session = await h2Session(other.port);
    assert.deepEqual(await h2Get(session, '/healthz'), { status: 200, body: 'ok' });
    const closed = once(session, 'close');
    await other.close();
    await closed;
  });
});
