// The SPDY/3.1 upgrade of /exec, /attach and /portforward (k8s.io/apimachinery
// pkg/util/httpstream/spdy upgrade.go): pick a protocol, answer 101, then speak SPDY on the
// socket and run the exec/attach session or the port-forward pairs.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { SpdyConnection, type SpdyStream } from '../spdy/connection.ts';
import type { StreamingBackend } from './backend.ts';
import { collectStreams, exitMessage, expectedRoles, runCommand } from './exec.ts';
import { servePortForward } from './portforward.ts';
import {
  negotiateProtocol,
  PORT_FORWARD_PROTOCOLS,
  REMOTE_COMMAND_PROTOCOLS,
  type RemoteCommandProtocol,
  type StreamingRoute,
} from './route.ts';

export type ServedRoute = Extract<StreamingRoute, { kind: 'exec' | 'attach' | 'portforward' }>;

/** How long a refused upgrade's socket may stay half-open after our answer. */
const REFUSED_LINGER_MS = 5_000;

/**
 * An HTTP answer on a socket that asked to upgrade (no ServerResponse exists for it); then the
 * socket goes, as a peer that never closes its side (the API server may not) would hold it.
 */
export function httpAnswer(
  socket: Duplex,
  status: string,
  body: string,
  headers: Record<string, string> = {},
): void {
  const extra = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`);
  socket.end(
    `HTTP/1.1 ${status}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
      `${extra.join('')}Connection: close\r\n\r\n${body}`,
  );
  setTimeout(() => socket.destroy(), REFUSED_LINGER_MS).unref();
}

export function serveSpdyUpgrade(
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  route: ServedRoute,
  backend: StreamingBackend,
  log: Logger,
): string | undefined {
  const supported = route.kind === 'portforward' ? PORT_FORWARD_PROTOCOLS : REMOTE_COMMAND_PROTOCOLS;
  const offered = req.headersDistinct['x-stream-protocol-version'];
  // No offer at all is the oldest client: the unversioned protocol (httpstream.Handshake).
  const protocol = offered?.length ? negotiateProtocol(offered, supported) : supported[supported.length - 1];
  if (!protocol) {
    httpAnswer(
      socket,
      '403 Forbidden',
      `none of the offered protocols is supported: ${offered?.join(', ')}`,
      {
        'X-Accepted-Stream-Protocol-Versions': supported.join(', '),
      },
    );
    return undefined;
  }
  socket.write(
    'HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\n' +
      `X-Stream-Protocol-Version: ${protocol}\r\n\r\n`,
  );
  serveSpdyConnection(socket, head, protocol, route, backend, log);
  return protocol;
}

/**
 * Speaks SPDY on `socket` after the upgrade (the HTTP one above, or the WebSocket tunnel of
 * kubelet/websocket/tunnel.ts) and serves the route's session or port-forward pairs.
 */
export function serveSpdyConnection(
  socket: Duplex,
  head: Buffer,
  protocol: string,
  route: ServedRoute,
  backend: StreamingBackend,
  log: Logger,
): void {
  let listener: (s: SpdyStream) => void = (s) => s.reset();
  const conn = new SpdyConnection(socket, { log, onStream: (s) => listener(s) });
  const setListener = (l: (s: SpdyStream) => void) => (listener = l);
  if (route.kind === 'portforward') servePortForward(conn, route.target, backend, log, setListener);
  else {
    void serveRemoteCommand(conn, protocol as RemoteCommandProtocol, route, backend, log, setListener).catch(
      (err: unknown) => {
        log.error({ err }, 'exec: session failed unexpectedly');
        conn.close();
      },
    );
  }
  conn.feed(head);
}

async function serveRemoteCommand(
  conn: SpdyConnection,
  protocol: RemoteCommandProtocol,
  route: Extract<ServedRoute, { kind: 'exec' | 'attach' }>,
  backend: StreamingBackend,
  log: Logger,
  setListener: (l: (s: SpdyStream) => void) => void,
): Promise<void> {
  const streams = await collectStreams(conn, expectedRoles(protocol, route.options), setListener);
  if (typeof streams === 'string') {
    log.debug({ reason: streams }, 'exec: no session');
    conn.close();
    return;
  }
  // Streams after the expected set have no role.
  setListener((s) => s.reset());
  const command = route.kind === 'exec' ? route.options.command : [];
  const exit = await runCommand(route, backend, streams, conn.done, log);
  const errorStream = streams.get('error')!;
  const message = exitMessage(protocol, exit, command);
  await new Promise<void>((resolve) => {
    errorStream.once('close', resolve);
    errorStream.end(message, () => resolve());
  });
  conn.close();
}
