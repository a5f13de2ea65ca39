// One exec session on the WebSocket that ExecContainerCommand returns (WebSocketUri), as an
// ExecSession for the kubelet's streaming layers. The wire, as docs/kubelet-api.md sets it
// out: every message from ECI is output of the command (stdout and stderr together: the
// socket has one output stream); every message to ECI is input; an empty message says the
// input has ended; the close reason `exit <code>` carries the exit status. Nothing on the
// wire resizes a terminal.
import { PassThrough, Writable } from 'node:stream';
import WebSocket from 'ws';
import type { Logger } from 'pino';
import type { ExecExit, ExecOptions, ExecSession } from '../streaming/backend.ts';

/** Pure: how the command ended, from the WebSocket's close code and reason. */
export function exitOfClose(code: number, reason: string): ExecExit {
  const m = /^exit (\d{1,3})$/.exec(reason.trim());
  if (m && Number(m[1]) <= 255) return { code: Number(m[1]) };
  if (code === 1000 || code === 1005) {
    // A clean close without a status: the command ended, but ECI did not say how.
    return { error: 'ECI ended the exec session without an exit status' };
  }
  return { error: `ECI closed the exec session (WebSocket ${code}${reason ? `: ${reason}` : ''})` };
}

/** Pure: a message's bytes, whatever form `ws` hands it in. */
function bytesOf(data: WebSocket.RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

/**
 * Opens the session's WebSocket and bridges it: output to stdout (or stderr when only it was
 * asked for). It listens from the start, so output sent along with the handshake is not lost.
 * Rejects with a message fit for the client when the socket cannot be opened.
 */
export async function openExecSession(
  uri: string,
  o: Omit<ExecOptions, 'command'>,
  log: Logger,
  timeoutMs: number,
): Promise<ExecSession> {
  const ws = new WebSocket(uri, { handshakeTimeout: timeoutMs, maxPayload: 16 * 1024 * 1024 });
  const session = bridge(ws, o, log);
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('unexpected-response', (_req, res) => {
      res.resume();
      reject(new Error(`ECI refused the exec WebSocket: HTTP ${res.statusCode ?? '?'}`));
    });
    ws.once('error', (err) => reject(new Error(`cannot reach ECI's exec WebSocket: ${err.message}`)));
  });
  return session;
}

function bridge(ws: WebSocket, o: Omit<ExecOptions, 'command'>, log: Logger): ExecSession {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const output = o.stdout || !o.stderr ? stdout : stderr;
  let exit!: (e: ExecExit) => void;
  const exited = new Promise<ExecExit>((resolve) => (exit = resolve));

  ws.on('message', (data) => {
    // Back-pressure: stop reading ECI while the client is slow.
    if (!output.write(bytesOf(data))) {
      ws.pause();
      output.once('drain', () => ws.resume());
    }
  });
  ws.once('close', (code, reason) => {
    stdout.end();
    stderr.end();
    exit(exitOfClose(code, reason.toString('utf8')));
  });
  ws.on('error', (err) => log.debug({ err }, 'exec: ECI WebSocket error'));

  const stdin = new Writable({
    write(chunk: Buffer, _enc, done) {
      // An empty message would read as the end of input.
      if (chunk.length === 0 || ws.readyState !== WebSocket.OPEN) return done();
      ws.send(chunk, { binary: true }, () => done());
    },
    final(done) {
      if (ws.readyState === WebSocket.OPEN) ws.send(Buffer.alloc(0), { binary: true }, () => done());
      else done();
    },
  });
  stdin.on('error', () => undefined);

  return {
    stdin: o.stdin ? stdin : undefined,
    stdout: o.stdout ? stdout : undefined,
    stderr: o.stderr && !o.tty ? stderr : undefined,
    // ECI's exec WebSocket has no resize message: a terminal keeps the size it started with.
    resize: () => undefined,
    exit: exited,
    abort: () => ws.terminate(),
  };
}
