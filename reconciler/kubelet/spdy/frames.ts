// SPDY/3.1 frames (SPDY Protocol Draft 3.1, https://www.chromium.org/spdy/spdy-protocol/spdy-protocol-draft3-1/)
// as Kubernetes speaks them through github.com/moby/spdystream: a pure, incremental parser and
// a serializer. Header blocks stay compressed here (their zlib context belongs to the
// connection, see header-block.ts); everything else is decoded. The parser is total: bad input
// is a `protocol-error` value, never a throw.

export const CONTROL_TYPES = {
  syn_stream: 1,
  syn_reply: 2,
  rst_stream: 3,
  settings: 4,
  ping: 6,
  goaway: 7,
  headers: 8,
  window_update: 9,
} as const;

export const FLAG_FIN = 0x01;
export const FLAG_UNIDIRECTIONAL = 0x02;

/** RST_STREAM status codes (section 2.4.2). */
export const RST = {
  protocolError: 1,
  invalidStream: 2,
  refusedStream: 3,
  cancel: 5,
  internalError: 6,
} as const;
/** GOAWAY status codes (section 2.6.6). */
export const GOAWAY = { ok: 0, protocolError: 1, internalError: 2 } as const;

/** A header-bearing frame as parsed: `block` is still zlib-compressed. */
export type RawFrame =
  | { type: 'data'; streamId: number; fin: boolean; data: Buffer }
  | {
      type: 'syn_stream';
      streamId: number;
      associatedId: number;
      priority: number;
      fin: boolean;
      unidirectional: boolean;
      block: Buffer;
    }
  | { type: 'syn_reply'; streamId: number; fin: boolean; block: Buffer }
  | { type: 'headers'; streamId: number; fin: boolean; block: Buffer }
  | { type: 'rst_stream'; streamId: number; status: number }
  | { type: 'settings'; entries: { flags: number; id: number; value: number }[] }
  | { type: 'ping'; id: number }
  | { type: 'goaway'; lastGoodStreamId: number; status: number }
  | { type: 'window_update'; streamId: number; delta: number }
  /** A control frame of a type this implementation does not know: ignored, as the spec asks. */
  | { type: 'unknown'; controlType: number };

export type ParseResult =
  { kind: 'frames'; frames: RawFrame[] } | { kind: 'protocol-error'; message: string };

const HEADER_BYTES = 8;
const STREAM_ID_MASK = 0x7fffffff;

/**
 * Splits a byte stream into frames. Holds at most one partial frame; a frame longer than
 * `maxFrameBytes` is a protocol error (before its payload is buffered), so a peer cannot make
 * it hold more.
 */
export class FrameParser {
  private pending: Buffer = Buffer.alloc(0);
  private failed = false;
  private readonly maxFrameBytes: number;

  constructor(maxFrameBytes: number) {
    this.maxFrameBytes = maxFrameBytes;
  }

  push(chunk: Buffer): ParseResult {
    if (this.failed) return { kind: 'protocol-error', message: 'the connection already failed' };
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const frames: RawFrame[] = [];
    let offset = 0;
    while (this.pending.length - offset >= HEADER_BYTES) {
      const length = this.pending.readUIntBE(offset + 5, 3);
      if (length > this.maxFrameBytes) {
        return this.fail(`a frame of ${length} bytes exceeds the limit of ${this.maxFrameBytes}`);
      }
      if (this.pending.length - offset < HEADER_BYTES + length) break;
      const head = this.pending.subarray(offset, offset + HEADER_BYTES);
      const payload = this.pending.subarray(offset + HEADER_BYTES, offset + HEADER_BYTES + length);
      offset += HEADER_BYTES + length;
      const frame = decodeFrame(head, payload);
      if (typeof frame === 'string') return this.fail(frame);
      frames.push(frame);
    }
    // Copy the remainder so the parsed frames' buffers do not pin a large chunk for long.
    this.pending = offset === 0 ? this.pending : Buffer.from(this.pending.subarray(offset));
    return { kind: 'frames', frames };
  }

  private fail(message: string): ParseResult {
    this.failed = true;
    this.pending = Buffer.alloc(0);
    return { kind: 'protocol-error', message };
  }
}

