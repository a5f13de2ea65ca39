// The CLI: flags validated, exactly one ready line, clean SIGTERM, the state file
// keeping groups and zones across a restart (readable by its owner only), and no
// non-loopback listener with the well-known default credentials.
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { $Eci, container, createRequest, describeOne, eciClient } from './sdk.ts';

const MAIN = join(import.meta.dirname, '../../../emulator/main.ts');
const dir = mkdtempSync(join(tmpdir(), 'eci-emulator-cli-'));
const children = new Set<ChildProcess>();
after(() => {
  for (const c of children) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

function run(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [MAIN, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  children.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += String(d)));
  child.stderr.on('data', (d: Buffer) => (stderr += String(d)));
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      children.delete(child);
      resolve(code);
    }),
  );
  const ready = new Promise<string>((resolve, reject) => {
    child.stdout.on('data', () => {
      if (stdout.includes('\n')) resolve(stdout);
    });
    void exited.then((code) => reject(new Error(`exited ${code}: ${stderr}`)));
  });
  return { child, ready, exited, output: () => ({ stdout, stderr }) };
}

describe('emulator CLI', () => {
  test('prints exactly one ready line, serves the SDK, exits 0 on SIGTERM', async () => {
    const p = run(['--listen', '127.0.0.1:0', '--access-key-id', 'cli-ak', '--access-key-secret', 'cli-sk']);
    const line = await p.ready;
    assert.match(line, /^eci-emulator listening on http:\/\/127\.0\.0\.1:\d+\n$/);
    const endpoint = line.trim().replace('eci-emulator listening on http://', '');
    const client = eciClient(endpoint, { accessKeyId: 'cli-ak', accessKeySecret: 'cli-sk' });
    const r = await client.describeRegions(new $Eci.DescribeRegionsRequest({}));
    assert.equal(r.body?.regions?.[0]?.regionId, 'cn-hangzhou');
    p.child.kill('SIGTERM');
    assert.equal(await p.exited, 0);
    assert.equal(p.output().stdout, line, 'nothing else on stdout');
  });

  test('credentials come from the environment when no flag is given', async () => {
    const p = run(['--listen', '127.0.0.1:0'], {
      ALIBABA_CLOUD_ACCESS_KEY_ID: 'env-ak',
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'env-sk',
    });
    const endpoint = (await p.ready).trim().replace('eci-emulator listening on http://', '');
    const r = await eciClient(endpoint, { accessKeyId: 'env-ak', accessKeySecret: 'env-sk' }).describeRegions(
      new $Eci.DescribeRegionsRequest({}),
    );
    assert.equal(r.statusCode, 200);
    p.child.kill('SIGINT');
    assert.equal(await p.exited, 0);
  });

  test('a bad flag fails with a message naming it', async () => {
    const p = run(['--listen', 'nonsense']);
    await assert.rejects(p.ready, /--listen must be HOST:PORT/);
    assert.equal(await p.exited, 1);
  });

  test('a non-loopback --listen with the well-known default credentials is refused, naming the flag', async () => {
    const p = run(['--listen', '0.0.0.0:0']);
    await assert.rejects(p.ready, /--listen 0\.0\.0\.0 is not a loopback address.*--access-key-secret/);
    assert.equal(await p.exited, 1);
    const own = run(['--listen', '0.0.0.0:0', '--access-key-id', 'cli-ak', '--access-key-secret', 'cli-sk']);
    const line = await own.ready;
    assert.match(line, /^eci-emulator listening on http:\/\/0\.0\.0\.0:\d+\n$/);
    const port = line.trim().split(':').pop() ?? '';
    const client = eciClient(`127.0.0.1:${port}`, { accessKeyId: 'cli-ak', accessKeySecret: 'cli-sk' });
    assert.equal((await client.describeRegions(new $Eci.DescribeRegionsRequest({}))).statusCode, 200);
    own.child.kill('SIGTERM');
    assert.equal(await own.exited, 0);
  });

  test('--state-file keeps container groups across a restart', async () => {
    const stateFile = join(dir, 'state.json');
    const first = run(['--listen', '127.0.0.1:0', '--state-file', stateFile]);
    const endpoint = (await first.ready).trim().replace('eci-emulator listening on http://', '');
    const { body } = await eciClient(endpoint).createContainerGroup(createRequest('kept', [container('c')]));
    const id = body?.containerGroupId ?? '';
    first.child.kill('SIGTERM');
    assert.equal(await first.exited, 0);
    const saved = JSON.parse(readFileSync(stateFile, 'utf8')) as {
      version: number;
      state: { groups: Record<string, unknown> };
    };
    assert.equal(saved.version, 1);
    assert.ok(saved.state.groups[id]);
    assert.equal((statSync(stateFile).mode & 0o777).toString(8), '600', 'the owner alone reads the requests');

    const second = run(['--listen', '127.0.0.1:0', '--state-file', stateFile]);
    const endpoint2 = (await second.ready).trim().replace('eci-emulator listening on http://', '');
    const g = await describeOne(eciClient(endpoint2), id);
    assert.equal(g?.containerGroupName, 'kept');
    second.child.kill('SIGTERM');
    assert.equal(await second.exited, 0);
  });
});
