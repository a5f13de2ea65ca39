// The SPDY/3.1 codec against bytes written by github.com/moby/spdystream's framer (the framer
// client-go, the API server and the kubelet use): test/fixtures/spdy/spdystream-frames.bin was
// written by test/fixtures/spdy/gen/main.go, which also reads back what this codec writes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { encode, FrameParser, type RawFrame } from '../../../../reconciler/kubelet/spdy/frames.ts';
import {
  HeaderDeflater,
  HeaderInflater,
  parseHeaderBlock,
  serializeHeaderBlock,
} from '../../../../reconciler/kubelet/spdy/header-block.ts';

const fixture = readFileSync(new URL('../../../fixtures/spdy/spdystream-frames.bin', import.meta.url));

/** Frames with their header blocks inflated in order, as a connection does. */
async function decodeAll(frames: RawFrame[]): Promise<unknown[]> {
  const inflater = new HeaderInflater();
  const out: unknown[] = [];
  for (const f of frames) {
    if ('block' in f) {
      const { block, ...rest } = f;
      const headers = await inflater.decode(block);
      out.push({ ...rest, headers: typeof headers === 'string' ? headers : Object.fromEntries(headers) });
    } else out.push(f);
  }
  inflater.close();
  return out;
}

const EXPECTED = [
  {
    type: 'syn_stream',
    streamId: 1,
    associatedId: 0,
    priority: 0,
    fin: false,
    unidirectional: false,
    headers: { streamtype: ['error'] },
  },
  {
    type: 'syn_stream',
    streamId: 3,
    associatedId: 0,
    priority: 0,
    fin: false,
    unidirectional: false,
    headers: { streamtype: ['stdin'] },
  },
  {
    type: 'syn_stream',
    streamId: 5,
    associatedId: 3,
    priority: 7,
    fin: false,
    unidirectional: false,
    headers: { port: ['8080'], requestid: ['0'], streamtype: ['data'], 'x-multi': ['a', 'b'] },
  },
  { type: 'data', streamId: 3, fin: false, data: Buffer.from('hello\n') },
  { type: 'data', streamId: 3, fin: true, data: Buffer.alloc(0) },
  { type: 'ping', id: 2 },
  { type: 'settings', entries: [{ flags: 0, id: 7, value: 65536 }] },
  { type: 'window_update', streamId: 3, delta: 1024 },
  { type: 'syn_reply', streamId: 2, fin: false, headers: { streamtype: ['stdout'] } },
  { type: 'headers', streamId: 2, fin: false, headers: { 'x-late': ['yes'] } },
  { type: 'rst_stream', streamId: 5, status: 5 },
  { type: 'goaway', lastGoodStreamId: 5, status: 0 },
];

test('spdystream frames parse, headers inflate with the shared zlib context', async () => {
  const r = new FrameParser(1 << 20).push(fixture);
  assert.equal(r.kind, 'frames');
  assert.deepEqual(await decodeAll(r.kind === 'frames' ? r.frames : []), EXPECTED);
});

test('the same bytes fed one at a time give the same frames', async () => {
  const parser = new FrameParser(1 << 20);
  const frames: RawFrame[] = [];
  for (const byte of fixture) {
    const r = parser.push(Buffer.from([byte]));
    assert.equal(r.kind, 'frames');
    if (r.kind === 'frames') frames.push(...r.frames);
  }
  assert.deepEqual(await decodeAll(frames), EXPECTED);
});

test('our serializer round-trips through our parser (stored-block header compression)', async () => {
  const d = new HeaderDeflater();
  const bytes = Buffer.concat([
    encode.synStream(1, 0, 0, false, d.compress([['streamtype', 'error']])),
    encode.synReply(
      2,
      false,
      d.compress([
        ['streamtype', 'stdout'],
        ['x-multi', ['a', 'b']],
      ]),
    ),
    encode.headers(2, true, d.compress([['big', 'x'.repeat(70_000)]])),
    encode.data(2, Buffer.from('out'), true),
    encode.rstStream(5, 5),
    encode.settings([{ flags: 1, id: 4, value: 9 }]),
    encode.ping(2),
    encode.goaway(5, 0),
    encode.windowUpdate(3, 1024),
  ]);
  const r = new FrameParser(1 << 20).push(bytes);
  assert.equal(r.kind, 'frames');
  const frames = await decodeAll(r.kind === 'frames' ? r.frames : []);
  assert.deepEqual(frames[0], EXPECTED[0]);
  assert.deepEqual(frames[1], {
    type: 'syn_reply',
    streamId: 2,
    fin: false,
    headers: { streamtype: ['stdout'], 'x-multi': ['a', 'b'] },
  });
  // 70 kB exceeds one stored block (64 KiB) and MAX_COMPRESSED_HEADER_BLOCK: refused, not buffered.
  assert.match(String((frames[2] as { headers: unknown }).headers), /exceeds/);
  assert.deepEqual(frames.slice(3), [
    { type: 'data', streamId: 2, fin: true, data: Buffer.from('out') },
    { type: 'rst_stream', streamId: 5, status: 5 },
    { type: 'settings', entries: [{ flags: 1, id: 4, value: 9 }] },
    { type: 'ping', id: 2 },
    { type: 'goaway', lastGoodStreamId: 5, status: 0 },
    { type: 'window_update', streamId: 3, delta: 1024 },
  ]);
});

