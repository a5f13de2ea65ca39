// The opt-in debug listener, Node's equivalent of Go's net/http/pprof: a CPU profile over N
// seconds and a heap snapshot, taken through node:inspector in this process and served as the
// files Chrome DevTools opens (.cpuprofile, .heapsnapshot). Off unless --debug-address is given;
// loopback only unless a bearer token file is given (a heap snapshot holds every secret in
// memory). One profile at a time, N <= 60. How to use it: docs/operations.md, "Profiling".
import { timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { Session } from 'node:inspector/promises';
import { isIP } from 'node:net';
import { z } from 'zod';
import type { Logger } from 'pino';

export const MAX_PROFILE_SECONDS = 60;
const DEFAULT_PROFILE_SECONDS = 30;

/** The two flags, one row each in both programs' flag tables. */
export const DEBUG_FLAGS = {
  debugAddress: {
    flag: 'debug-address',
    schema: z
      .string()
      .regex(/^[^:]*:\d+$/, 'must be host:port')
      .optional(),
    help: 'debug listener (CPU profile, heap snapshot) at host:port, e.g. 127.0.0.1:6060; unset = off',
  },
  debugTokenFile: {
    flag: 'debug-token-file',
    schema: z.string().min(1).optional(),
    help: 'file with the bearer token the debug listener requires; needed to listen beyond loopback',
  },
} as const;

export interface DebugListenerConfig {
  debugAddress?: string;
  debugTokenFile?: string;
}

function splitAddress(address: string): { host: string; port: number } {
  const i = address.lastIndexOf(':');
  return { host: address.slice(0, i).replace(/^\[|\]$/g, ''), port: Number(address.slice(i + 1)) };
}

const isLoopbackHost = (host: string) =>
  host === 'localhost' || host === '::1' || (isIP(host) === 4 && host.startsWith('127.'));

/** Pure: why this configuration may not start the listener, or undefined. */
export function debugListenerProblem(config: DebugListenerConfig): string | undefined {
  if (!config.debugAddress) return undefined;
  const { host } = splitAddress(config.debugAddress);
  if (!isLoopbackHost(host) && !config.debugTokenFile)
    return `--debug-address ${config.debugAddress} is not a loopback address: give --debug-token-file too`;
  return undefined;
}

/** Pure: the profile length asked for, or an error text. */
export function profileSeconds(raw: string | null): { seconds: number } | { error: string } {
  if (raw === null) return { seconds: DEFAULT_PROFILE_SECONDS };
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > MAX_PROFILE_SECONDS)
    return { error: `seconds: must be a whole number from 1 to ${MAX_PROFILE_SECONDS}` };
  return { seconds: n };
}

async function authorized(req: IncomingMessage, tokenFile: string | undefined): Promise<boolean> {
  if (!tokenFile) return true;
  // Read per request: a rotated token applies at once.
  const want = Buffer.from((await readFile(tokenFile, 'utf8')).trim());
  const got = Buffer.from(/^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '');
  return want.length > 0 && got.length === want.length && timingSafeEqual(got, want);
}

const stamp = () => new Date().toISOString().replace(/[:.]/g, '-');

async function cpuProfile(res: ServerResponse, seconds: number): Promise<void> {
  const session = new Session();
  session.connect();
  try {
    await session.post('Profiler.enable');
    await session.post('Profiler.start');
    await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
    const { profile } = await session.post('Profiler.stop');
    res.writeHead(200, {
      'content-type': 'application/json',
      'content-disposition': `attachment; filename="cpu-${stamp()}.cpuprofile"`,
    });
    res.end(JSON.stringify(profile));
  } finally {
    session.disconnect();
  }
}

async function heapSnapshot(res: ServerResponse): Promise<void> {
  const session = new Session();
  session.connect();
  res.writeHead(200, {
    'content-type': 'application/json',
    'content-disposition': `attachment; filename="heap-${stamp()}.heapsnapshot"`,
  });
  try {
    session.on('HeapProfiler.addHeapSnapshotChunk', (m) => res.write(m.params.chunk));
    await session.post('HeapProfiler.takeHeapSnapshot', { reportProgress: false });
  } finally {
    session.disconnect();
    res.end();
  }
}

/** Starts the listener when --debug-address is set; throws (one line) on a refused configuration. */
export async function startDebugListener(
  config: DebugListenerConfig,
  log: Logger,
): Promise<Server | undefined> {
  if (!config.debugAddress) return undefined;
  const problem = debugListenerProblem(config);
  if (problem) throw new Error(problem);
  let busy = false;
  const send = (res: ServerResponse, status: number, text: string) => {
    res.writeHead(status, { 'content-type': 'text/plain' });
    res.end(`${text}\n`);
  };
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    if (!(await authorized(req, config.debugTokenFile))) return send(res, 401, 'unauthorized');
    const url = new URL(req.url ?? '/', 'http://debug');
    const route = url.pathname;
    if (req.method !== 'GET') return send(res, 405, 'GET only');
    if (route !== '/debug/pprof/profile' && route !== '/debug/pprof/heap') return send(res, 404, 'not found');
    const asked =
      route === '/debug/pprof/profile' ? profileSeconds(url.searchParams.get('seconds')) : undefined;
    if (asked && 'error' in asked) return send(res, 400, asked.error);
    if (busy) return send(res, 429, 'a profile is already being taken; try again when it is done');
    busy = true;
    log.info({ route, seconds: asked?.seconds }, 'debug listener: taking a profile');
    try {
      if (asked) await cpuProfile(res, asked.seconds);
      else await heapSnapshot(res);
    } finally {
      busy = false;
    }
  };
  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      log.warn({ err }, 'debug listener: request failed');
      if (!res.headersSent) send(res, 500, 'profile failed');
      else res.destroy();
    });
  });
  const { host, port } = splitAddress(config.debugAddress);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  // The debug port never keeps a stopping program alive.
  server.unref();
  log.info({ address: server.address() }, 'debug listener on');
  return server;
}
