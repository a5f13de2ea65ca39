// httpGet probes and hooks of process mode behave as the kubelet's: same-host redirects
// are followed, another host's end the probe with a warning, HTTPS is not verified,
// and a hook passes on any answer.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type RequestListener, type Server } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { describe, test } from 'node:test';
import { httpGet, nextHop, verdict } from '../../../emulator/process/http-get.ts';
import { createCertificateAuthority, issueCertificate } from '../../../shared/x509.ts';

/** /healthz fails, /ok passes, /local redirects to /healthz, /away to another host name. */
const handler: RequestListener = (req, res) => {
  const port = (req.socket.localPort ?? 0).toString();
  const routes: Record<string, () => void> = {
    '/ok': () => res.writeHead(200).end('ok'),
    '/healthz': () => res.writeHead(500).end('boom'),
    '/local': () => res.writeHead(302, { location: '/healthz' }).end(),
    '/local-ok': () => res.writeHead(301, { location: '/ok' }).end(),
    '/away': () => res.writeHead(302, { location: `http://localhost:${port}/healthz` }).end(),
    '/loop': () => res.writeHead(302, { location: '/loop' }).end(),
  };
  (routes[req.url ?? ''] ?? (() => res.writeHead(404).end()))();
};

async function listen(server: Server): Promise<string> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return `127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('the kubelet’s redirect and status rules (pure)', () => {
  const first = new URL('http://10.0.0.5:8080/redirect');
  test('a probe follows a redirect on the same host, not to another; at most 10', () => {
    assert.deepEqual(nextHop('probe', first, first, '/healthz', 0), {
      follow: new URL('http://10.0.0.5:8080/healthz'),
    });
    assert.deepEqual(nextHop('probe', first, first, 'http://example.com/', 0), { stop: 'non-local' });
    assert.deepEqual(nextHop('hook', first, first, 'http://example.com/', 0), {
      follow: new URL('http://example.com/'),
    });
    assert.deepEqual(nextHop('probe', first, first, '/x', 10), { stop: 'too-many' });
    assert.deepEqual(nextHop('probe', first, first, undefined, 0), { stop: 'no-location' });
  });
  test('200-299 pass, 300-399 pass with a warning, others fail; a hook passes on any answer', () => {
    assert.deepEqual(verdict('probe', 204, ''), { ok: true, message: '' });
    assert.equal(verdict('probe', 302, 'moved').warning, 'Probe terminated redirects, Response body: moved');
    assert.deepEqual(verdict('probe', 500, ''), {
      ok: false,
      message: 'HTTP probe failed with statuscode: 500',
    });
    assert.deepEqual(verdict('hook', 500, ''), { ok: true, message: '' });
  });
});

describe('httpGet against a server', () => {
  test('a local redirect to a failing path fails the probe; to another host passes with a warning', async () => {
    const server = createServer(handler);
    const host = await listen(server);
    try {
      assert.deepEqual(await httpGet(`http://${host}/local`, 'probe', 5000), {
        ok: false,
        message: 'HTTP probe failed with statuscode: 500',
      });
      assert.deepEqual(await httpGet(`http://${host}/local-ok`, 'probe', 5000), { ok: true, message: '' });
      const away = await httpGet(`http://${host}/away`, 'probe', 5000);
      assert.equal(away.ok, true);
      assert.match(away.warning ?? '', /^Probe terminated redirects/);
      const loop = await httpGet(`http://${host}/loop`, 'probe', 5000);
      assert.deepEqual(loop, { ok: false, message: `Get "http://${host}/loop": stopped after 10 redirects` });
      assert.deepEqual(await httpGet(`http://${host}/healthz`, 'hook', 5000), { ok: true, message: '' });
    } finally {
      server.close();
    }
  });

  test('HTTPS with a certificate nobody trusts still answers (the kubelet skips verification)', async () => {
    const ca = await createCertificateAuthority('untrusted');
    const leaf = await issueCertificate(ca, { commonName: 'x', dnsNames: ['x.invalid'], usage: 'server' });
    const server = createTlsServer({ cert: leaf.certPem, key: leaf.keyPem }, handler);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      assert.deepEqual(await httpGet(`https://${host}/ok`, 'probe', 5000), { ok: true, message: '' });
      assert.deepEqual(await httpGet(`https://${host}/healthz`, 'hook', 5000), { ok: true, message: '' });
    } finally {
      server.close();
    }
  });

  test('nothing listening fails both, naming the URL', async () => {
    const server = createServer(handler);
    const host = await listen(server);
    server.close();
    await once(server, 'close');
    for (const mode of ['probe', 'hook'] as const) {
      const r = await httpGet(`http://${host}/ok`, mode, 2000);
      assert.equal(r.ok, false);
      assert.match(r.message, new RegExp(`^Get "http://${host}/ok": .*ECONNREFUSED`));
    }
  });
});
