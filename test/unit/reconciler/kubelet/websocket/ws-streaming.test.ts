// exec, attach and port-forward over WebSocket on the node port, end to end through TLS with a
// `ws` client and an in-memory backend: v5 exit codes and half-close, base64 and v1 variants,
// resize, channel port-forward, the SPDY tunnel, refusals, oversized messages and vanishing
// clients (the backend session is aborted, nothing leaks).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, connect as netConnect, type Server } from 'node:net';
import { PassThrough } from 'node:stream';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { connect as tlsConnect } from 'node:tls';
import pino from 'pino';
import { WebSocket } from 'ws';
import { startKubeletApi } from '../../../../../reconciler/kubelet-api.ts';
import type { ExecSession, StreamingBackend } from '../../../../../reconciler/kubelet/streaming/backend.ts';
import { encode, FrameParser, type RawFrame } from '../../../../../reconciler/kubelet/spdy/frames.ts';
import { HeaderDeflater } from '../../../../../reconciler/kubelet/spdy/header-block.ts';

const log = pino({ level: 'silent' });
const resizes: { width: number; height: number }[] = [];
const aborted: string[] = [];
const stdinEnded: string[] = [];
let flooded = 0;
let echo: Server;
let api: Awaited<ReturnType<typeof startKubeletApi>>;