test('malformed input is a protocol error, never a throw', () => {
  const cases: [string, Buffer, RegExp][] = [
    ['SPDY/2', Buffer.from([0x80, 0x02, 0, 6, 0, 0, 0, 4, 0, 0, 0, 1]), /version 2/],
    ['DATA on stream 0', Buffer.from([0, 0, 0, 0, 0, 0, 0, 0]), /stream 0/],
    ['short PING', Buffer.from([0x80, 0x03, 0, 6, 0, 0, 0, 2, 0, 1]), /PING must be 4/],
    ['oversized frame', Buffer.from([0, 0, 0, 1, 0, 0x10, 0, 0]), /exceeds the limit/],
    ['SETTINGS count lies', Buffer.from([0x80, 0x03, 0, 4, 0, 0, 0, 4, 0, 0, 0, 9]), /9 entries/],
    ['SYN_STREAM short', Buffer.from([0x80, 0x03, 0, 1, 0, 0, 0, 2, 0, 1]), /too short/],
  ];
  for (const [name, bytes, message] of cases) {
    const r = new FrameParser(1 << 16).push(bytes);
    assert.equal(r.kind, 'protocol-error', name);
    if (r.kind === 'protocol-error') assert.match(r.message, message, name);
  }
  const unknown = new FrameParser(1 << 16).push(Buffer.from([0x80, 0x03, 0, 0x42, 0, 0, 0, 0]));
  assert.deepEqual(unknown, { kind: 'frames', frames: [{ type: 'unknown', controlType: 0x42 }] });
});

test('header blocks: counts, truncation and upper-case names are refused', () => {
  const good = serializeHeaderBlock([
    ['streamtype', 'data'],
    ['port', '80'],
  ]);
  assert.deepEqual(
    parseHeaderBlock(good),
    new Map([
      ['streamtype', ['data']],
      ['port', ['80']],
    ]),
  );
  assert.match(String(parseHeaderBlock(good.subarray(0, good.length - 1))), /overruns/);
  assert.match(String(parseHeaderBlock(Buffer.from([0, 0, 1, 0]))), /announces 256/);
  const upper = Buffer.from(serializeHeaderBlock([['x', 'y']]));
  upper[8] = 'X'.charCodeAt(0);
  assert.match(String(parseHeaderBlock(upper)), /not lower case/);
  assert.match(String(parseHeaderBlock(Buffer.concat([good, Buffer.from([1])]))), /1 bytes after/);
});

test('a header block that does not inflate is an error value, and the context stays failed', async () => {
  const inflater = new HeaderInflater();
  assert.match(String(await inflater.decode(Buffer.from('not zlib at all'))), /does not inflate/);
  assert.match(String(await inflater.decode(Buffer.from([0x78]))), /failed earlier/);
  inflater.close();
});

test('our bytes are exactly the fixture that spdystream reads back frame by frame', () => {
  // gen/main.go read < ours-frames.bin parsed all nine (header blocks included); keep them identical.
  const d = new HeaderDeflater();
  const bytes = Buffer.concat([
    encode.synReply(1, false, d.compress([['streamtype', 'error']])),
    encode.synStream(
      2,
      0,
      0,
      false,
      d.compress([
        ['streamtype', 'stdout'],
        ['x-multi', ['a', 'b']],
      ]),
    ),
    encode.headers(2, false, d.compress([['big', 'x'.repeat(3000)]])),
    encode.data(2, Buffer.from('out'), true),
    encode.rstStream(5, 5),
    encode.settings([{ flags: 1, id: 4, value: 9 }]),
    encode.ping(2),
    encode.windowUpdate(3, 1024),
    encode.goaway(5, 0),
  ]);
  assert.deepEqual(bytes, readFileSync(new URL('../../../fixtures/spdy/ours-frames.bin', import.meta.url)));
});
