// The agnhost stand-in of process mode answers as Kubernetes' e2e image does.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { imageBacking } from '../../../emulator/process/image-table.ts';

const AGNHOST = fileURLToPath(new URL('../../../emulator/process/agnhost.ts', import.meta.url));

test('agnhost images are backed by the stand-in', () => {
  assert.equal(imageBacking('registry.k8s.io/e2e-test-images/agnhost:2.59'), 'agnhost');
  assert.equal(imageBacking('registry.k8s.io/pause:3.10.2'), 'pause');
});

test('entrypoint-tester prints the argv it was called with, as Go prints a []string', () => {
  const r = spawnSync(
    process.execPath,
    [AGNHOST, '/agnhost-2', 'entrypoint-tester', 'override', 'arguments'],
    {
      encoding: 'utf8',
    },
  );
  assert.equal(r.status, 0);
  assert.equal(r.stdout, '[/agnhost-2 entrypoint-tester override arguments]\n');
});

test('an unknown subcommand exits 1 with a message naming it', () => {
  const r = spawnSync(process.execPath, [AGNHOST, '/agnhost', 'no-such-thing'], { encoding: 'utf8' });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /"no-such-thing" is not emulated/);
});

test('netexec answers /echo and /hostname on --http-port, and pause-like subcommands exit 0 on SIGTERM', async () => {
  const port = 20_000 + Math.floor(Math.random() * 20_000);
  const child = spawn(process.execPath, [AGNHOST, '/agnhost', 'netexec', `--http-port=${port}`], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let log = '';
  child.stdout.setEncoding('utf8');
  try {
    await once(child.stdout, 'data');
    child.stdout.on('data', (chunk: string) => (log += chunk));
    const echo = await fetch(`http://127.0.0.1:${port}/echo?msg=poststart`);
    assert.equal(await echo.text(), 'poststart');
    const relayed = await fetch(
      `http://127.0.0.1:${port}/dial?host=127.0.0.1&port=${port}&request=${encodeURIComponent('echo?msg=hi')}`,
    );
    assert.deepEqual(await relayed.json(), { responses: ['hi'] });
    const missing = await fetch(`http://127.0.0.1:${port}/nope`);
    assert.equal(missing.status, 404);
  } finally {
    child.kill('SIGTERM');
  }
  const [code] = (await once(child, 'exit')) as [number | null];
  assert.equal(code, 0);
  // Requests are logged with their query, as agnhost does (the hook specs grep for it).
  assert.match(log, /^GET \/echo\?msg=poststart$/m);
});
