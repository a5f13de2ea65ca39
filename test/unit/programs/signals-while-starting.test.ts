// Both programs run as PID 1 without an init in their image, where a SIGTERM that finds no
// handler is ignored: they must handle it from the start, also while their start-up
// permission check is still waiting for the API server.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

let server: Server;
const sockets: Socket[] = [];
let connected: Promise<void>;
let onConnect = () => {};
let dir: string;
let kubeconfig: string;

before(async () => {
  // An API server that accepts connections and never answers.
  server = createServer((s) => {
    sockets.push(s);
    onConnect();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  dir = mkdtempSync(join(tmpdir(), 'eci-vn-signals-'));
  kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(
    kubeconfig,
    [
      'apiVersion: v1',
      'kind: Config',
      `clusters: [{name: c, cluster: {server: "https://127.0.0.1:${port}", insecure-skip-tls-verify: true}}]`,
      'users: [{name: u, user: {token: t}}]',
      'contexts: [{name: c, context: {cluster: c, user: u}}]',
      'current-context: c',
      '',
    ].join('\n'),
  );
});

after(() => {
  for (const s of sockets) s.destroy();
  server.close();
  rmSync(dir, { recursive: true, force: true });
});

for (const program of ['reconciler/main.ts', 'webhook/main.ts']) {
  test(`${program} exits 0 on SIGTERM while its permission check waits for the API server`, async () => {
    connected = new Promise<void>((resolve) => (onConnect = resolve));
    const child = spawn(process.execPath, [program, '--kubeconfig', kubeconfig], { stdio: 'ignore' });
    const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
    await connected; // the self-check has started: start-up is under way
    child.kill('SIGTERM');
    const [code, signal] = await exited;
    assert.deepEqual({ code, signal }, { code: 0, signal: null });
  });
}
