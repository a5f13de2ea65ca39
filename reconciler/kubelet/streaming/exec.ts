// Exec and attach over SPDY as the kubelet serves them (k8s.io/streaming remotecommand
// server): the client opens one stream per role (`streamtype` header: error, stdin, stdout,
// stderr, resize), the node answers each, runs the session, then ends stdout/stderr, writes
// the outcome to the error stream and closes the connection.
// The WebSocket protocols (kubelet/websocket/) run the same session on numbered channels.
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import type { SpdyConnection, SpdyStream } from '../spdy/connection.ts';
import type { ExecExit, ExecSession, StreamingBackend } from './backend.ts';
import type { RemoteCommandProtocol, StreamingRoute } from './route.ts';

/** A client stream of one role: a SPDY stream or a WebSocket channel. */
export type ClientStream = Duplex & { reset(): void };
export type RemoteCommandRoute = Extract<StreamingRoute, { kind: 'exec' | 'attach' }>;

/** The kubelet gives the client this long to open its streams. */
export const STREAM_CREATION_TIMEOUT_MS = 30_000;
/** A resize message longer than this is not a terminal size; the stream is dropped. */
const MAX_RESIZE_LINE = 1024;

export type StreamRole = 'error' | 'stdin' | 'stdout' | 'stderr' | 'resize';

