// Port-forward over SPDY as the kubelet serves it (`portforward.k8s.io`): the client opens an
// `error` and a `data` stream per forwarded connection, both carrying `port` and `requestid`;
// the node pairs them by requestid, dials the pod's port and copies bytes both ways. A failure
// is text on the error stream; the end of the upstream connection ends the data stream, then
// the error stream (client-go waits for both).
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import type { SpdyConnection, SpdyStream } from '../spdy/connection.ts';
import type { PodTarget, StreamingBackend } from './backend.ts';
import { STREAM_CREATION_TIMEOUT_MS } from './exec.ts';

interface Pair {
  data?: SpdyStream;
  error?: SpdyStream;
  timer: NodeJS.Timeout;
}

/** Pure: a TCP port from the `port` header, or why it is not one. */
export function parsePort(raw: string | undefined): number | string {
  if (raw === undefined) return 'the port header is missing';
  if (!/^[0-9]{1,5}$/.test(raw)) return `invalid port ${JSON.stringify(raw.slice(0, 16))}`;
  const port = Number(raw);
  return port >= 1 && port <= 65535 ? port : `port ${port} is out of range`;
}

export function servePortForward(
  conn: SpdyConnection,
  target: PodTarget,
  backend: StreamingBackend,
  log: Logger,
  setListener: (l: (s: SpdyStream) => void) => void,
): void {
  const pairs = new Map<string, Pair>();
  void conn.done.then(() => {
    for (const p of pairs.values()) clearTimeout(p.timer);
    pairs.clear();
  });
  setListener((s) => {
    const type = s.header('streamtype');
    const requestId = s.header('requestid');
    if ((type !== 'data' && type !== 'error') || requestId === undefined) {
      s.reset();
      return;
    }
    s.reply();
    let pair = pairs.get(requestId);
    if (!pair) {
      const timer = setTimeout(() => {
        const p = pairs.get(requestId);
        pairs.delete(requestId);
        p?.data?.reset();
        p?.error?.reset();
      }, STREAM_CREATION_TIMEOUT_MS);
      timer.unref();
      pair = { timer };
      pairs.set(requestId, pair);
    }
    if (pair[type]) {
      s.reset();
      return;
    }
    pair[type] = s;
    if (pair.data && pair.error) {
      clearTimeout(pair.timer);
      pairs.delete(requestId);
      void forward(pair.data, pair.error, target, backend, log);
    }
  });
}

async function forward(
  data: SpdyStream,
  error: SpdyStream,
  target: PodTarget,
  backend: StreamingBackend,
  log: Logger,
): Promise<void> {
  // The client half-closes its error stream at once and never writes to it.
  error.resume();
  const fail = (message: string) => {
    error.end(message);
    data.reset();
  };
  const port = parsePort(data.header('port'));
  if (typeof port === 'string') return fail(port);
  const pod = `${target.namespace}/${target.pod}`;
  let upstream: Duplex;
  try {
    upstream = await backend.portForward(target, port);
  } catch (err) {
    return fail(
      `error forwarding port ${port} to pod ${pod}: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  if (data.destroyed) {
    upstream.destroy();
    return;
  }
  upstream.on('error', (err) => {
    log.debug({ err, port, pod }, 'port-forward: upstream error');
    if (!error.writableEnded) fail(`error forwarding port ${port} to pod ${pod}: ${err.message}`);
  });
  data.on('close', () => upstream.destroy());
  data.once('finish', () => error.end());
  data.pipe(upstream);
  upstream.pipe(data);
}
