// A minimal SPDY/3.1 client for tests, on the node's own codec (which is checked separately
// against moby/spdystream's bytes): upgrades a TLS connection, opens streams, records what
// the server sends per stream.
import { connect, type TLSSocket } from 'node:tls';
import { encode, FrameParser, type RawFrame } from '../../../../reconciler/kubelet/spdy/frames.ts';
import { HeaderDeflater, HeaderInflater } from '../../../../reconciler/kubelet/spdy/header-block.ts';

export interface StreamRecord {
  replied: boolean;
  data: Buffer[];
  fin: boolean;
  reset?: number;
}

export class TestSpdyClient {
  readonly streams = new Map<number, StreamRecord>();
  readonly pings: number[] = [];
  goaway?: number;
  closed = false;
  private nextId = 1;
  private readonly deflater = new HeaderDeflater();
  private readonly inflater = new HeaderInflater();
  private readonly parser = new FrameParser(1 << 24);
  private work = Promise.resolve();
  private waiters: (() => void)[] = [];
  private readonly socket: TLSSocket;

  private constructor(socket: TLSSocket, rest: Buffer) {
    this.socket = socket;
    socket.on('data', (c: Buffer) => this.bytes(c));
    // Frames already received are processed before the close is seen.
    socket.on('close', () => {
      void this.work.then(() => {
        this.closed = true;
        this.inflater.close();
        this.notify();
      });
    });
    this.bytes(rest);
  }

  /** Sends the upgrade request; resolves with the HTTP answer, and a client if it was 101. */
  static upgrade(
    port: number,
    path: string,
    protocols: string[],
    extraHeaders = '',
  ): Promise<{ status: number; head: string; body: string; client?: TestSpdyClient }> {
    return new Promise((resolve, reject) => {
      const socket = connect({ port, host: '127.0.0.1', rejectUnauthorized: false }, () => {
        const offer = protocols.map((p) => `X-Stream-Protocol-Version: ${p}\r\n`).join('');
        socket.write(
          `POST ${path} HTTP/1.1\r\nHost: node\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\n${offer}${extraHeaders}\r\n`,
        );
      });
      let buf = Buffer.alloc(0);
      const onData = (c: Buffer) => {
        buf = Buffer.concat([buf, c]);
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = buf.subarray(0, end).toString('latin1');
        const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0);
        if (status !== 101) return; // wait for close to get the body
        socket.off('data', onData);
        resolve({ status, head, body: '', client: new TestSpdyClient(socket, buf.subarray(end + 4)) });
      };
      socket.on('data', onData);
      socket.on('error', reject);
      socket.on('close', () => {
        const text = buf.toString('latin1');
        const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);
        const [head = '', body = ''] = text.split('\r\n\r\n');
        resolve({ status, head, body });
      });
    });
  }

  open(headers: [string, string][], fin = false): number {
    const id = this.nextId;
    this.nextId += 2;
    this.streams.set(id, { replied: false, data: [], fin: false });
    this.socket.write(encode.synStream(id, 0, 0, fin, this.deflater.compress(headers)));
    return id;
  }

  write(id: number, data: Buffer | string, fin = false): void {
    this.socket.write(encode.data(id, Buffer.from(data), fin));
  }

  raw(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  text(id: number): string {
    return Buffer.concat(this.streams.get(id)?.data ?? []).toString('utf8');
  }

  /** Resolves when `predicate` holds (checked after every frame and every 20 ms), or rejects after 10 s. */
  until(what: string, predicate: () => boolean): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (predicate()) {
          clearInterval(timer);
          resolve();
          return true;
        }
        if (this.closed) {
          clearInterval(timer);
          reject(new Error(`connection closed before: ${what}`));
          return true;
        }
        return false;
      };
      const started = Date.now();
      const timer = setInterval(() => {
        if (check()) return;
        if (Date.now() - started > 10_000) {
          clearInterval(timer);
          reject(new Error(`timed out waiting for: ${what}`));
        }
      }, 20);
      if (check()) return;
      const waiter = () => {
        if (!check()) this.waiters.push(waiter);
      };
      this.waiters.push(waiter);
    });
  }

  close(): void {
    this.socket.destroy();
  }

  private notify(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  private bytes(chunk: Buffer): void {
    const r = this.parser.push(chunk);
    if (r.kind === 'protocol-error') throw new Error(r.message);
    for (const f of r.frames) this.work = this.work.then(() => this.frame(f)).then(() => this.notify());
  }

  private async frame(f: RawFrame): Promise<void> {
    const s = 'streamId' in f ? this.streams.get(f.streamId) : undefined;
    if ('block' in f) {
      const h = await this.inflater.decode(f.block);
      if (typeof h === 'string') throw new Error(h);
    }
    if (f.type === 'syn_reply' && s) {
      s.replied = true;
      if (f.fin) s.fin = true;
    }
    if (f.type === 'data' && s) {
      s.data.push(f.data);
      if (f.fin) s.fin = true;
    }
    if (f.type === 'rst_stream' && s) s.reset = f.status;
    if (f.type === 'ping') this.pings.push(f.id);
    if (f.type === 'goaway') this.goaway = f.status;
  }
}
