// A TCP pass-through to one address that can be cut, as a network partition cuts it:
// while cut, bytes stop flowing both ways and new connections are accepted but never
// forwarded (packets dropped, not refused), so the client's own timeouts must notice.
// On heal the stalled connections are reset; new ones flow again.
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';

export class TcpGate {
  private server: Server | undefined;
  private readonly pairs = new Set<[Socket, Socket | undefined]>();
  private cutOff = false;
  private readonly targetPort: number;

  constructor(targetPort: number) {
    this.targetPort = targetPort;
  }

  async listen(): Promise<number> {
    this.server = createServer((client) => {
      const pair: [Socket, Socket | undefined] = [client, undefined];
      this.pairs.add(pair);
      client.on('close', () => this.pairs.delete(pair));
      client.on('error', () => pair[1]?.destroy());
      if (this.cutOff) {
        client.pause();
        return;
      }
      const upstream = connect(this.targetPort, '127.0.0.1');
      pair[1] = upstream;
      upstream.on('error', () => client.destroy());
      upstream.on('close', () => client.destroy());
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return (this.server.address() as AddressInfo).port;
  }

  cut(): void {
    this.cutOff = true;
    for (const [client, upstream] of this.pairs) {
      client.unpipe();
      upstream?.unpipe();
      client.pause();
      upstream?.pause();
    }
  }

  heal(): void {
    this.cutOff = false;
    for (const [client, upstream] of this.pairs) {
      client.destroy();
      upstream?.destroy();
    }
    this.pairs.clear();
  }

  async close(): Promise<void> {
    this.heal();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