/** `both` writes to both streams and exits 3; `cat` echoes stdin and exits 0 at its end; `boom` cannot start. */
const backend: StreamingBackend = {
  exec(target, o): Promise<ExecSession> {
    const [cmd] = o.command;
    if (cmd === 'boom') return Promise.reject(new Error(`container ${target.container} is not running`));
    const stdout = new PassThrough();
    const stderr = o.tty ? undefined : new PassThrough();
    const stdin = new PassThrough();
    let finish: (code: number) => void = () => {};
    const exit = new Promise<{ code: number }>((resolve) => (finish = (code) => resolve({ code })));
    if (cmd === 'flood') {
      // 32 MiB as fast as the reader takes it; `flooded` counts what the node accepted.
      void (async () => {
        const chunk = Buffer.alloc(64 * 1024, 0x5a);
        for (let i = 0; i < 512; i++) {
          if (!stdout.write(chunk)) await once(stdout, 'drain');
          flooded += chunk.length;
        }
        stdout.end();
        stderr?.end();
        finish(0);
      })();
    } else if (cmd === 'both') {
      stdout.end('out\n');
      stderr?.end('err\n');
      finish(3);
    } else {
      stdin.on('end', () => stdinEnded.push(o.command.join(' ')));
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
  async portForward(_target, port) {
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

interface Session {
  ws: WebSocket;
  /** Messages in arrival order: [channel, payload] (base64 decoded). */
  messages: [number, Buffer][];
  closed: Promise<{ code: number; reason: string }>;
  text(channel: number): string;
}

function open(path: string, protocols: string[]): Promise<Session> {
  const ws = new WebSocket(`wss://127.0.0.1:${api.port}${path}`, protocols, { rejectUnauthorized: false });
  const messages: [number, Buffer][] = [];
  ws.on('message', (data: Buffer, isBinary) => {
    if (isBinary) messages.push([data[0]!, data.subarray(1)]);
    else {
      const text = data.toString('latin1');
      messages.push([text.charCodeAt(0) - 48, Buffer.from(text.slice(1), 'base64')]);
    }
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  const text = (channel: number) =>
    Buffer.concat(messages.filter(([c]) => c === channel).map(([, d]) => d)).toString('utf8');
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve({ ws, messages, closed, text }));
    ws.once('error', reject);
  });
}

/** The HTTP answer to an upgrade the node refuses. */
function refused(path: string, protocols: string[]): Promise<{ status: number; body: string }> {
  const ws = new WebSocket(`wss://127.0.0.1:${api.port}${path}`, protocols, { rejectUnauthorized: false });
  return new Promise((resolve, reject) => {
    ws.once('open', () => reject(new Error('the upgrade was accepted')));
    ws.once('error', () => {});
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
  });
}

async function until(what: string, predicate: () => boolean): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (predicate()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting for: ${what}`);
}

const EXIT_3 = {
  metadata: {},
  status: 'Failure',
  message: "command terminated with non-zero exit code: command 'both x' exited with 3",
  reason: 'NonZeroExitCode',
  details: { causes: [{ reason: 'ExitCode', message: '3' }] },
};

test('exec v5: an empty first message on stdout, stdout and stderr apart, exit code 3, normal close', async () => {
  const s = await open('/exec/ns/p/c?output=1&error=1&command=both&command=x', ['v5.channel.k8s.io']);
  assert.equal(s.ws.protocol, 'v5.channel.k8s.io');
  const { code } = await s.closed;
  assert.equal(code, 1000);
  assert.deepEqual(s.messages[0], [1, Buffer.alloc(0)]);
  assert.equal(s.text(1), 'out\n');
  assert.equal(s.text(2), 'err\n');
  assert.deepEqual(JSON.parse(s.text(3)), EXIT_3);
  // The status comes after every byte of output.
  assert.equal(s.messages.at(-1)![0], 3);
  assert.equal(api.upgrades()['websocket v5.channel.k8s.io']! >= 1, true);
});

test('exec v5 -i: stdin round-trips and the CLOSE message (255, 0) half-closes it; status Success', async () => {
  const s = await open('/exec/ns/p/c?input=1&output=1&error=1&command=cat&command=v5', ['v5.channel.k8s.io']);
  const payload = Buffer.alloc(300 * 1024);
  for (let i = 0; i < payload.length; i++) payload[i] = (i * 31) % 251;
  for (let at = 0; at < payload.length; at += 32 * 1024) {
    s.ws.send(Buffer.concat([Buffer.from([0]), payload.subarray(at, at + 32 * 1024)]));
  }
  s.ws.send(Buffer.from([255, 0]));
  assert.equal((await s.closed).code, 1000);
  const out = Buffer.concat(s.messages.filter(([c]) => c === 1).map(([, d]) => d));
  assert.ok(out.equals(payload), `got ${out.length} bytes`);
  assert.deepEqual(JSON.parse(s.text(3)), { metadata: {}, status: 'Success' });
  assert.ok(stdinEnded.includes('cat v5'));
});

test('exec v4.base64: text messages with a channel digit; the v4 status', async () => {
  const s = await open('/exec/ns/p/c?output=1&error=1&command=both&command=x', ['v4.base64.channel.k8s.io']);
  assert.equal(s.ws.protocol, 'v4.base64.channel.k8s.io');
  await s.closed;
  assert.equal(s.text(1), 'out\n');
  assert.equal(s.text(2), 'err\n');
  assert.deepEqual(JSON.parse(s.text(3)), EXIT_3);
});

test('exec base64.channel.k8s.io (v1): stdin in base64; failure as plain text', async () => {
  const s = await open('/exec/ns/p/c?input=1&output=1&command=cat', ['base64.channel.k8s.io']);
  s.ws.send(`0${Buffer.from('hello').toString('base64')}`);
  await until('echo', () => s.text(1) === 'hello');
  s.ws.close();
  await s.closed;
  const f = await open('/exec/ns/p/c?output=1&error=1&command=both&command=x', ['channel.k8s.io']);
  await f.closed;
  assert.equal(f.text(3), "command 'both x' exited with 3");
});

test('exec of a command that cannot start: the reason in the v5 status', async () => {
  const s = await open('/exec/ns/p/c?output=1&command=boom', ['v5.channel.k8s.io']);
  await s.closed;
  const status = JSON.parse(s.text(3)) as { reason: string; message: string };
  assert.equal(status.reason, 'InternalError');
  assert.match(status.message, /container c is not running/);
});

test('exec v5 -t: resize messages reach the session, JSON with or without a newline, any key case', async () => {
  const s = await open('/exec/ns/p/c?input=1&output=1&tty=1&command=cat&command=tty', ['v5.channel.k8s.io']);
  s.ws.send(Buffer.from('\x04{"Width":80,"Height":24}\n'));
  s.ws.send(Buffer.from('\x04{"width":100,"height":40}'));
  s.ws.send(Buffer.from('\x04{"Width":120,'));
  s.ws.send(Buffer.from('\x04"Height":50}'));
  await until('three resizes', () => resizes.length >= 3);
  assert.deepEqual(resizes.slice(-3), [
    { width: 80, height: 24 },
    { width: 100, height: 40 },
    { width: 120, height: 50 },
  ]);
  s.ws.send(Buffer.from([255, 0]));
  await s.closed;
});

test('an unknown subprotocol is refused with 403 naming the ones served', async () => {
  const r = await refused('/exec/ns/p/c?output=1&command=ls', ['v9.channel.k8s.io']);
  assert.equal(r.status, 403);
  assert.match(r.body, /v9\.channel\.k8s\.io.*supported: v5\.channel\.k8s\.io, v4\.channel\.k8s\.io/);
  const pf = await refused('/portForward/ns/p', ['v4.channel.k8s.io']);
  assert.equal(pf.status, 400);
  assert.match(pf.body, /query parameter "ports" is required/);
});

test('a refused upgrade does not hold its socket: closed even while the client keeps its side open', async () => {
  // A TCP connection that stays open for writing after the node's FIN.
  const tcp = netConnect({ port: api.port, host: '127.0.0.1', allowHalfOpen: true });
  const socket = tlsConnect({ socket: tcp, rejectUnauthorized: false });
  let answer = '';
  socket.on('data', (c: Buffer) => (answer += c.toString('latin1')));
  socket.write(
    'GET /exec/ns/p/c?output=1&command=ls HTTP/1.1\r\nHost: node\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n' +
      `Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\n` +
      'Sec-WebSocket-Protocol: v9.channel.k8s.io\r\n\r\n',
  );
  // Keep writing: once the node has let the socket go, a write meets a reset and the socket closes.
  socket.on('error', () => {});
  const poke = setInterval(() => socket.write('x'), 200);
  await new Promise((resolve) => socket.once('close', resolve));
  clearInterval(poke);
  assert.match(answer, /^HTTP\/1\.1 403 Forbidden/);
});

test('output to a client that stops reading is held back (bounded), then arrives whole', async () => {
  const s = await open('/exec/ns/p/c?output=1&command=flood', ['v5.channel.k8s.io']);
  s.ws.pause();
  // Wait until the command can write no more: the node stopped taking its output.
  let [last, still] = [-1, 0];
  await until('the writer is held back', () => {
    still = flooded === last && flooded > 0 ? still + 1 : 0;
    last = flooded;
    return still >= 10;
  });
  // Loopback socket buffers hold a few MiB; without back-pressure all 32 MiB would be taken at once.
  assert.ok(flooded < 16 * 1024 * 1024, `the node took ${flooded} bytes from a stalled client's session`);
  s.ws.resume();
  assert.equal((await s.closed).code, 1000);
  const out = s.messages.filter(([c]) => c === 1).reduce((n, [, d]) => n + d.length, 0);
  assert.equal(out, 32 * 1024 * 1024);
  assert.deepEqual(JSON.parse(s.text(3)), { metadata: {}, status: 'Success' });
});

test('an idle session ends after the stream idle timeout, as over SPDY; the session is aborted', async () => {
  const idle = await startKubeletApi({
    host: '127.0.0.1',
    port: 0,
    nodeIp: '127.0.0.1',
    log,
    groupOf: () => undefined,
    readLog: () => Promise.resolve(''),
    streaming: backend,
    limits: { streamIdleTimeoutMs: 300 },
  });
  try {
    const ws = new WebSocket(
      `wss://127.0.0.1:${idle.port}/exec/ns/p/c?input=1&output=1&command=cat&command=idle`,
      ['v5.channel.k8s.io'],
      { rejectUnauthorized: false },
    );
    ws.on('error', () => {});
    await new Promise((resolve) => ws.once('close', resolve));
    await until('session aborted', () => aborted.includes('cat idle'));
  } finally {
    await idle.close();
  }
});

test('a message past the size limit closes the connection (1009) and aborts the session', async () => {
  const s = await open('/exec/ns/p/c?input=1&output=1&command=cat&command=big', ['v5.channel.k8s.io']);
  s.ws.send(Buffer.alloc(2 * 1024 * 1024));
  assert.equal((await s.closed).code, 1009);
  await until('session aborted', () => aborted.includes('cat big'));
});

test('a client that vanishes mid-session: the backend session is aborted', async () => {
  const s = await open('/exec/ns/p/c?input=1&output=1&command=cat&command=gone', ['v5.channel.k8s.io']);
  s.ws.send(Buffer.from('\x00partial'));
  await until('echo', () => s.text(1) === 'partial');
  s.ws.terminate();
  await until('session aborted', () => aborted.includes('cat gone'));
});

test('port-forward over v4.channel.k8s.io: the port first on both channels, bytes echoed, errors on the odd channel', async () => {
  const s = await open('/portForward/ns/p?ports=80,81', ['v4.channel.k8s.io']);
  await until('port prefixes', () => s.messages.length >= 4);
  for (const ch of [0, 1]) assert.deepEqual(s.messages.find(([c]) => c === ch)![1], Buffer.from([80, 0]));
  for (const ch of [2, 3]) assert.deepEqual(s.messages.find(([c]) => c === ch)![1], Buffer.from([81, 0]));
  s.ws.send(Buffer.from('\x00ping'));
  await until('echo', () => s.text(0).endsWith('ping'));
  await until('error for port 81', () => s.text(3).includes('connection refused'));
  const errorText = Buffer.concat(s.messages.filter(([c]) => c === 3).map(([, d]) => d));
  assert.deepEqual(errorText.subarray(0, 2), Buffer.from([81, 0]));
  assert.match(
    errorText.subarray(2).toString(),
    /^error forwarding port 81 to pod ns\/p: dial tcp 10\.0\.0\.9:81/,
  );
  s.ws.close();
  await s.closed;
});

/**
 * A bare WebSocket client (the `ws` client will not offer `SPDY/3.1+portforward.k8s.io`: '/'
 * is not a token character, yet kubectl sends it): handshake, masked binary frames out,
 * payloads of the server's frames in.
 */
function rawWebSocket(path: string, protocol: string) {
  const socket = tlsConnect({ port: api.port, host: '127.0.0.1', rejectUnauthorized: false });
  const payloads: Buffer[] = [];
  let buf = Buffer.alloc(0);
  let head: string | undefined;
  socket.on('data', (c: Buffer) => {
    buf = Buffer.concat([buf, c]);
    if (head === undefined) {
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      head = buf.subarray(0, end).toString('latin1');
      buf = buf.subarray(end + 4);
    }
    while (buf.length >= 2) {
      let len = buf[1]! & 0x7f;
      let at = 2;
      if (len === 126) [len, at] = [buf.readUInt16BE(2), 4];
      if (buf.length < at + len) return;
      if ((buf[0]! & 0x0f) === 2) payloads.push(buf.subarray(at, at + len));
      buf = buf.subarray(at + len);
    }
  });
  socket.write(
    `GET ${path} HTTP/1.1\r\nHost: node\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
      `Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\n` +
      `Sec-WebSocket-Protocol: ${protocol}\r\n\r\n`,
  );
  return {
    payloads,
    head: () => head,
    send(data: Buffer) {
      assert.ok(data.length < 126);
      const mask = randomBytes(4);
      const masked = Buffer.from(data.map((b, i) => b ^ mask[i % 4]!));
      socket.write(Buffer.concat([Buffer.from([0x82, 0x80 | data.length]), mask, masked]));
    },
    close: () => socket.destroy(),
  };
}

test('port-forward over the SPDY/3.1+portforward.k8s.io tunnel: SPDY frames inside binary messages', async () => {
  const c = rawWebSocket('/portForward/ns/p', 'SPDY/3.1+portforward.k8s.io');
  await until('101', () => c.head() !== undefined);
  assert.match(c.head()!, /^HTTP\/1\.1 101/);
  assert.match(c.head()!, /\r\nSec-WebSocket-Protocol: SPDY\/3\.1\+portforward\.k8s\.io(\r\n|$)/);
  const deflater = new HeaderDeflater();
  const headers = (type: string): [string, string][] => [
    ['streamtype', type],
    ['port', '80'],
    ['requestid', '0'],
  ];
  // Split across messages at odd boundaries: the tunnel is a byte stream.
  const bytes = Buffer.concat([
    encode.synStream(1, 0, 0, true, deflater.compress(headers('error'))),
    encode.synStream(3, 0, 0, false, deflater.compress(headers('data'))),
    encode.data(3, Buffer.from('through the tunnel'), false),
  ]);
  for (let at = 0; at < bytes.length; at += 100) c.send(bytes.subarray(at, at + 100));
  const frames = new FrameParser(1 << 20);
  const got: RawFrame[] = [];
  let seen = 0;
  const received = () => {
    for (; seen < c.payloads.length; seen++) {
      const r = frames.push(c.payloads[seen]!);
      assert.equal(r.kind, 'frames');
      if (r.kind === 'frames') got.push(...r.frames);
    }
    return Buffer.concat(
      got.flatMap((f) => (f.type === 'data' && f.streamId === 3 ? [f.data] : [])),
    ).toString();
  };
  await until('echo on the data stream', () => received() === 'through the tunnel');
  assert.ok(got.some((f) => f.type === 'syn_reply' && f.streamId === 1));
  assert.ok(got.some((f) => f.type === 'syn_reply' && f.streamId === 3));
  assert.equal(api.upgrades()['websocket SPDY/3.1+portforward.k8s.io'], 1);
  c.close();
});

test('the node offers ExtendWebSocketsToKubelet with a streaming backend', () => {
  assert.deepEqual(api.declaredFeatures, ['ExtendWebSocketsToKubelet']);
});
