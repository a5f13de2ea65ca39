// exec, attach and port-forward over SPDY/3.1 on the node port, end to end through TLS with an
// in-memory backend: stream roles, exit codes in the status stream (v4) or as text (v1-v3),
// stdin round trip, resize, port-forward pairs, negotiation and protocol errors.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, connect as netConnect, type Server } from 'node:net';
import { PassThrough } from 'node:stream';
import { once } from 'node:events';
import pino from 'pino';
import { startKubeletApi } from '../../../../reconciler/kubelet-api.ts';
import type { ExecSession, StreamingBackend } from '../../../../reconciler/kubelet/streaming/backend.ts';
import { encode } from '../../../../reconciler/kubelet/spdy/frames.ts';
import { HeaderDeflater } from '../../../../reconciler/kubelet/spdy/header-block.ts';
import { request as httpsRequest } from 'node:https';
import { TestSpdyClient } from './spdy-client.ts';

const log = pino({ level: 'silent' });
const resizes: { width: number; height: number }[] = [];
const aborted: string[] = [];
let echo: Server;
let api: { port: number; close(): Promise<void> };

/** A fake container: `both` writes to both streams and exits 3, `cat` echoes stdin, `boom` cannot start. */
const backend: StreamingBackend = {
  exec(target, o): Promise<ExecSession> {
    const [cmd] = o.command;
    if (cmd === 'boom') return Promise.reject(new Error(`container ${target.container} is not running`));
    const stdout = new PassThrough();
    const stderr = o.tty ? undefined : new PassThrough();
    const stdin = new PassThrough();
    let finish: (code: number) => void = () => {};
    const exit = new Promise<{ code: number }>((resolve) => (finish = (code) => resolve({ code })));
    if (cmd === 'both') {
      stdout.end('out\n');
      stderr?.end('err\n');
      finish(3);
    } else {
      stdin.pipe(stdout);
      stdout.on('end', () => {
        stderr?.end();
        finish(0);
      });
    }
    return Promise.resolve({
      stdin,
      stdout,
      stderr,
      exit,
      resize: (width, height) => resizes.push({ width, height }),
      abort: () => aborted.push(o.command.join(' ')),
    });
  },
  async portForward(target, port) {
    if (port !== 80) throw new Error(`dial tcp 10.0.0.9:${port}: connect: connection refused`);
    const socket = netConnect((echo.address() as { port: number }).port, '127.0.0.1');
    await once(socket, 'connect');
    return socket;
  },
};

before(async () => {
  echo = createServer((s) => s.pipe(s));
  await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
  api = await startKubeletApi({
    host: '127.0.0.1',
    port: 0,
    nodeIp: '127.0.0.1',
    log,
    groupOf: () => undefined,
    readLog: () => Promise.resolve(''),
    streaming: backend,
  });
});

after(async () => {
  await api.close();
  echo.close();
});

const EXEC = '/exec/ns/p/c?output=1&error=1';

async function execSession(query: string, protocols = ['v4.channel.k8s.io']) {
  const r = await TestSpdyClient.upgrade(api.port, query, protocols);
  assert.equal(r.status, 101, r.head);
  return { client: r.client!, head: r.head };
}

test('exec v4: stdout and stderr apart, exit code 3 in the status, then GOAWAY', async () => {
  const { client, head } = await execSession(`${EXEC}&command=both&command=x`);
  assert.match(head, /X-Stream-Protocol-Version: v4\.channel\.k8s\.io/);
  const error = client.open([['streamtype', 'error']]);
  const stdout = client.open([['streamtype', 'stdout']]);
  const stderr = client.open([['streamtype', 'stderr']]);
  await client.until('status written', () => client.streams.get(error)!.fin);
  assert.equal(client.text(stdout), 'out\n');
  assert.equal(client.text(stderr), 'err\n');
  assert.ok(client.streams.get(stdout)!.replied && client.streams.get(stdout)!.fin);
  assert.deepEqual(JSON.parse(client.text(error)), {
    metadata: {},
    status: 'Failure',
    message: "command terminated with non-zero exit code: command 'both x' exited with 3",
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: '3' }] },
  });
  await client.until('GOAWAY', () => client.goaway === 0);
  client.close();
});