/** Pure: one frame from its 8-byte header and its payload, or the reason it is malformed. */
function decodeFrame(head: Buffer, p: Buffer): RawFrame | string {
  const flags = head[4]!;
  const fin = (flags & FLAG_FIN) !== 0;
  if ((head[0]! & 0x80) === 0) {
    const streamId = head.readUInt32BE(0) & STREAM_ID_MASK;
    if (streamId === 0) return 'a DATA frame on stream 0';
    return { type: 'data', streamId, fin, data: p };
  }
  const version = head.readUInt16BE(0) & 0x7fff;
  if (version !== 3) return `SPDY version ${version} is not supported (only 3)`;
  const type = head.readUInt16BE(2);
  const need = (n: number, name: string) =>
    p.length < n ? `${name} frame too short (${p.length} bytes)` : '';
  switch (type) {
    case CONTROL_TYPES.syn_stream: {
      const short = need(10, 'SYN_STREAM');
      if (short) return short;
      const streamId = p.readUInt32BE(0) & STREAM_ID_MASK;
      if (streamId === 0) return 'SYN_STREAM on stream 0';
      return {
        type: 'syn_stream',
        streamId,
        associatedId: p.readUInt32BE(4) & STREAM_ID_MASK,
        priority: p[8]! >> 5,
        fin,
        unidirectional: (flags & FLAG_UNIDIRECTIONAL) !== 0,
        block: p.subarray(10),
      };
    }
    case CONTROL_TYPES.syn_reply:
    case CONTROL_TYPES.headers: {
      const name = type === CONTROL_TYPES.syn_reply ? 'syn_reply' : 'headers';
      const short = need(4, name.toUpperCase());
      if (short) return short;
      return { type: name, streamId: p.readUInt32BE(0) & STREAM_ID_MASK, fin, block: p.subarray(4) };
    }
    case CONTROL_TYPES.rst_stream: {
      if (p.length !== 8) return `RST_STREAM must be 8 bytes, got ${p.length}`;
      return { type: 'rst_stream', streamId: p.readUInt32BE(0) & STREAM_ID_MASK, status: p.readUInt32BE(4) };
    }
    case CONTROL_TYPES.settings: {
      const short = need(4, 'SETTINGS');
      if (short) return short;
      const count = p.readUInt32BE(0);
      if (p.length !== 4 + count * 8) return `SETTINGS announces ${count} entries in ${p.length} bytes`;
      const entries = [];
      for (let i = 0; i < count; i++) {
        const at = 4 + i * 8;
        entries.push({ flags: p[at]!, id: p.readUIntBE(at + 1, 3), value: p.readUInt32BE(at + 4) });
      }
      return { type: 'settings', entries };
    }
    case CONTROL_TYPES.ping:
      if (p.length !== 4) return `PING must be 4 bytes, got ${p.length}`;
      return { type: 'ping', id: p.readUInt32BE(0) };
    case CONTROL_TYPES.goaway:
      if (p.length !== 8) return `GOAWAY must be 8 bytes, got ${p.length}`;
      return {
        type: 'goaway',
        lastGoodStreamId: p.readUInt32BE(0) & STREAM_ID_MASK,
        status: p.readUInt32BE(4),
      };
    case CONTROL_TYPES.window_update:
      if (p.length !== 8) return `WINDOW_UPDATE must be 8 bytes, got ${p.length}`;
      return {
        type: 'window_update',
        streamId: p.readUInt32BE(0) & STREAM_ID_MASK,
        delta: p.readUInt32BE(4) & STREAM_ID_MASK,
      };
    default:
      return { type: 'unknown', controlType: type };
  }
}

function controlFrame(type: number, flags: number, payload: Buffer): Buffer {
  const head = Buffer.alloc(HEADER_BYTES);
  head.writeUInt16BE(0x8003, 0);
  head.writeUInt16BE(type, 2);
  head[4] = flags;
  head.writeUIntBE(payload.length, 5, 3);
  return Buffer.concat([head, payload]);
}

function u32s(...values: number[]): Buffer {
  const b = Buffer.alloc(values.length * 4);
  values.forEach((v, i) => b.writeUInt32BE(v >>> 0, i * 4));
  return b;
}

/** Pure serializers; `block` is an already compressed header block. */
export const encode = {
  data(streamId: number, data: Buffer, fin: boolean): Buffer {
    const head = Buffer.alloc(HEADER_BYTES);
    head.writeUInt32BE(streamId & STREAM_ID_MASK, 0);
    head[4] = fin ? FLAG_FIN : 0;
    head.writeUIntBE(data.length, 5, 3);
    return Buffer.concat([head, data]);
  },
  synStream(streamId: number, associatedId: number, priority: number, fin: boolean, block: Buffer): Buffer {
    const fixed = Buffer.alloc(10);
    fixed.writeUInt32BE(streamId, 0);
    fixed.writeUInt32BE(associatedId, 4);
    fixed[8] = (priority & 7) << 5;
    return controlFrame(CONTROL_TYPES.syn_stream, fin ? FLAG_FIN : 0, Buffer.concat([fixed, block]));
  },
  synReply(streamId: number, fin: boolean, block: Buffer): Buffer {
    return controlFrame(CONTROL_TYPES.syn_reply, fin ? FLAG_FIN : 0, Buffer.concat([u32s(streamId), block]));
  },
  headers(streamId: number, fin: boolean, block: Buffer): Buffer {
    return controlFrame(CONTROL_TYPES.headers, fin ? FLAG_FIN : 0, Buffer.concat([u32s(streamId), block]));
  },
  rstStream(streamId: number, status: number): Buffer {
    return controlFrame(CONTROL_TYPES.rst_stream, 0, u32s(streamId, status));
  },
  settings(entries: { flags: number; id: number; value: number }[]): Buffer {
    const body = Buffer.alloc(4 + entries.length * 8);
    body.writeUInt32BE(entries.length, 0);
    entries.forEach((e, i) => {
      body[4 + i * 8] = e.flags;
      body.writeUIntBE(e.id, 5 + i * 8, 3);
      body.writeUInt32BE(e.value, 8 + i * 8);
    });
    return controlFrame(CONTROL_TYPES.settings, 0, body);
  },
  ping(id: number): Buffer {
    return controlFrame(CONTROL_TYPES.ping, 0, u32s(id));
  },
  goaway(lastGoodStreamId: number, status: number): Buffer {
    return controlFrame(CONTROL_TYPES.goaway, 0, u32s(lastGoodStreamId, status));
  },
  windowUpdate(streamId: number, delta: number): Buffer {
    return controlFrame(CONTROL_TYPES.window_update, 0, u32s(streamId, delta));
  },
};
