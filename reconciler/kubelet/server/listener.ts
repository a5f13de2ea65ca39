// The kubelet port's listener: one TLS server offering HTTP/2 and HTTP/1.1 by ALPN, as the
// kubelet's Go server does. A connection that negotiated `h2` goes to an HTTP/2 server (the
// compatibility API's request and response); any other (`http/1.1`, or no ALPN at all) stays
// with node's HTTPS server, which also serves the SPDY/3.1 and WebSocket upgrades of exec,
// attach and port-forward (they exist only on HTTP/1.1; the API server asks for them there).
//
// Why HTTP/2 matters (docs/kubelet-api.md, "HTTP/2"): the API server relays a log it reads
// from the node onto a client's WebSocket with wsstream's copy loop, which discards bytes a
// read returns together with io.EOF. Go's HTTP/1.1 body does exactly that with the last
// bytes (Content-Length or chunked alike); its HTTP/2 body returns them first, and EOF on
// the next read.
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { createServer as createHttp2Server, type Http2Session } from 'node:http2';
import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import type { Logger } from 'pino';
import type { ServingPem } from '../node-tls.ts';
import type { KubeletRequest, KubeletResponse } from './exchange.ts';
import type { KubeletApiLimits } from './limits.ts';

type ListenerLimits = Pick<
  KubeletApiLimits,
  | 'maxConnections'
  | 'maxHeaderBytes'
  | 'handshakeTimeoutMs'
  | 'headersTimeoutMs'
  | 'requestTimeoutMs'
  | 'keepAliveTimeoutMs'
  | 'idleTimeoutMs'
>;

/** Streams one HTTP/2 connection may carry at once (the Go server's default, which a kubelet keeps). */
const MAX_CONCURRENT_STREAMS = 250;
/** An idle HTTP/2 session is asked to go away (GOAWAY); one that has not within this is cut. */
const SESSION_CLOSE_GRACE_MS = 5_000;

export interface KubeletListenerOptions {
  serving: ServingPem;
  /** Client certificates signed by this CA authenticate; asked for, never required. */
  clientCaPem?: string;
  limits: ListenerLimits;
  log: Logger;
  /** Every plain request, HTTP/1.1 or HTTP/2. */
  onRequest(req: KubeletRequest, res: KubeletResponse): void;
  /** An HTTP/1.1 upgrade request; the socket is the handler's (close() still ends it). */
  onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
}

export interface KubeletListener {
  /** Listens; resolves with the port (the one asked for, or the one picked for 0). */
  listen(port: number, host: string): Promise<number>;
  /** Serves a renewed certificate to new connections. */
  setServing(pem: ServingPem): void;
  /** Ends every connection, HTTP/1.1, upgraded or HTTP/2, and stops listening. */
  close(): Promise<void>;
}

export function createKubeletListener(o: KubeletListenerOptions): KubeletListener {
  const { limits, log } = o;
  const clientCa = o.clientCaPem
    ? // Ask for a client certificate, verify it against the client CA, but let the request
      // in without one: the auth gate then tries a bearer token.
      { requestCert: true, rejectUnauthorized: false, ca: o.clientCaPem }
    : {};
  const https: HttpsServer = createHttpsServer({
    cert: o.serving.certPem,
    key: o.serving.keyPem,
    ...clientCa,
    ALPNProtocols: ['h2', 'http/1.1'],
    maxHeaderSize: limits.maxHeaderBytes,
    handshakeTimeout: limits.handshakeTimeoutMs,
    // How often node checks headersTimeout/requestTimeout (default 30 s, too coarse for 10 s).
    connectionsCheckingInterval: Math.min(1_000, limits.headersTimeoutMs),
  });
  https.headersTimeout = limits.headersTimeoutMs;
  https.requestTimeout = limits.requestTimeoutMs;
  https.keepAliveTimeout = limits.keepAliveTimeoutMs;
  https.timeout = limits.idleTimeoutMs;
  https.maxConnections = limits.maxConnections;
  https.maxHeadersCount = 100;

  const http2 = createHttp2Server({
    settings: { maxConcurrentStreams: MAX_CONCURRENT_STREAMS, maxHeaderListSize: limits.maxHeaderBytes },
  });
  const sessions = new Set<Http2Session>();
  http2.on('session', (session: Http2Session) => {
    sessions.add(session);
    session.once('close', () => sessions.delete(session));
    session.on('error', (err) => log.debug({ err }, 'kubelet API: HTTP/2 session error'));
    session.setTimeout(limits.idleTimeoutMs, () => {
      session.close();
      setTimeout(() => session.destroy(), SESSION_CLOSE_GRACE_MS).unref();
    });
  });
  https.on('request', o.onRequest);
  http2.on('request', o.onRequest);

  // node's HTTPS server handles a TLS connection in its 'secureConnection' listener (the
  // listener tls.Server is created with); h2 connections are taken from it before it runs.
  const http1 = https.listeners('secureConnection') as ((socket: TLSSocket) => void)[];
  https.removeAllListeners('secureConnection');
  https.on('secureConnection', (socket: TLSSocket) => {
    if (socket.alpnProtocol === 'h2') http2.emit('connection', socket);
    else for (const listener of http1) listener.call(https, socket);
  });

  const upgraded = new Set<Duplex>();
  https.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', (err) => log.debug({ err }, 'kubelet API: upgraded socket error'));
    // The HTTP server forgets upgraded sockets, served or refused; close() must still end them.
    upgraded.add(socket);
    socket.once('close', () => upgraded.delete(socket));
    o.onUpgrade(req, socket, head);
  });

  return {
    listen: (port, host) =>
      new Promise<number>((resolve, reject) => {
        https.once('error', reject);
        https.listen(port, host, () => {
          https.off('error', reject);
          // After listening, an accept error (EMFILE …) must not become an uncaught exception.
          https.on('error', (err) => log.error({ err }, 'kubelet API: server error'));
          resolve((https.address() as AddressInfo).port);
        });
      }),
    setServing: (pem) =>
      https.setSecureContext({
        cert: pem.certPem,
        key: pem.keyPem,
        ...(o.clientCaPem ? { ca: o.clientCaPem } : {}),
      }),
    close: () =>
      new Promise<void>((resolve) => {
        https.closeAllConnections();
        for (const socket of upgraded) socket.destroy();
        for (const session of sessions) session.destroy();
        https.close(() => resolve());
      }),
  };
}