export interface ExpectedStreams {
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

/** Pure: the roles the client will open, as the kubelet counts them for `protocol`. */
export function expectedRoles(protocol: RemoteCommandProtocol, e: ExpectedStreams): StreamRole[] {
  const roles: StreamRole[] = ['error'];
  if (e.stdin) roles.push('stdin');
  if (e.stdout) roles.push('stdout');
  if (e.stderr && !e.tty) roles.push('stderr');
  // The resize stream came with v3.
  if (e.tty && (protocol === 'v4.channel.k8s.io' || protocol === 'v3.channel.k8s.io')) roles.push('resize');
  return roles;
}

/**
 * Pure: what goes on the error stream at the end. v4 writes a metav1.Status either way
 * (client-go reads the exit code from causes[ExitCode], as a uint8); v1–v3 write plain text,
 * and only on failure.
 */
export function exitMessage(protocol: RemoteCommandProtocol, exit: ExecExit, command: string[]): string {
  if (protocol !== 'v4.channel.k8s.io') {
    if ('error' in exit) return exit.error;
    return exit.code === 0 ? '' : `command '${command.join(' ')}' exited with ${exit.code}`;
  }
  if ('code' in exit && exit.code === 0) return JSON.stringify({ metadata: {}, status: 'Success' });
  if ('code' in exit) {
    return JSON.stringify({
      metadata: {},
      status: 'Failure',
      message: `command terminated with non-zero exit code: command '${command.join(' ')}' exited with ${exit.code}`,
      reason: 'NonZeroExitCode',
      details: { causes: [{ reason: 'ExitCode', message: String(exit.code) }] },
    });
  }
  return JSON.stringify({
    metadata: {},
    status: 'Failure',
    message: `Internal error occurred: ${exit.error}`,
    reason: 'InternalError',
    details: { causes: [{ message: exit.error }] },
    code: 500,
  });
}

/** Pure: where the JSON object starting at `from` ends (exclusive), or -1 if it is not complete yet. */
function objectEnd(text: string, from: number): number {
  let depth = 0;
  let inString = false;
  for (let i = from; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{') depth++;
    else if (c === '}' && --depth === 0) return i + 1;
  }
  return -1;
}

/**
 * Pure: complete resize messages out of `buffer`, and what is left for the next chunk. The
 * kubelet reads the stream with a JSON decoder: objects one after another, newline-separated
 * (client-go) or not (other clients send one object per WebSocket message), keys matched
 * without regard to case (encoding/json), so `{"width":80,"height":24}` counts too.
 */
export function parseResizeLines(buffer: string): {
  sizes: { width: number; height: number }[];
  rest: string;
  bad?: string;
} {
  const sizes: { width: number; height: number }[] = [];
  let at = 0;
  for (;;) {
    while (at < buffer.length && /\s/.test(buffer[at]!)) at++;
    if (at === buffer.length) return { sizes, rest: '' };
    if (buffer[at] !== '{') {
      return { sizes, rest: '', bad: `resize message is not JSON: ${buffer.slice(at, at + 64)}` };
    }
    const end = objectEnd(buffer, at);
    if (end < 0) {
      const rest = buffer.slice(at);
      if (rest.length > MAX_RESIZE_LINE) return { sizes, rest: '', bad: 'resize message too long' };
      return { sizes, rest };
    }
    const text = buffer.slice(at, end);
    at = end;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return { sizes, rest: '', bad: `resize message is not JSON: ${text.slice(0, 64)}` };
    }
    const fields = new Map(Object.entries(parsed as object).map(([k, v]) => [k.toLowerCase(), v as unknown]));
    const [width, height] = [fields.get('width'), fields.get('height')];
    const ok = (n: unknown): n is number =>
      Number.isInteger(n) && (n as number) >= 0 && (n as number) <= 0xffff;
    if (!ok(width) || !ok(height))
      return { sizes, rest: '', bad: 'resize message needs integer Width and Height' };
    sizes.push({ width, height });
  }
}

/**
 * Collects the client's streams by role. Resolves once every expected role has arrived,
 * or with the reason it cannot (timeout, an unknown or repeated role).
 */
export function collectStreams(
  conn: SpdyConnection,
  expected: StreamRole[],
  onStream: (listener: (s: SpdyStream) => void) => void,
): Promise<Map<StreamRole, SpdyStream> | string> {
  return new Promise((resolve) => {
    const got = new Map<StreamRole, SpdyStream>();
    const timer = setTimeout(
      () => resolve(`timed out waiting for the client's streams (${got.size} of ${expected.length})`),
      STREAM_CREATION_TIMEOUT_MS,
    );
    timer.unref();
    void conn.done.then(() => {
      clearTimeout(timer);
      resolve('the client closed the connection before opening its streams');
    });
    onStream((s) => {
      const role = s.header('streamtype') as StreamRole | undefined;
      if (!role || !expected.includes(role) || got.has(role)) {
        s.reset();
        return;
      }
      s.reply();
      got.set(role, s);
      if (got.size === expected.length) {
        clearTimeout(timer);
        resolve(got);
      }
    });
  });
}

/**
 * Starts the command (or attaches), aborts the session if the client goes first, and bridges
 * it to the client's streams until it ends. A command that cannot start ends with its reason.
 */
export async function runCommand(
  route: RemoteCommandRoute,
  backend: StreamingBackend,
  streams: Map<StreamRole, ClientStream>,
  clientGone: Promise<void>,
  log: Logger,
): Promise<ExecExit> {
  try {
    const session =
      route.kind === 'exec'
        ? await backend.exec(route.target, route.options)
        : await backend.attach!(route.target, route.options);
    let ended = false;
    void clientGone.then(() => ended || session.abort());
    const exit = await runSession(streams, session, log);
    ended = true;
    return exit;
  } catch (err) {
    return { error: err instanceof Error ? err.message : String(err) };
  }
}

/** Bridges the client's streams and a running session until the command ends. */
export async function runSession(
  streams: Map<StreamRole, ClientStream>,
  session: ExecSession,
  log: Logger,
): Promise<ExecExit> {
  const stdin = streams.get('stdin');
  if (stdin && session.stdin) stdin.pipe(session.stdin);
  else stdin?.resume();

  const resize = streams.get('resize');
  if (resize) {
    let pending = '';
    resize.setEncoding('utf8');
    resize.on('data', (chunk: string) => {
      const r = parseResizeLines(pending + chunk);
      pending = r.rest;
      for (const { width, height } of r.sizes) session.resize?.(width, height);
      if (r.bad) {
        log.debug({ reason: r.bad }, 'exec: dropping the resize stream');
        resize.reset();
      }
    });
  }

  const outputs: Promise<void>[] = [];
  for (const role of ['stdout', 'stderr'] as const) {
    const client = streams.get(role);
    const source = session[role];
    if (!client) continue;
    if (!source) {
      client.end();
      continue;
    }
    outputs.push(
      new Promise<void>((resolve) => {
        client.once('finish', resolve);
        client.once('close', resolve);
        source.once('error', () => client.end());
        source.pipe(client);
      }),
    );
  }
  const exit = await session.exit;
  // Everything the command wrote reaches the client before the status does.
  await Promise.all(outputs);
  return exit;
}
