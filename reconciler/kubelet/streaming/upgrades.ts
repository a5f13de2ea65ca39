// Which upgrade a streaming request asks for (SPDY/3.1 or WebSocket), served by its layer, and
// a count of the upgrades served per transport and protocol (tests and operators see which
// path the API server took: WebSocket straight through, or its SPDY translation).
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { serveWebSocketUpgrade } from '../websocket/upgrade.ts';
import type { StreamingBackend } from './backend.ts';
import { httpAnswer, serveSpdyUpgrade, type ServedRoute } from './spdy-upgrade.ts';

export type UpgradeTransport = 'SPDY/3.1' | 'websocket';

/** Pure: the upgrade a request asks for (`Connection: Upgrade` and its `Upgrade`), if one served here. */
export function upgradeTransport(req: Pick<IncomingMessage, 'headers'>): UpgradeTransport | undefined {
  const connection = (req.headers.connection ?? '')
    .toLowerCase()
    .split(',')
    .map((s) => s.trim());
  if (!connection.includes('upgrade')) return undefined;
  const upgrade = (req.headers.upgrade ?? '').toLowerCase();
  return upgrade === 'spdy/3.1' ? 'SPDY/3.1' : upgrade === 'websocket' ? 'websocket' : undefined;
}

export class UpgradeCounter {
  private readonly counts = new Map<string, number>();
  /** Upgrades served so far, keyed `<transport> <protocol>` (protocol '' when none was offered). */
  snapshot(): Record<string, number> {
    return Object.fromEntries(this.counts);
  }
  /** @internal */ add(key: string): void {
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }
}

export function serveStreamingUpgrade(
  transport: UpgradeTransport,
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  route: ServedRoute,
  backend: StreamingBackend,
  log: Logger,
  counter: UpgradeCounter,
): void {
  if (route.kind === 'attach' && !backend.attach) {
    return httpAnswer(socket, '400 Bad Request', 'attach is not supported for ECI containers; use exec');
  }
  const protocol =
    transport === 'websocket'
      ? serveWebSocketUpgrade(req, socket, head, route, backend, log)
      : serveSpdyUpgrade(req, socket, head, route, backend, log);
  if (protocol !== undefined) counter.add(`${transport} ${protocol}`);
}