test('exec v4 -i: 1 MB of stdin comes back on stdout byte for byte; status Success', async () => {
  const { client } = await execSession('/exec/ns/p/c?input=1&output=1&error=1&command=cat');
  const error = client.open([['streamtype', 'error']]);
  const stdin = client.open([['streamtype', 'stdin']]);
  const stdout = client.open([['streamtype', 'stdout']]);
  client.open([['streamtype', 'stderr']]);
  const payload = Buffer.alloc(1024 * 1024);
  for (let i = 0; i < payload.length; i++) payload[i] = (i * 7919) % 251;
  await client.until('stdin accepted', () => client.streams.get(stdin)!.replied);
  for (let at = 0; at < payload.length; at += 32 * 1024)
    client.write(stdin, payload.subarray(at, at + 32 * 1024));
  client.write(stdin, '', true);
  await client.until('status written', () => client.streams.get(error)!.fin);
  assert.ok(Buffer.concat(client.streams.get(stdout)!.data).equals(payload));
  assert.deepEqual(JSON.parse(client.text(error)), { metadata: {}, status: 'Success' });
  client.close();
});

test('exec -t: no stderr stream; resize messages split across frames reach the session', async () => {
  resizes.length = 0;
  const { client } = await execSession('/exec/ns/p/c?input=1&output=1&error=1&tty=1&command=cat');
  const error = client.open([['streamtype', 'error']]);
  const stdin = client.open([['streamtype', 'stdin']]);
  client.open([['streamtype', 'stdout']]);
  const resize = client.open([['streamtype', 'resize']]);
  await client.until('resize accepted', () => client.streams.get(resize)!.replied);
  client.write(resize, '{"Width":80,');
  client.write(resize, '"Height":24}\n{"Width":100,"Height":30}\n');
  await client.until('two resizes', () => resizes.length === 2);
  assert.deepEqual(resizes, [
    { width: 80, height: 24 },
    { width: 100, height: 30 },
  ]);
  client.write(stdin, '', true);
  await client.until('status written', () => client.streams.get(error)!.fin);
  client.close();
});

test('exec v2 (first offered that is supported): failure is plain text on the error stream', async () => {
  const { client, head } = await execSession(`${EXEC}&command=boom`, [
    'v9.channel.k8s.io, v2.channel.k8s.io',
    'v4.channel.k8s.io',
  ]);
  assert.match(head, /X-Stream-Protocol-Version: v2\.channel\.k8s\.io/);
  const error = client.open([['streamtype', 'error']]);
  client.open([['streamtype', 'stdout']]);
  client.open([['streamtype', 'stderr']]);
  await client.until('error written', () => client.streams.get(error)!.fin);
  assert.equal(client.text(error), 'container c is not running');
  client.close();
});

test('no supported protocol: 403 naming the accepted ones; bad queries: 400 before any upgrade', async () => {
  const r = await TestSpdyClient.upgrade(api.port, `${EXEC}&command=x`, ['v5.channel.k8s.io']);
  assert.equal(r.status, 403);
  assert.match(
    r.head,
    /X-Accepted-Stream-Protocol-Versions: v4\.channel\.k8s\.io, v3\.channel\.k8s\.io, v2\.channel\.k8s\.io, channel\.k8s\.io/,
  );
  const none = await TestSpdyClient.upgrade(api.port, '/exec/ns/p/c?command=x', ['v4.channel.k8s.io']);
  assert.equal(none.status, 400);
  assert.match(none.body, /at least 1 of stdin, stdout, stderr/);
  const args = Array.from({ length: 21 }, () => 'command=a').join('&');
  const many = await TestSpdyClient.upgrade(api.port, `/exec/ns/p/c?output=1&${args}`, ['v4.channel.k8s.io']);
  assert.equal(many.status, 400);
  assert.match(many.body, /at most 20 arguments; this one has 21/);
  const attach = await TestSpdyClient.upgrade(api.port, '/attach/ns/p/c?output=1', ['v4.channel.k8s.io']);
  assert.equal(attach.status, 400);
  assert.match(attach.body, /attach is not supported/);
});

