// SPDY/3 header blocks (section 2.6.10): a count, then length-prefixed lower-case names and
// NUL-joined values, compressed with one zlib context per direction per connection, primed
// with the SPDY/3 dictionary and sync-flushed after each block.
//
// Sending: blocks are written as zlib *stored* (uncompressed) deflate blocks. That is valid
// zlib every SPDY peer's dictionary inflater reads (moby/spdystream uses Go's compress/zlib),
// keeps encoding synchronous and in order with the frames, and costs a few dozen bytes on a
// handful of streams per session. Receiving needs a real inflater: peers do compress, and
// later blocks refer back into earlier ones.
import { constants, createInflate, type Inflate } from 'node:zlib';
import { SPDY3_HEADER_DICTIONARY } from './dictionary.ts';

/** Header names (lower case) to their values, in the order received. */
export type SpdyHeaders = Map<string, string[]>;

/** A compressed header block larger than this is refused: it would only serve a decompression bomb. */
export const MAX_COMPRESSED_HEADER_BLOCK = 4 * 1024;
const MAX_HEADERS = 100;

/** Pure: the uncompressed name/value block. Names are lower-cased, as the protocol requires. */
export function serializeHeaderBlock(headers: Iterable<[string, string | string[]]>): Buffer {
  const parts: Buffer[] = [];
  let count = 0;
  for (const [name, value] of headers) {
    const values = Array.isArray(value) ? value : [value];
    for (const field of [name.toLowerCase(), values.join('\0')]) {
      const bytes = Buffer.from(field, 'utf8');
      const len = Buffer.alloc(4);
      len.writeUInt32BE(bytes.length);
      parts.push(len, bytes);
    }
    count++;
  }
  const head = Buffer.alloc(4);
  head.writeUInt32BE(count);
  return Buffer.concat([head, ...parts]);
}

/** Pure and total: the headers of an uncompressed block, or why it is malformed. */
export function parseHeaderBlock(block: Buffer): SpdyHeaders | string {
  if (block.length < 4) return 'header block shorter than its count';
  const count = block.readUInt32BE(0);
  if (count > MAX_HEADERS) return `header block announces ${count} headers (at most ${MAX_HEADERS})`;
  const headers: SpdyHeaders = new Map();
  let at = 4;
  const field = (what: string): string | { error: string } => {
    if (block.length - at < 4) return { error: `header block truncated before a ${what} length` };
    const len = block.readUInt32BE(at);
    at += 4;
    if (block.length - at < len) return { error: `header ${what} of ${len} bytes overruns the block` };
    const s = block.subarray(at, at + len).toString('utf8');
    at += len;
    return s;
  };
  for (let i = 0; i < count; i++) {
    const name = field('name');
    if (typeof name !== 'string') return name.error;
    const value = field('value');
    if (typeof value !== 'string') return value.error;
    if (name === '' || name !== name.toLowerCase())
      return `header name ${JSON.stringify(name)} is not lower case`;
    headers.set(name, [...(headers.get(name) ?? []), ...value.split('\0')]);
  }
  if (at !== block.length) return `${block.length - at} bytes after the last header`;
  return headers;
}

function adler32(data: Buffer): number {
  let a = 1;
  let b = 0;
  for (const byte of data) {
    a = (a + byte) % 65521;
    b = (b + a) % 65521;
  }
  return ((b << 16) | a) >>> 0;
}

/** zlib header with FDICT set (CMF 0x78, FLG 0x20: (0x7820 % 31) === 0) and the dictionary's id. */
const ZLIB_HEADER = Buffer.concat([Buffer.from([0x78, 0x20]), Buffer.alloc(4)]);
ZLIB_HEADER.writeUInt32BE(adler32(SPDY3_HEADER_DICTIONARY), 2);
const STORED_MAX = 0xffff;
const SYNC_FLUSH_MARKER = Buffer.from([0x00, 0x00, 0x00, 0xff, 0xff]);

/** The sending side's "compression" context of one connection: stored deflate blocks, byte-aligned. */
export class HeaderDeflater {
  private started = false;

  compress(headers: Iterable<[string, string | string[]]>): Buffer {
    const raw = serializeHeaderBlock(headers);
    const parts: Buffer[] = [];
    if (!this.started) {
      parts.push(ZLIB_HEADER);
      this.started = true;
    }
    for (let at = 0; at < raw.length; at += STORED_MAX) {
      const chunk = raw.subarray(at, at + STORED_MAX);
      const head = Buffer.alloc(5);
      head[0] = 0; // BFINAL 0, BTYPE 00 (stored), padded to the byte
      head.writeUInt16LE(chunk.length, 1);
      head.writeUInt16LE(~chunk.length & 0xffff, 3);
      parts.push(head, chunk);
    }
    // What Z_SYNC_FLUSH ends with: an empty stored block. Inflaters (Go's among them) hand out
    // a stored block's bytes only once they reach the next block header.
    parts.push(SYNC_FLUSH_MARKER);
    return Buffer.concat(parts);
  }
}

/**
 * The receiving side's zlib context of one connection. Blocks must be inflated in the order
 * they arrived; callers await each before the next (the connection processes frames serially).
 */
export class HeaderInflater {
  private readonly inflate: Inflate = createInflate({ dictionary: SPDY3_HEADER_DICTIONARY });
  private broken: string | undefined;

  constructor() {
    this.inflate.on('error', (err) => (this.broken = err.message));
  }

  async decode(block: Buffer): Promise<SpdyHeaders | string> {
    if (this.broken) return `header compression failed earlier: ${this.broken}`;
    if (block.length > MAX_COMPRESSED_HEADER_BLOCK) {
      return `compressed header block of ${block.length} bytes exceeds ${MAX_COMPRESSED_HEADER_BLOCK}`;
    }
    this.inflate.write(block);
    // zlib pushes all output of a write before calling back the flush that follows it.
    await new Promise<void>((resolve) => {
      const done = () => {
        this.inflate.off('error', done);
        resolve();
      };
      this.inflate.once('error', done);
      this.inflate.flush(constants.Z_SYNC_FLUSH, done);
    });
    if (this.broken) return `header block does not inflate: ${this.broken}`;
    const out: Buffer[] = [];
    for (let c: Buffer | null; (c = this.inflate.read() as Buffer | null) !== null;) out.push(c);
    return parseHeaderBlock(Buffer.concat(out));
  }

  close(): void {
    this.inflate.destroy();
  }
}
