// The server side of one SPDY/3.1 connection after the HTTP upgrade: streams by id, each a
// Duplex (data in, data out, half-close with FIN, RST to abort), PING echoed, GOAWAY.
//
// Flow control: SPDY/3.1 windows are not tracked. moby/spdystream (every Kubernetes peer)
// neither sends WINDOW_UPDATE nor enforces its own window, so honouring windows would stall
// transfers past 64 KiB. Back-pressure is TCP's instead: the socket is paused while any
// stream's reader is full, and a stream's writes complete only when the socket drains.
import type { Duplex as DuplexType } from 'node:stream';
import { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { encode, FrameParser, GOAWAY, RST, type RawFrame } from './frames.ts';
import { HeaderDeflater, HeaderInflater, type SpdyHeaders } from './header-block.ts';

export interface SpdyConnectionOptions {
  log: Logger;
  /** Largest frame accepted from the peer (payload bytes); larger is a protocol error. */
  maxFrameBytes?: number;
  /** Streams open at once; a SYN_STREAM beyond it is refused (RST REFUSED_STREAM). */
  maxStreams?: number;
  /** Called for each stream the peer opens. Reply (or reset) it. */
  onStream(stream: SpdyStream): void;
}

/** Payload of one DATA frame we send: large enough to be cheap, small enough to interleave streams. */
const MAX_DATA_FRAME = 32 * 1024;
/** Parsed frames waiting for their turn beyond this many bytes pause the socket. */
const MAX_QUEUED_BYTES = 256 * 1024;

export class SpdyStream extends Duplex {
  readonly id: number;
  readonly headers: SpdyHeaders;
  private replied = false;
  private pendingWrite: (() => void) | undefined;
  /** A RST_STREAM went either way: destroying must not send another. */
  private resetDone = false;
  private readonly conn: SpdyConnection;

  constructor(conn: SpdyConnection, id: number, headers: SpdyHeaders) {
    super({ allowHalfOpen: true, readableHighWaterMark: 64 * 1024 });
    this.conn = conn;
    this.id = id;
    this.headers = headers;
  }

  /** The first value of a header, if present. */
  header(name: string): string | undefined {
    return this.headers.get(name)?.[0];
  }

  /** Accepts the stream (SYN_REPLY); data written before this waits for it. */
  reply(headers: [string, string][] = []): void {
    if (this.replied || this.destroyed) return;
    this.replied = true;
    this.conn.sendReply(this.id, headers);
    const go = this.pendingWrite;
    this.pendingWrite = undefined;
    go?.();
  }

  /** Aborts the stream both ways (RST_STREAM with `status`). */
  reset(status: number = RST.cancel): void {
    if (this.destroyed) return;
    this.resetDone = true;
    this.conn.sendReset(this.id, status);
    this.destroy();
  }

  /** @internal The peer reset the stream. */
  resetByPeer(): void {
    this.resetDone = true;
    this.destroy();
  }

  override _read(): void {
    this.conn.resumeReading(this.id);
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    const send = () => {
      for (let at = 0; at < chunk.length; at += MAX_DATA_FRAME) {
        this.conn.sendData(this.id, chunk.subarray(at, at + MAX_DATA_FRAME), false);
      }
      this.conn.afterDrain(cb);
    };
    if (this.replied) send();
    else this.pendingWrite = send;
  }

  override _final(cb: (err?: Error | null) => void): void {
    const fin = () => {
      this.conn.sendData(this.id, Buffer.alloc(0), true);
      this.conn.streamHalfClosedByUs(this);
      cb();
    };
    if (this.replied) fin();
    else this.pendingWrite = fin;
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    // Destroyed while open (an error, an aborted session): tell the peer, or its reader waits.
    this.conn.forget(this, !this.resetDone);
    cb(err);
  }

  /** @internal The connection delivers the peer's data and FIN here; false = stop reading. */
  deliver(data: Buffer, fin: boolean): boolean {
    let more = true;
    if (data.length > 0) more = this.push(data);
    if (fin) this.push(null);
    return more;
  }
}

export class SpdyConnection {
  private readonly socket: DuplexType;
  private readonly o: SpdyConnectionOptions;
  private readonly parser: FrameParser;
  private readonly deflater = new HeaderDeflater();
  private readonly inflater = new HeaderInflater();
  private readonly streams = new Map<number, SpdyStream>();
  /** Streams whose FIN we received, and those whose FIN we sent: gone when in both. */
  private readonly theirFin = new Set<number>();
  private readonly ourFin = new Set<number>();
  private lastPeerStreamId = 0;
  private work: Promise<void> = Promise.resolve();
  /** Bytes of parsed frames not handled yet, and streams whose reader is full: either pauses the socket. */
  private queuedBytes = 0;
  private readonly blocked = new Set<number>();
  private closed = false;
  private goingAway = false;
  private readonly closedPromise: Promise<void>;

  constructor(socket: DuplexType, o: SpdyConnectionOptions) {
    this.socket = socket;
    this.o = o;
    this.parser = new FrameParser(o.maxFrameBytes ?? 1024 * 1024);
    this.closedPromise = new Promise((resolve) => socket.once('close', () => resolve()));
    socket.on('data', (chunk: Buffer) => this.onBytes(chunk));
    socket.on('error', (err) => o.log.debug({ err }, 'SPDY connection: socket error'));
    socket.on('close', () => this.teardown());
    socket.on('end', () => this.close());
  }

  /** Resolves when the underlying socket has closed. */
  get done(): Promise<void> {
    return this.closedPromise;
  }

  /** Bytes that arrived with the upgrade request (Node's `head`) go through here first. */
  feed(head: Buffer): void {
    if (head.length > 0) this.onBytes(head);
  }

  /** GOAWAY, then close once our queued writes are out. */
  close(status: number = GOAWAY.ok): void {
    if (this.closed) return;
    this.closed = true;
    this.write(encode.goaway(this.lastPeerStreamId, status));
    this.socket.end();
    // A peer that never closes its side must not keep the socket (and its streams) forever.
    setTimeout(() => this.socket.destroy(), 5_000).unref();
  }

  private onBytes(chunk: Buffer): void {
    const r = this.parser.push(chunk);
    if (r.kind === 'protocol-error') {
      this.o.log.debug({ reason: r.message }, 'SPDY connection: protocol error');
      this.close(GOAWAY.protocolError);
      return;
    }
    for (const frame of r.frames) {
      const size = frame.type === 'data' ? frame.data.length : 0;
      this.queuedBytes += size;
      this.work = this.work.then(() => {
        this.queuedBytes -= size;
        return this.onFrame(frame);
      });
    }
    if (this.queuedBytes > MAX_QUEUED_BYTES) {
      this.socket.pause();
      void this.work.then(() => this.resumeReading());
    }
    this.work = this.work.catch((err: unknown) => {
      this.o.log.error({ err }, 'SPDY connection: frame handling failed');
      this.close(GOAWAY.internalError);
    });
  }

  private async onFrame(f: RawFrame): Promise<void> {
    if (this.socket.destroyed) return;
    switch (f.type) {
      case 'syn_stream': {
        const headers = await this.inflater.decode(f.block);
        if (typeof headers === 'string') return this.protocolError(headers);
        if (f.streamId % 2 === 0 || f.streamId <= this.lastPeerStreamId) {
          return this.protocolError(`stream id ${f.streamId} is not a new odd id`);
        }
        this.lastPeerStreamId = f.streamId;
        if (this.goingAway || this.closed || this.streams.size >= (this.o.maxStreams ?? 256)) {
          this.sendReset(f.streamId, RST.refusedStream);
          return;
        }
        const stream = new SpdyStream(this, f.streamId, headers);
        stream.on('error', (err) => this.o.log.debug({ err, stream: f.streamId }, 'SPDY stream error'));
        this.streams.set(f.streamId, stream);
        if (f.fin) this.peerFinished(stream);
        this.o.onStream(stream);
        return;
      }
      case 'syn_reply':
      case 'headers': {
        // We open no streams and need no late headers, but the zlib context must still advance.
        const headers = await this.inflater.decode(f.block);
        if (typeof headers === 'string') return this.protocolError(headers);
        const stream = this.streams.get(f.streamId);
        if (stream && f.fin) this.peerFinished(stream);
        return;
      }
      case 'data': {
        const stream = this.streams.get(f.streamId);
        if (!stream || this.theirFin.has(f.streamId)) {
          this.sendReset(f.streamId, RST.invalidStream);
          return;
        }
        if (!stream.deliver(f.data, false)) {
          this.blocked.add(stream.id);
          this.socket.pause();
        }
        if (f.fin) this.peerFinished(stream);
        return;
      }
      case 'rst_stream':
        this.streams.get(f.streamId)?.resetByPeer();
        return;
      case 'ping':
        this.write(encode.ping(f.id));
        return;
      case 'goaway':
        this.goingAway = true;
        if (this.streams.size === 0) this.close();
        return;
      case 'settings':
      case 'window_update':
      case 'unknown':
        return;
    }
  }

  private protocolError(reason: string): void {
    this.o.log.debug({ reason }, 'SPDY connection: protocol error');
    this.close(GOAWAY.protocolError);
  }

  private peerFinished(stream: SpdyStream): void {
    this.theirFin.add(stream.id);
    stream.deliver(Buffer.alloc(0), true);
    if (this.ourFin.has(stream.id)) this.forget(stream, false);
  }

  private write(bytes: Buffer): boolean {
    if (this.socket.destroyed || !this.socket.writable) return false;
    return this.socket.write(bytes);
  }

  /** @internal */ sendReply(id: number, headers: [string, string][]): void {
    this.write(encode.synReply(id, false, this.deflater.compress(headers)));
  }
  /** @internal */ sendData(id: number, data: Buffer, fin: boolean): void {
    this.write(encode.data(id, data, fin));
  }
  /** @internal */ sendReset(id: number, status: number): void {
    this.write(encode.rstStream(id, status));
  }
  /** @internal Calls back once the socket has room again (at once if it has). */
  afterDrain(cb: (err?: Error | null) => void): void {
    if (this.socket.destroyed) return cb(new Error('connection closed'));
    if (!this.socket.writableNeedDrain) return cb();
    const done = () => {
      this.socket.off('drain', done);
      this.socket.off('close', done);
      cb();
    };
    this.socket.on('drain', done);
    this.socket.on('close', done);
  }
  /** @internal A stream's reader wants more (or `id` is gone): resume if nothing else holds the socket. */
  resumeReading(id?: number): void {
    if (id !== undefined) this.blocked.delete(id);
    if (this.blocked.size === 0 && this.queuedBytes <= MAX_QUEUED_BYTES && this.socket.isPaused()) {
      this.socket.resume();
    }
  }
  /** @internal */ streamHalfClosedByUs(stream: SpdyStream): void {
    this.ourFin.add(stream.id);
    if (this.theirFin.has(stream.id)) this.forget(stream, false);
  }
  /** @internal The stream is over (both FINs, a reset, or destroyed here: then RST if `resetIfOpen`). */
  forget(stream: SpdyStream, resetIfOpen: boolean): void {
    if (this.streams.get(stream.id) !== stream) return;
    const open = !(this.theirFin.has(stream.id) && this.ourFin.has(stream.id));
    if (open && resetIfOpen) this.sendReset(stream.id, RST.cancel);
    this.streams.delete(stream.id);
    this.resumeReading(stream.id);
    this.theirFin.delete(stream.id);
    this.ourFin.delete(stream.id);
    if (this.goingAway && this.streams.size === 0) this.close();
  }

  private teardown(): void {
    this.closed = true;
    for (const s of [...this.streams.values()]) s.destroy();
    this.inflater.close();
  }
}