test('port-forward: two connections over one upgrade echo through; a refused port is text on its error stream', async () => {
  const r = await TestSpdyClient.upgrade(api.port, '/portForward/ns/p', ['portforward.k8s.io']);
  assert.equal(r.status, 101);
  const client = r.client!;
  const pair = (requestId: string, port: string) => {
    const headers = (type: string): [string, string][] => [
      ['streamtype', type],
      ['port', port],
      ['requestid', requestId],
    ];
    const error = client.open(headers('error'), true);
    const data = client.open(headers('data'));
    return { error, data };
  };
  const a = pair('0', '80');
  const b = pair('1', '80');
  const refused = pair('2', '81');
  await client.until(
    'replies',
    () => client.streams.get(a.data)!.replied && client.streams.get(b.data)!.replied,
  );
  client.write(a.data, 'hello a');
  client.write(b.data, 'hello b', true);
  await client.until('echo a', () => client.text(a.data) === 'hello a');
  await client.until(
    'echo b and its end',
    () => client.text(b.data) === 'hello b' && client.streams.get(b.data)!.fin,
  );
  await client.until('b error stream closed empty', () => client.streams.get(b.error)!.fin);
  assert.equal(client.text(b.error), '');
  await client.until('refusal', () => client.streams.get(refused.error)!.fin);
  assert.equal(
    client.text(refused.error),
    'error forwarding port 81 to pod ns/p: dial tcp 10.0.0.9:81: connect: connection refused',
  );
  assert.equal(client.streams.get(refused.data)!.reset, 5);
  client.close();
});

test('PING is echoed; garbage after the upgrade is a GOAWAY PROTOCOL_ERROR, and the port keeps serving', async () => {
  const { client } = await execSession(`${EXEC}&command=both`);
  client.raw(encode.ping(7));
  await client.until('pong', () => client.pings.includes(7));
  client.raw(Buffer.from([0x80, 0x02, 0, 1, 0, 0, 0, 0]));
  await client.until('GOAWAY', () => client.goaway === 1);
  const again = await execSession(`${EXEC}&command=both`);
  const error = again.client.open([['streamtype', 'error']]);
  again.client.open([['streamtype', 'stdout']]);
  again.client.open([['streamtype', 'stderr']]);
  await again.client.until('status', () => again.client.streams.get(error)!.fin);
  again.client.close();
  client.close();
});

test('a client that leaves mid-session aborts it', async () => {
  aborted.length = 0;
  const { client } = await execSession('/exec/ns/p/c?input=1&output=1&command=cat&command=forever');
  client.open([['streamtype', 'error']]);
  const stdin = client.open([['streamtype', 'stdin']]);
  client.open([['streamtype', 'stdout']]);
  await client.until('stdin accepted', () => client.streams.get(stdin)!.replied);
  client.close();
  const deadline = Date.now() + 10_000;
  while (!aborted.includes('cat forever') && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(aborted, ['cat forever']);
});

test('a plain request on a streaming path is 400 Upgrade request required, as the kubelet answers', async () => {
  const r = await new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = httpsRequest(
      { host: '127.0.0.1', port: api.port, path: `${EXEC}&command=ls`, rejectUnauthorized: false },
      (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
  assert.deepEqual(r, { status: 400, body: 'Upgrade request required' });
});

test('a client stream id that is even or goes backwards is a protocol error (GOAWAY 1)', async () => {
  const { client } = await execSession(`${EXEC}&command=both`);
  client.raw(encode.synStream(2, 0, 0, false, new HeaderDeflater().compress([['streamtype', 'error']])));
  await client.until('GOAWAY', () => client.goaway === 1);
  client.close();
});
