// The numbered channels of one WebSocket, each a Duplex (client data in, our data out as
// messages tagged with the channel), so the session code written for SPDY streams runs on them.
//
// Back-pressure: a write completes when `ws` has handed the message to the socket; when a
// channel's reader is full the WebSocket is paused until it reads again. Messages on channels
// that do not take input (or do not exist) are dropped, as the kubelet drops them.
import { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import type { WebSocket } from 'ws';
import { decodeChannelMessage, encodeChannelMessage, type Codec } from './channel-frames.ts';

export interface ChannelSpec {
  /** The client may write to it. */
  read: boolean;
  /** We may write to it; writes on a channel without it are discarded. */
  write: boolean;
}

export class WsChannel extends Duplex {
  readonly num: number;
  private readonly mux: ChannelMux;
  readonly spec: ChannelSpec;

  constructor(mux: ChannelMux, num: number, spec: ChannelSpec) {
    super({ allowHalfOpen: true, readableHighWaterMark: 64 * 1024 });
    this.mux = mux;
    this.num = num;
    this.spec = spec;
    if (!spec.read) this.push(null);
  }

  /** Stops the channel both ways (the WebSocket protocols have no per-channel reset). */
  reset(): void {
    this.destroy();
  }

  override _read(): void {
    this.mux.resumeFor(this.num);
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    if (!this.spec.write) return cb();
    this.mux.send(this.num, chunk, cb);
  }

  override _final(cb: (err?: Error | null) => void): void {
    // Nothing to send: the server side of these protocols ends a channel by closing the connection.
    cb();
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    this.mux.resumeFor(this.num);
    cb(err);
  }

  /** @internal Client data; false = stop reading. */
  deliver(data: Buffer): boolean {
    if (!this.spec.read || this.readableEnded || this.destroyed) return true;
    return this.push(data);
  }

  /** @internal The client half-closed the channel (v5). */
  endInput(): void {
    if (this.spec.read && !this.readableEnded && !this.destroyed) this.push(null);
  }
}

export class ChannelMux {
  readonly channels: WsChannel[];
  private readonly ws: WebSocket;
  private readonly codec: Codec;
  private readonly blocked = new Set<number>();
  /** Resolves when the WebSocket has closed, whoever closed it. */
  readonly done: Promise<void>;

  constructor(ws: WebSocket, o: { codec: Codec; closeSignal: boolean; specs: ChannelSpec[]; log: Logger }) {
    this.ws = ws;
    this.codec = o.codec;
    this.channels = o.specs.map((spec, i) => new WsChannel(this, i, spec));
    for (const c of this.channels)
      c.on('error', (err) => o.log.debug({ err, channel: c.num }, 'WebSocket channel error'));
    this.done = new Promise((resolve) => ws.once('close', () => resolve()));
    ws.on('message', (data: Buffer) => {
      const m = decodeChannelMessage(o.codec, o.closeSignal, data);
      if (m.kind === 'invalid') return o.log.debug({ reason: m.reason }, 'WebSocket: message dropped');
      if (m.kind === 'empty') return;
      const channel = this.channels[m.channel];
      if (!channel) return;
      if (m.kind === 'close') return channel.endInput();
      if (!channel.deliver(m.data)) {
        this.blocked.add(channel.num);
        ws.pause();
      }
    });
    ws.once('close', () => {
      this.blocked.clear();
      for (const c of this.channels) c.destroy();
    });
  }

  /** @internal */ send(num: number, data: Buffer, cb: (err?: Error | null) => void): void {
    if (this.ws.readyState !== this.ws.OPEN) return cb(new Error('the WebSocket is closed'));
    const message = encodeChannelMessage(this.codec, num, data);
    this.ws.send(message, { binary: typeof message !== 'string' }, (err) => cb(err ?? null));
  }

  /** @internal A channel's reader wants more (or is gone): resume if none is still full. */
  resumeFor(num: number): void {
    this.blocked.delete(num);
    if (this.blocked.size === 0 && this.ws.isPaused) this.ws.resume();
  }

  /** Closes the WebSocket normally (code 1000) once our queued messages are out. */
  close(): void {
    if (this.ws.readyState === this.ws.OPEN) this.ws.close(1000);
    // A peer that never answers the close must not keep the socket.
    setTimeout(() => this.ws.terminate(), 5_000).unref();
  }
}
