// Signature checks over HTTP: real SDK requests are captured, then replayed to
// the emulator unchanged (accepted once) and tampered (each rejected with the
// code and HTTP status the real gateway answers).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startEmulator, type EmulatorHandle } from '../../../emulator/index.ts';
import { $Eci, apiError, eciClient } from './sdk.ts';

interface Captured {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

let port = 0;
let emu: EmulatorHandle;
const captured: Record<string, Captured> = {};

/** Runs SDK calls against a recording server on `port`, which the emulator takes over afterwards. */
async function capture(calls: Record<string, (endpoint: string) => Promise<unknown>>): Promise<void> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      captured[
        String(req.headers['x-acs-action'] ?? new URL(req.url ?? '/', 'http://x').searchParams.get('Action'))
      ] = {
        method: req.method ?? 'POST',
        url: req.url ?? '/',
        headers: req.headers,
        body: Buffer.concat(chunks),
      };
      res.setHeader('content-type', 'application/json');
      res.end('{"RequestId":"captured"}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
  for (const call of Object.values(calls)) await call(`127.0.0.1:${port}`);
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
  // Let the SDK's keep-alive agent see its pooled sockets close before the emulator takes the port.
  await new Promise((r) => setTimeout(r, 200));
}

function replay(
  c: Captured,
  change: Partial<Captured> = {},
): Promise<{ status: number; body: Record<string, string> }> {
  const r = { ...c, ...change };
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: r.method,
        path: r.url,
        headers: { ...r.headers, 'content-length': String(r.body.length) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (d: Buffer) => chunks.push(d));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, string>,
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(r.body);
  });
}

before(async () => {
  await capture({
    v3: (endpoint) =>
      eciClient(endpoint).describeContainerGroups(
        new $Eci.DescribeContainerGroupsRequest({
          regionId: 'cn-hangzhou',
          containerGroupName: "a b+c&d=e/f!'()*~ü€%",
        }),
      ),
    v2: (endpoint) =>
      eciClient(endpoint, { signatureAlgorithm: 'v2' }).deleteContainerGroup(
        new $Eci.DeleteContainerGroupRequest({ regionId: 'cn-hangzhou', containerGroupId: 'eci-nope' }),
      ),
  });
  emu = await startEmulator({ port, logLevel: 'silent' });
});
after(async () => {
  await emu.close();
});

describe('signature verification over HTTP', () => {
  test('the SDK with a wrong secret gets SignatureDoesNotMatch (400), an unknown key InvalidAccessKeyId.NotFound (404)', async () => {
    const r = new $Eci.DescribeContainerGroupsRequest({ regionId: 'cn-hangzhou' });
    const bad = await apiError(
      eciClient(emu.endpoint, { accessKeySecret: 'wrong' }).describeContainerGroups(r),
    );
    assert.deepEqual([bad.code, bad.statusCode], ['SignatureDoesNotMatch', 400]);
    const unknown = await apiError(
      eciClient(emu.endpoint, { accessKeyId: 'nobody' }).describeContainerGroups(r),
    );
    assert.deepEqual([unknown.code, unknown.statusCode], ['InvalidAccessKeyId.NotFound', 404]);
  });

  test('a captured V3 request is accepted once, then its nonce is used', async () => {
    const c = captured.DescribeContainerGroups as Captured;
    const first = await replay(c);
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.equal(first.body.TotalCount, 0 as unknown as string);
    const again = await replay(c);
    assert.deepEqual([again.status, again.body.Code], [400, 'SignatureNonceUsed']);
  });

  test('tampered V3 requests are rejected with the right code', async () => {
    const c = captured.DescribeContainerGroups as Captured;
    await replay(c); // make sure the original nonce is used, whatever ran before
    // The original nonce is kept: an undetected change would answer SignatureNonceUsed (the
    // nonce is recorded only after a match), so each expected code proves the check that fired.
    const cases: [string, Partial<Captured>, number, string][] = [
      [
        'changed parameter',
        { url: c.url.replace('RegionId=cn-hangzhou', 'RegionId=cn-shanghai') },
        400,
        'SignatureDoesNotMatch',
      ],
      ['extra parameter', { url: `${c.url}&Limit=5` }, 400, 'SignatureDoesNotMatch'],
      [
        'changed header',
        { headers: { ...c.headers, 'x-acs-action': 'DeleteContainerGroup' } },
        400,
        'SignatureDoesNotMatch',
      ],
      [
        'changed body, hash header left',
        { body: Buffer.from('Limit=5'), headers: { ...c.headers } },
        400,
        'SignatureDoesNotMatch',
      ],
      [
        'timestamp 20 minutes ahead',
        {
          headers: {
            ...c.headers,
            'x-acs-date': new Date(Date.now() + 20 * 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z'),
          },
        },
        400,
        'InvalidTimeStamp.Expired',
      ],
      [
        'no Authorization',
        { headers: Object.fromEntries(Object.entries(c.headers).filter(([k]) => k !== 'authorization')) },
        400,
        'IncompleteSignature',
      ],
    ];
    for (const [name, change, status, code] of cases) {
      const r = await replay(c, change);
      assert.deepEqual([r.status, r.body.Code], [status, code], name);
      assert.ok(r.body.RequestId, name);
    }
  });

  test('V2 (HMAC-SHA1) requests verify and tampering is rejected', async () => {
    const c = captured.DeleteContainerGroup as Captured;
    assert.match(c.url, /Signature=/);
    const ok = await replay(c);
    // The signature matched: the answer is about the (missing) group.
    assert.deepEqual([ok.status, ok.body.Code], [404, 'InvalidContainerGroup.NotFound']);
    const nonce = /SignatureNonce=([^&]+)/.exec(c.url)?.[1] ?? '';
    const tampered = await replay(c, {
      url: c.url.replace('eci-nope', 'eci-nopf').replace(nonce, `${nonce}x`),
    });
    assert.deepEqual([tampered.status, tampered.body.Code], [400, 'SignatureDoesNotMatch']);
  });
});
