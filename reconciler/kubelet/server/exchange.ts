// One request on the kubelet port, whichever HTTP version brought it: node's HTTP/1.1
// request and response, or those of its HTTP/2 compatibility API (kubelet/server/listener.ts).
// The handlers use only what both have.
import type { IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import type { Http2ServerRequest, Http2Session } from 'node:http2';

export type KubeletRequest = IncomingMessage | Http2ServerRequest;

/** The part of a response the handlers use; node's HTTP/1.1 and HTTP/2 responses both have it. */
export interface KubeletResponse {
  readonly headersSent: boolean;
  readonly writableEnded: boolean;
  /** HTTP/1.1 only: node's HTTP/2 response has no `destroyed` (its typings say it has); see responseGone. */
  readonly destroyed?: boolean;
  /** HTTP/2 only: the stream the response is written to. */
  readonly stream?: { readonly destroyed: boolean; readonly closed: boolean };
  /** On HTTP/2 this sends the headers at once; on HTTP/1.1 they go with the first write. */
  writeHead(statusCode: number, headers: OutgoingHttpHeaders): unknown;
  /** HTTP/1.1: send the headers now (HTTP/2's writeHead already has; its typings lack this). */
  flushHeaders?(): void;
  write(chunk: string | Uint8Array): boolean;
  end(chunk?: string | Uint8Array): unknown;
  destroy(): unknown;
  on(event: 'close' | 'drain', listener: () => void): unknown;
  on(event: 'error', listener: (err: Error) => void): unknown;
  once(event: 'close' | 'drain', listener: () => void): unknown;
  off(event: 'close' | 'drain', listener: () => void): unknown;
}

/** Whether the response can no longer be written: its connection (HTTP/1.1) or stream (HTTP/2) is gone. */
export function responseGone(res: KubeletResponse): boolean {
  return res.destroyed === true || res.stream?.destroyed === true || res.stream?.closed === true;
}

/** HTTP/2 has no `Connection` header (node drops it with a warning): say it only on HTTP/1.x. */
export function isHttp1(req: KubeletRequest): req is IncomingMessage {
  return req.httpVersionMajor < 2;
}

/** Whether the request announced a body: a length, chunks, or (HTTP/2) a stream left open after its headers. */
export function hasBody(req: KubeletRequest): boolean {
  if (req.headers['transfer-encoding'] || Number(req.headers['content-length'] ?? 0) !== 0) return true;
  return !isHttp1(req) && !req.stream.endAfterHeaders;
}

/** Streams holding each HTTP/2 session's idle timeout off (one session carries many streams). */
const holds = new WeakMap<Http2Session, number>();

/**
 * Keeps a long, possibly quiet answer (a followed log) from being cut by the idle timeout of
 * its connection; the returned function gives the timeout back. On HTTP/1.1 the connection
 * carries only this exchange and the server re-arms its keep-alive timeout after it; an
 * HTTP/2 session carries other streams too, so its timeout comes back (`idleMs`) when the
 * last exchange holding it ends.
 */
export function holdIdleTimeout(req: KubeletRequest, idleMs: number): () => void {
  if (isHttp1(req)) {
    req.socket.setTimeout(0);
    return () => {};
  }
  const session = req.stream.session;
  if (!session) return () => {};
  holds.set(session, (holds.get(session) ?? 0) + 1);
  session.setTimeout(0);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    const left = (holds.get(session) ?? 1) - 1;
    holds.set(session, left);
    if (left === 0 && !session.destroyed) session.setTimeout(idleMs);
  };
}
