// The upgrade requests of the kubelet port (HTTP/1.1 only): exec, attach and port-forward over
// SPDY/3.1 or WebSocket (kubelet/streaming/), refused with the kubelet's status line when the
// path, method or upgrade is not served; each upgrade served is counted.
import type { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import type { StreamingBackend } from '../streaming/backend.ts';
import { routeStreaming } from '../streaming/route.ts';
import { httpAnswer } from '../streaming/spdy-upgrade.ts';
import { serveStreamingUpgrade, upgradeTransport, UpgradeCounter } from '../streaming/upgrades.ts';

interface UpgradeOptions {
  /** Runs exec/attach/port-forward; without it every upgrade is a 404. */
  streaming?: StreamingBackend;
  /** A session with no traffic either way is closed after this (the kubelet's streamingConnectionIdleTimeout). */
  streamIdleTimeoutMs: number;
  log: Logger;
}

export function createUpgradeHandler(o: UpgradeOptions): {
  /** Serves or refuses one admitted upgrade request; the socket is its own from here. */
  handle(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Upgrades served so far, per transport and protocol. */
  served(): Record<string, number>;
} {
  const counter = new UpgradeCounter();
  const handle = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const route = o.streaming ? routeStreaming(req.url ?? '') : ({ kind: 'not-streaming' } as const);
    const refuse = (status: string, body: string) => httpAnswer(socket, status, body);
    if (route.kind === 'not-streaming')
      return refuse('404 Not Found', 'not supported by the ECI virtual node');
    if (route.kind === 'bad-request') return refuse('400 Bad Request', route.message);
    if (req.method !== 'GET' && req.method !== 'POST')
      return refuse('405 Method Not Allowed', 'use GET or POST');
    const transport = upgradeTransport(req);
    if (!transport)
      return refuse('400 Bad Request', 'only the SPDY/3.1 and WebSocket upgrades are served here');
    if (socket instanceof Socket) {
      socket.setTimeout(o.streamIdleTimeoutMs, () => socket.destroy());
      socket.setKeepAlive(true, 30_000);
    }
    serveStreamingUpgrade(transport, req, socket, head, route, o.streaming!, o.log, counter);
  };
  return { handle, served: () => counter.snapshot() };
}
