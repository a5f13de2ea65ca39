// The exec session on ECI's WebSocket, against a local WebSocket server playing ECI's side:
// output messages reach stdout in order, stdin goes out as messages and its end as an empty
// one, the close reason gives the exit code, a close without one is an error, abort ends it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { WebSocketServer, type WebSocket } from 'ws';
import { openExecSession } from '../../../../reconciler/kubelet/eci-backend/exec-session.ts';

async function fakeEci(onSession: (ws: WebSocket) => void) {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await once(wss, 'listening');
  wss.on('connection', onSession);
  return {
    uri: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/exec`,
    close: () => new Promise<void>((r) => wss.close(() => r())),
  };
}

const log = pino({ level: 'silent' });
const io = { stdin: true, stdout: true, stderr: true, tty: false };

async function readAll(s: NodeJS.ReadableStream | undefined): Promise<string> {
  let out = '';
  for await (const chunk of s ?? []) out += String(chunk);
  return out;
}

test('output in order on stdout (stderr stays empty), input echoed back, its end as an empty message, exit from the close reason', async () => {
  const received: Buffer[] = [];
  const eci = await fakeEci((ws) => {
    ws.send('hello ');
    ws.on('message', (data: Buffer) => {
      received.push(data);
      if (data.length === 0) ws.close(1000, 'exit 7');
      else ws.send(data);
    });
  });
  const session = await openExecSession(eci.uri, io, log, 5000);
  const out = readAll(session.stdout);
  const err = readAll(session.stderr);
  session.stdin!.write('world');
  session.stdin!.end();
  assert.deepEqual(await session.exit, { code: 7 });
  assert.equal(await out, 'hello world');
  assert.equal(await err, '');
  assert.deepEqual(received.map(String), ['world', '']);
  await eci.close();
});

test('a close without an exit status is an error, never a code; only stderr asked: output goes there', async () => {
  const eci = await fakeEci((ws) => {
    ws.send('oops');
    ws.close(1011, 'container group not found');
  });
  const session = await openExecSession(eci.uri, { ...io, stdout: false, stdin: false }, log, 5000);
  assert.equal(session.stdout, undefined);
  assert.equal(session.stdin, undefined);
  const err = readAll(session.stderr);
  assert.deepEqual(await session.exit, {
    error: 'ECI closed the exec session (WebSocket 1011: container group not found)',
  });
  assert.equal(await err, 'oops');
  await eci.close();
});

test('abort ends the session; a refused or unreachable socket is a clear error', async () => {
  const eci = await fakeEci(() => undefined);
  const session = await openExecSession(eci.uri, io, log, 5000);
  session.abort();
  assert.match(JSON.stringify(await session.exit), /ECI closed the exec session \(WebSocket 1006\)/);
  await eci.close();
  await assert.rejects(openExecSession(eci.uri, io, log, 2000), /cannot reach ECI's exec WebSocket/);
});
