// Pure, total parsing of the streaming endpoints' request targets and of the protocol offer,
// as the kubelet reads them (k8s.io/kubelet pkg/server/server.go routes;
// k8s.io/streaming remotecommand NewOptions for the query).
import type { ContainerTarget, ExecOptions, PodTarget } from './backend.ts';

export type StreamingRoute =
  | { kind: 'exec'; target: ContainerTarget; options: ExecOptions }
  | { kind: 'attach'; target: ContainerTarget; options: Omit<ExecOptions, 'command'> }
  | { kind: 'portforward'; target: PodTarget }
  | { kind: 'not-streaming' }
  | { kind: 'bad-request'; message: string };

/** Channel protocols of exec and attach over SPDY, most preferred first. */
export const REMOTE_COMMAND_PROTOCOLS = [
  'v4.channel.k8s.io',
  'v3.channel.k8s.io',
  'v2.channel.k8s.io',
  'channel.k8s.io',
] as const;
export type RemoteCommandProtocol = (typeof REMOTE_COMMAND_PROTOCOLS)[number];
export const PORT_FORWARD_PROTOCOLS = ['portforward.k8s.io'] as const;

/** ECI's ExecContainerCommand takes at most 20 arguments of at most 256 characters. */
export const ECI_MAX_ARGS = 20;
export const ECI_MAX_ARG_CHARS = 256;

const NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

function segmentsOf(path: string): string[] | undefined {
  try {
    return path.slice(1).split('/').map(decodeURIComponent);
  } catch {
    return undefined;
  }
}

/** Pure: the streaming route of a raw request target, `not-streaming` for any other path. */
export function routeStreaming(rawUrl: string): StreamingRoute {
  const q = rawUrl.indexOf('?');
  const path = q < 0 ? rawUrl : rawUrl.slice(0, q);
  // The kubelet's paths: /exec, /attach, /portForward (camel case, as the API server calls it).
  const first = path.split('/')[1];
  const segments = segmentsOf(path);
  const kind = first === 'portForward' ? 'portforward' : first;
  if (kind !== 'exec' && kind !== 'attach' && kind !== 'portforward') return { kind: 'not-streaming' };
  if (!segments) return { kind: 'bad-request', message: 'malformed percent-encoding in the path' };
  const names = segments.slice(1);
  // The kubelet serves /<kind>/<ns>/<pod>[/<uid>]/<container> (port-forward without a container).
  const expected = kind === 'portforward' ? [2, 3] : [3, 4];
  if (!expected.includes(names.length)) {
    const shape = kind === 'portforward' ? '<namespace>/<pod>' : '<namespace>/<pod>/<container>';
    return { kind: 'bad-request', message: `expected /${first}/${shape}` };
  }
  const bad = names.find((n) => n.length > 253 || !NAME.test(n));
  if (bad !== undefined)
    return { kind: 'bad-request', message: `${JSON.stringify(bad.slice(0, 64))} is not a valid name` };
  const [namespace, pod] = names as [string, string];
  if (kind === 'portforward') return { kind, target: { namespace, pod } };
  const target = { namespace, pod, container: names[names.length - 1]! };

  const params = new URLSearchParams(q < 0 ? '' : rawUrl.slice(q + 1));
  const on = (name: string) => params.get(name) === '1' || params.get(name) === 'true';
  const tty = on('tty');
  const io = { stdin: on('input'), stdout: on('output'), stderr: on('error') && !tty, tty };
  if (!io.stdin && !io.stdout && !io.stderr) {
    return { kind: 'bad-request', message: 'you must specify at least 1 of stdin, stdout, stderr' };
  }
  if (kind === 'attach') return { kind, target, options: io };
  const command = params.getAll('command');
  if (command.length === 0)
    return { kind: 'bad-request', message: 'no command given (query parameter command)' };
  if (command.length > ECI_MAX_ARGS) {
    return {
      kind: 'bad-request',
      message: `ECI runs commands of at most ${ECI_MAX_ARGS} arguments; this one has ${command.length}`,
    };
  }
  const long = command.findIndex((a) => a.length > ECI_MAX_ARG_CHARS);
  if (long >= 0) {
    return {
      kind: 'bad-request',
      message: `ECI takes command arguments of at most ${ECI_MAX_ARG_CHARS} characters; argument ${long + 1} has ${command[long]!.length}`,
    };
  }
  return { kind, target, options: { ...io, command } };
}

/**
 * Pure: the protocol to speak, the first offered that is supported, from the values of every
 * X-Stream-Protocol-Version header (each may be a comma-separated list), as
 * k8s.io/apimachinery pkg/util/httpstream.Handshake picks it.
 */
export function negotiateProtocol<T extends string>(
  offered: readonly string[] | undefined,
  supported: readonly T[],
): T | undefined {
  const all = (offered ?? []).flatMap((v) => v.split(',')).map((v) => v.trim());
  return all.find((p): p is T => (supported as readonly string[]).includes(p));
}
