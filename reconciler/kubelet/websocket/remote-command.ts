// Exec and attach over a WebSocket channel protocol, as the kubelet serves them (k8s.io
// cri-streaming remotecommand/websocket.go; v5 as the API server's translator serves it):
// five channels (stdin, stdout, stderr, error, resize), an empty message on the lowest channel
// we write to once the connection is up, the session bridged as over SPDY, then the outcome on
// the error channel and a normal close.
import type { Logger } from 'pino';
import type { WebSocket } from 'ws';
import type { StreamingBackend } from '../streaming/backend.ts';
import {
  exitMessage,
  runCommand,
  type ClientStream,
  type RemoteCommandRoute,
  type StreamRole,
} from '../streaming/exec.ts';
import { CHANNEL, type WsNegotiation } from './channel-frames.ts';
import { ChannelMux } from './channels.ts';

type Channels = Extract<WsNegotiation, { mode: 'channels' }>;

export async function serveWebSocketCommand(
  ws: WebSocket,
  negotiated: Channels,
  route: RemoteCommandRoute,
  backend: StreamingBackend,
  log: Logger,
): Promise<void> {
  const o = route.options;
  const mux = new ChannelMux(ws, {
    codec: negotiated.codec,
    closeSignal: negotiated.closeSignal,
    log,
    specs: [
      { read: o.stdin, write: false },
      { read: false, write: o.stdout },
      { read: false, write: o.stderr },
      { read: false, write: true },
      { read: true, write: false },
    ],
  });
  // Tells the client the session is up (it may wait for a first message).
  const first = o.stdout ? CHANNEL.stdout : o.stderr ? CHANNEL.stderr : CHANNEL.error;
  mux.send(first, Buffer.alloc(0), () => {});

  const streams = new Map<StreamRole, ClientStream>();
  const c = mux.channels;
  streams.set('error', c[CHANNEL.error]!);
  if (o.stdin) streams.set('stdin', c[CHANNEL.stdin]!);
  if (o.stdout) streams.set('stdout', c[CHANNEL.stdout]!);
  if (o.stderr) streams.set('stderr', c[CHANNEL.stderr]!);
  if (o.tty) streams.set('resize', c[CHANNEL.resize]!);
  else c[CHANNEL.resize]!.resume();

  const exit = await runCommand(route, backend, streams, mux.done, log);
  // The status format of v4 (and v5) or the plain text of the older protocols, as over SPDY.
  const message = exitMessage(
    negotiated.status === 'v4' ? 'v4.channel.k8s.io' : 'channel.k8s.io',
    exit,
    route.kind === 'exec' ? route.options.command : [],
  );
  const error = c[CHANNEL.error]!;
  if (message !== '' && !error.destroyed) {
    await new Promise<void>((resolve) => {
      error.once('close', resolve);
      error.write(message, () => resolve());
    });
  }
  mux.close();
}
