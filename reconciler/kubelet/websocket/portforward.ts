// Port-forward over WebSocket channels, as the kubelet serves it (k8s.io/cri-streaming
// portforward/websocket.go): for the i-th port of `?ports=`, channel 2i carries data both ways
// and channel 2i+1 carries errors to the client; each starts with the port as two
// little-endian bytes. One connection to the pod per port; the WebSocket closes when all ended.
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import type { WebSocket } from 'ws';
import type { PodTarget, StreamingBackend } from '../streaming/backend.ts';
import { portPrefix, type WsNegotiation } from './channel-frames.ts';
import { ChannelMux, type WsChannel } from './channels.ts';

type Channels = Extract<WsNegotiation, { mode: 'channels' }>;

export async function serveWebSocketPortForward(
  ws: WebSocket,
  negotiated: Channels,
  target: PodTarget,
  ports: number[],
  backend: StreamingBackend,
  log: Logger,
): Promise<void> {
  const mux = new ChannelMux(ws, {
    codec: negotiated.codec,
    closeSignal: negotiated.closeSignal,
    log,
    specs: ports.flatMap(() => [
      { read: true, write: true },
      { read: false, write: true },
    ]),
  });
  await Promise.all(
    ports.map((port, i) => {
      const data = mux.channels[2 * i]!;
      const error = mux.channels[2 * i + 1]!;
      data.write(portPrefix(port));
      error.write(portPrefix(port));
      return forward(data, error, port, target, backend, log);
    }),
  );
  mux.close();
}

/** Copies between the data channel and the pod's port until either side ends. */
async function forward(
  data: WsChannel,
  error: WsChannel,
  port: number,
  target: PodTarget,
  backend: StreamingBackend,
  log: Logger,
): Promise<void> {
  const pod = `${target.namespace}/${target.pod}`;
  const fail = (reason: string) =>
    new Promise<void>((resolve) => {
      if (error.destroyed) return resolve();
      error.write(`error forwarding port ${port} to pod ${pod}: ${reason}`, () => resolve());
    });
  let upstream: Duplex;
  try {
    upstream = await backend.portForward(target, port);
  } catch (err) {
    return fail(err instanceof Error ? err.message : String(err));
  }
  if (data.destroyed) {
    upstream.destroy();
    return;
  }
  await new Promise<void>((resolve) => {
    let failed: Promise<void> | undefined;
    const done = () => {
      upstream.destroy();
      void (failed ?? Promise.resolve()).then(resolve);
    };
    upstream.on('error', (err) => {
      log.debug({ err, port, pod }, 'port-forward: upstream error');
      failed = fail(err.message);
    });
    upstream.once('close', done);
    data.once('close', done);
    // The client's half of the data channel ending (v5 close) ends our writes to the pod.
    data.pipe(upstream);
    upstream.pipe(data);
  });
}
