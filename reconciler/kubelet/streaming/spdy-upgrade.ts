// The SPDY/3.1 upgrade of /exec, /attach and /portforward (k8s.io/apimachinery
// pkg/util/httpstream/spdy upgrade.go): pick a protocol, answer 101, then speak SPDY on the
// socket and run the exec/attach session or the port-forward pairs.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { SpdyConnection, type SpdyStream } from '../spdy/connection.ts';
import type { StreamingBackend } from './backend.ts';
import { collectStreams, exitMessage, expectedRoles, runSession } from './exec.ts';
import { servePortForward } from './portforward.ts';
import {
  negotiateProtocol,
  PORT_FORWARD_PROTOCOLS,
  REMOTE_COMMAND_PROTOCOLS,
  type RemoteCommandProtocol,
  type StreamingRoute,
} from './route.ts';

type Served = Extract<StreamingRoute, { kind: 'exec' | 'attach' | 'portforward' }>;

function httpAnswer(
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
}

/** Pure: whether a request asks for the SPDY/3.1 upgrade. */
export function wantsSpdy(req: IncomingMessage): boolean {
  const connection = (req.headers.connection ?? '')
    .toLowerCase()
    .split(',')
    .map((s) => s.trim());
  return connection.includes('upgrade') && (req.headers.upgrade ?? '').toLowerCase() === 'spdy/3.1';
}

export function serveSpdyUpgrade(
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  route: Served,
  backend: StreamingBackend,
  log: Logger,
): void {
  if (route.kind === 'attach' && !backend.attach) {
    return httpAnswer(socket, '400 Bad Request', 'attach is not supported for ECI containers; use exec');
  }
  const supported = route.kind === 'portforward' ? PORT_FORWARD_PROTOCOLS : REMOTE_COMMAND_PROTOCOLS;
  const offered = req.headersDistinct['x-stream-protocol-version'];
  // No offer at all is the oldest client: the unversioned protocol (httpstream.Handshake).
  const protocol = offered?.length ? negotiateProtocol(offered, supported) : supported[supported.length - 1];
  if (!protocol) {
    return httpAnswer(
      socket,
      '403 Forbidden',
      `none of the offered protocols is supported: ${offered?.join(', ')}`,
      {
        'X-Accepted-Stream-Protocol-Versions': supported.join(', '),
      },
    );
  }
  socket.write(
    'HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\n' +
      `X-Stream-Protocol-Version: ${protocol}\r\n\r\n`,
  );
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
  route: Extract<Served, { kind: 'exec' | 'attach' }>,
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
  let exit;
  try {
    const session =
      route.kind === 'exec'
        ? await backend.exec(route.target, route.options)
        : await backend.attach!(route.target, route.options);
    let ended = false;
    void conn.done.then(() => ended || session.abort());
    exit = await runSession(streams, session, log);
    ended = true;
  } catch (err) {
    exit = { error: err instanceof Error ? err.message : String(err) };
  }
  const errorStream = streams.get('error')!;
  const message = exitMessage(protocol, exit, command);
  await new Promise<void>((resolve) => {
    errorStream.once('close', resolve);
    errorStream.end(message, () => resolve());
  });
  conn.close();
}
