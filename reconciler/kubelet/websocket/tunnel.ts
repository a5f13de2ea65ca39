// The byte stream inside a `SPDY/3.1+portforward.k8s.io` WebSocket: binary messages carry raw
// SPDY bytes at arbitrary boundaries, both ways (client-go tools/portforward
// TunnelingConnection). As a Duplex, the SPDY connection runs on it as on a socket.
import { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';

/** A Duplex over `ws`: its data are the payloads of binary messages; ending it closes with 1000. */
export function webSocketByteStream(ws: WebSocket): Duplex {
  const stream = new Duplex({
    allowHalfOpen: false,
    readableHighWaterMark: 256 * 1024,
    read() {
      if (ws.isPaused) ws.resume();
    },
    write(chunk: Buffer, _enc, cb) {
      if (ws.readyState !== ws.OPEN) return cb(new Error('the WebSocket is closed'));
      ws.send(chunk, { binary: true }, (err) => cb(err ?? null));
    },
    final(cb) {
      if (ws.readyState === ws.OPEN) ws.close(1000);
      cb();
    },
    destroy(err, cb) {
      if (ws.readyState === ws.OPEN || ws.readyState === ws.CONNECTING) ws.terminate();
      cb(err);
    },
  });
  ws.on('message', (data: Buffer, isBinary: boolean) => {
    if (!isBinary) {
      // The tunnel carries binary messages only (client-go rejects anything else too).
      ws.close(1003, 'binary messages only');
      return;
    }
    if (!stream.push(data)) ws.pause();
  });
  ws.once('close', () => {
    stream.push(null);
    stream.destroy();
  });
  ws.on('error', (err) => stream.destroy(err));
  return stream;
}
