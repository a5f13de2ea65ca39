// The SPDY stream layer over an in-memory socket: a reader that stops reading pauses the
// socket (bounded bytes held, TCP back-pressure instead of SPDY windows), nothing is lost when
// it reads again; RST from the peer destroys the stream; half-close both ways forgets it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { duplexPair } from 'node:stream';
import { setImmediate as tick } from 'node:timers/promises';
import pino from 'pino';
import { SpdyConnection, type SpdyStream } from '../../../../reconciler/kubelet/spdy/connection.ts';
import { encode, FrameParser } from '../../../../reconciler/kubelet/spdy/frames.ts';
import { HeaderDeflater } from '../../../../reconciler/kubelet/spdy/header-block.ts';

const log = pino({ level: 'silent' });

async function settle(n = 20): Promise<void> {
  for (let i = 0; i < n; i++) await tick();
}

/** Header blocks inflate on the zlib thread pool: poll, not count ticks. */
async function until(what: string, check: () => boolean): Promise<void> {
  for (let i = 0; i < 2_000 && !check(); i++) await new Promise((r) => setTimeout(r, 5));
  assert.ok(check(), what);
}

test('a stream nobody reads pauses the socket; its buffer stays bounded; nothing is lost', async () => {
  const [server, client] = duplexPair();
  const streams: SpdyStream[] = [];
  new SpdyConnection(server, { log, onStream: (s) => (s.reply(), streams.push(s)) });
  const d = new HeaderDeflater();
  client.write(encode.synStream(1, 0, 0, false, d.compress([['streamtype', 'stdin']])));
  client.resume(); // discard what the server sends
  await until('stream opened', () => streams.length === 1);
  const stream = streams[0]!;
  const chunk = Buffer.alloc(32 * 1024, 1);
  for (let i = 0; i < 160; i++) client.write(encode.data(1, chunk, i === 159)); // 5 MiB
  await until('the socket is paused', () => server.isPaused());
  await settle(200);
  // The reader's 64 KiB, the connection's 256 KiB queue, one chunk: not the 5 MiB sent.
  assert.ok(stream.readableLength <= 512 * 1024, `held ${stream.readableLength} bytes`);
  let received = 0;
  stream.on('data', (c: Buffer) => (received += c.length));
  await new Promise((r) => stream.once('end', r));
  assert.equal(received, 160 * chunk.length);
});

test('RST_STREAM from the peer destroys the stream; FIN both ways ends it cleanly', async () => {
  const [server, client] = duplexPair();
  const streams: SpdyStream[] = [];
  new SpdyConnection(server, { log, onStream: (s) => (s.reply(), streams.push(s)) });
  const sent: Buffer[] = [];
  client.on('data', (c: Buffer) => sent.push(c));
  const d = new HeaderDeflater();
  client.write(encode.synStream(1, 0, 0, false, d.compress([['streamtype', 'a']])));
  client.write(encode.synStream(3, 0, 0, false, d.compress([['streamtype', 'b']])));
  await until('streams opened', () => streams.length === 2);
  const [a, b] = streams as [SpdyStream, SpdyStream];
  client.write(encode.rstStream(1, 5));
  await until('reset stream destroyed', () => a.destroyed);
  b.end('bye');
  client.write(encode.data(3, Buffer.from('hi'), true));
  let text = '';
  b.on('data', (c: Buffer) => (text += c.toString()));
  await new Promise((r) => b.once('end', r));
  assert.equal(text, 'hi');
  await settle();
  // What the server sent: two SYN_REPLYs, then "bye" and the FIN on stream 3, and no RST.
  const r = new FrameParser(1 << 20).push(Buffer.concat(sent));
  assert.equal(r.kind, 'frames');
  const frames = r.kind === 'frames' ? r.frames : [];
  assert.deepEqual(
    frames.map((f) =>
      f.type === 'data' ? `data ${f.streamId} ${f.data.toString()} fin=${f.fin}` : `${f.type}`,
    ),
    ['syn_reply', 'syn_reply', 'data 3 bye fin=false', 'data 3  fin=true'],
  );
});
