// The agnhost stand-in of process mode answers as Kubernetes' e2e image does.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { imageBacking } from '../../../emulator/process/image-table.ts';
import { writeAgnhostCerts } from '../../../emulator/process/agnhost-certs.ts';
import { httpGet } from '../../../emulator/process/http-get.ts';

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

test('etc-hosts prints /etc/hosts and exits 0, as the real subcommand does (the hostAliases spec waits for the exit)', () => {
  const r = spawnSync(process.execPath, [AGNHOST, '/agnhost', 'etc-hosts'], {
    encoding: 'utf8',
    timeout: 20_000,
  });
  assert.equal(r.status, 0);
  assert.equal(r.stdout, `${readFileSync('/etc/hosts', 'utf8')}\n`);
});

test('netexec with --tls-cert-file serves HTTPS with the image’s localhost pair', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'agnhost-tls-'));
  await writeAgnhostCerts(dir);
  const port = 20_000 + Math.floor(Math.random() * 20_000);
  const child = spawn(
    process.execPath,
    [
      AGNHOST,
      '/agnhost',
      'netexec',
      '--http-port',
      String(port),
      '--udp-port',
      '-1',
      '--tls-cert-file',
      join(dir, 'agnhost/localhost.crt'),
      '--tls-private-key-file',
      join(dir, 'agnhost/localhost.key'),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  child.stdout.setEncoding('utf8');
  try {
    const [started] = (await once(child.stdout, 'data')) as [string];
    assert.match(started, new RegExp(`Started HTTPS server on port ${port}`));
    const r = await httpGet(`https://127.0.0.1:${port}/echo?msg=poststart`, 'probe', 5000);
    assert.deepEqual(r, { ok: true, message: '' });
    const plain = await httpGet(`http://127.0.0.1:${port}/echo?msg=x`, 'probe', 5000);
    assert.equal(plain.ok, false); // only HTTPS on that port
  } finally {
    child.kill('SIGTERM');
    await once(child, 'exit');
    rmSync(dir, { recursive: true, force: true });
  }
});

test('liveness /redirect answers as Go’s http.Redirect, body included (the ProbeWarning spec matches it)', async () => {
  const child = spawn(process.execPath, [AGNHOST, '/agnhost', 'liveness'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  child.stdout.setEncoding('utf8');
  try {
    const [started] = (await once(child.stdout, 'data')) as [string];
    if (!started.includes('8080')) assert.fail(started);
    const r = await fetch(`http://127.0.0.1:8080/redirect?loc=${encodeURIComponent('http://0.0.0.0/')}`, {
      redirect: 'manual',
    });
    assert.equal(r.status, 302);
    assert.equal(r.headers.get('location'), 'http://0.0.0.0/');
    assert.equal(await r.text(), '<a href="http://0.0.0.0/">Found</a>.\n\n');
    const probe = await httpGet(
      `http://127.0.0.1:8080/redirect?loc=${encodeURIComponent('http://0.0.0.0/')}`,
      'probe',
      5000,
    );
    assert.equal(
      probe.warning,
      'Probe terminated redirects, Response body: <a href="http://0.0.0.0/">Found</a>.\n\n',
    );
  } finally {
    child.kill('SIGTERM');
    await once(child, 'exit');
  }
});
