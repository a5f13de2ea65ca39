// A Service-equivalent address in front of the webhook replicas: a TCP proxy that
// spreads connections round-robin over the replicas whose /readyz answers, as the
// endpoints of a Service follow readiness probes. Probe period and failure threshold are
// small so the suite runs in minutes; a killed replica stays an endpoint until the probe
// notices, as it does behind kube-proxy. TLS passes through untouched.
import { createServer, connect, type Server, type Socket } from 'node:net';
import { request } from 'node:https';
import type { AddressInfo } from 'node:net';

export interface Backend {
  port: number;
  ready: boolean;
  failures: number;
}

const PROBE_PERIOD_MS = 1000;
const PROBE_TIMEOUT_MS = 1000;
const FAILURE_THRESHOLD = 3;

function probe(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request(
      { host: '127.0.0.1', port, path: '/readyz', rejectUnauthorized: false, timeout: PROBE_TIMEOUT_MS },
      (res) => {
        res.resume();
        resolve(res.statusCode === 200);
      },
    );
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}

export class ServiceProxy {
  readonly backends: Backend[] = [];
  private server: Server | undefined;
  private timer: NodeJS.Timeout | undefined;
  private next = 0;
  private readonly sockets = new Set<Socket>();

  /** Adds a replica; it takes connections once its first probe passes. */
  add(port: number): void {
    this.backends.push({ port, ready: false, failures: 0 });
  }

  async listen(): Promise<number> {
    this.server = createServer((client) => this.forward(client));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.timer = setInterval(() => void this.probeAll(), PROBE_PERIOD_MS);
    await this.probeAll();
    return (this.server.address() as AddressInfo).port;
  }

  private async probeAll(): Promise<void> {
    await Promise.all(
      this.backends.map(async (b) => {
        if (await probe(b.port)) {
          b.ready = true;
          b.failures = 0;
        } else if (++b.failures >= FAILURE_THRESHOLD) b.ready = false;
      }),
    );
  }

  private forward(client: Socket): void {
    const ready = this.backends.filter((b) => b.ready);
    if (ready.length === 0) {
      client.destroy(); // no endpoints: the connection is refused
      return;
    }
    const backend = ready[this.next++ % ready.length]!;
    const upstream = connect(backend.port, '127.0.0.1');
    for (const s of [client, upstream]) {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    }
    client.pipe(upstream).pipe(client);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
