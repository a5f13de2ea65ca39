// The WebSocket upgrade of /exec, /attach and /portForward: pick the subprotocol (or refuse
// with the list we speak), complete the handshake with `ws`, then run the channel protocol,
// the channel port-forward, or SPDY inside the port-forward tunnel.
import type { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { WebSocketServer, type WebSocket } from 'ws';
import type { StreamingBackend } from '../streaming/backend.ts';
import { httpAnswer, serveSpdyConnection, type ServedRoute } from '../streaming/spdy-upgrade.ts';
import { negotiateWebSocket, offeredSubprotocols, parsePortsQuery, TUNNEL_PREFIX } from './channel-frames.ts';
import { serveWebSocketPortForward } from './portforward.ts';
import { serveWebSocketCommand } from './remote-command.ts';
import { webSocketByteStream } from './tunnel.ts';

/**
 * The largest message a client may send: a stdin chunk or one SPDY frame of the tunnel (the
 * SPDY parser takes frames of up to 1 MiB). Larger closes the connection (1009).
 */
export const MAX_MESSAGE_BYTES = 1024 * 1024 + 64;

/** Answers the upgrade; returns the subprotocol spoken ('' for none offered), undefined if refused. */
export function serveWebSocketUpgrade(
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  route: ServedRoute,
  backend: StreamingBackend,
  log: Logger,
): string | undefined {
  const negotiated = negotiateWebSocket(
    route.kind,
    offeredSubprotocols(req.headers['sec-websocket-protocol']),
  );
  // The kubelet's WebSocket handshake refuses an unknown subprotocol with 403.
  if (negotiated.mode === 'refused') {
    httpAnswer(socket, '403 Forbidden', negotiated.message);
    return undefined;
  }
  let ports: number[] = [];
  if (route.kind === 'portforward' && negotiated.mode === 'channels') {
    const parsed = parsePortsQuery(req.url ?? '');
    if (typeof parsed === 'string') {
      httpAnswer(socket, '400 Bad Request', parsed);
      return undefined;
    }
    ports = parsed;
  }
  const server = new WebSocketServer({
    noServer: true,
    clientTracking: false,
    perMessageDeflate: false,
    maxPayload: MAX_MESSAGE_BYTES,
  });
  // `ws` would refuse `SPDY/3.1+portforward.k8s.io` ('/' is not a token character), which
  // kubectl sends: the offer was read above, and the answer is added here.
  delete req.headers['sec-websocket-protocol'];
  if (negotiated.protocol !== '') {
    server.on('headers', (headers: string[]) =>
      headers.push(`Sec-WebSocket-Protocol: ${negotiated.protocol}`),
    );
  }
  // `ws` clears the socket's timeout; the session keeps the idle timeout the server gave it.
  const idleMs = socket instanceof Socket ? (socket.timeout ?? 0) : 0;
  let accepted = false;
  server.handleUpgrade(req, socket, head, (ws: WebSocket) => {
    accepted = true;
    if (idleMs > 0) (socket as Socket).setTimeout(idleMs);
    ws.on('error', (err) => log.debug({ err }, 'WebSocket error'));
    const failed = (err: unknown) => {
      log.error({ err }, 'WebSocket streaming: session failed unexpectedly');
      ws.terminate();
    };
    if (negotiated.mode === 'tunnel') {
      const inner = negotiated.protocol.slice(TUNNEL_PREFIX.length);
      serveSpdyConnection(webSocketByteStream(ws), Buffer.alloc(0), inner, route, backend, log);
    } else if (route.kind === 'portforward') {
      serveWebSocketPortForward(ws, negotiated, route.target, ports, backend, log).catch(failed);
    } else {
      serveWebSocketCommand(ws, negotiated, route, backend, log).catch(failed);
    }
  });
  // `ws` answered a malformed handshake (bad key, version or method) itself.
  return accepted ? negotiated.protocol : undefined;
}

/**
 * The node feature that tells the API server (1.36+) to pass kubectl's WebSockets straight to
 * the node instead of translating them to SPDY: declared once both paths above work.
 */
export const WEBSOCKETS_NODE_FEATURE = 'ExtendWebSocketsToKubelet';
