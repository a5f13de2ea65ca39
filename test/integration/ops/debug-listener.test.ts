// The debug listener (shared/debug-listener.ts) in this process: a CPU profile and a heap
// snapshot come back as the JSON Chrome DevTools opens; bounds, one-at-a-time and the bearer
// token hold; a non-loopback address needs a token file. (The reconciler process serving a
// profile on --debug-address is in self-check.test.ts.)
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { debugListenerProblem, profileSeconds, startDebugListener } from '../../../shared/debug-listener.ts';

const log = pino({ level: 'silent' });
const urlOf = (server: Server) => `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

describe('the debug listener', () => {
  let open: Server;
  let guarded: Server;
  const tokenFile = join(mkdtempSync(join(tmpdir(), 'eci-vn-debug-')), 'token');

  before(async () => {
    writeFileSync(tokenFile, 's3cret-token\n');
    open = (await startDebugListener({ debugAddress: '127.0.0.1:0' }, log))!;
    guarded = (await startDebugListener({ debugAddress: '127.0.0.1:0', debugTokenFile: tokenFile }, log))!;
  });

  after(() => {
    open?.close();
    guarded?.close();
  });

  test('off unless an address is given', async () => {
    assert.equal(await startDebugListener({}, log), undefined);
  });

  test('a 1 s CPU profile is a .cpuprofile (nodes, samples, start and end)', async () => {
    const res = await fetch(`${urlOf(open)}/debug/pprof/profile?seconds=1`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-disposition') ?? '', /filename="cpu-.*\.cpuprofile"/);
    const profile = (await res.json()) as {
      nodes: { callFrame: { functionName: string } }[];
      samples: number[];
      startTime: number;
      endTime: number;
    };
    assert.ok(profile.nodes.length > 0);
    assert.ok(Array.isArray(profile.samples));
    // Microseconds: about one second long.
    assert.ok(profile.endTime - profile.startTime >= 900_000, `${profile.endTime - profile.startTime} µs`);
  });

  test('a heap snapshot is a .heapsnapshot (meta, nodes, strings)', async () => {
    const res = await fetch(`${urlOf(open)}/debug/pprof/heap`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-disposition') ?? '', /filename="heap-.*\.heapsnapshot"/);
    const snapshot = (await res.json()) as {
      snapshot: { meta: { node_fields: string[] }; node_count: number };
      nodes: number[];
      strings: string[];
    };
    assert.ok(snapshot.snapshot.meta.node_fields.includes('name'));
    assert.equal(
      snapshot.nodes.length,
      snapshot.snapshot.node_count * snapshot.snapshot.meta.node_fields.length,
    );
    assert.ok(snapshot.strings.length > 0);
  });

  test('one profile at a time: a second request while one runs gets 429', async () => {
    // A long profile, asked first; a second ask well inside it finds the slot taken. (Asking in
    // a loop raced: a heap snapshot takes seconds on a busy machine and could take the slot first.)
    const first = fetch(`${urlOf(open)}/debug/pprof/profile?seconds=6`);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const second = await fetch(`${urlOf(open)}/debug/pprof/heap`);
    assert.equal(second.status, 429);
    assert.equal((await first).status, 200);
  });

  test('bad lengths and paths are refused', async () => {
    for (const seconds of ['0', '61', 'abc', '1.5']) {
      const res = await fetch(`${urlOf(open)}/debug/pprof/profile?seconds=${seconds}`);
      assert.equal(res.status, 400, seconds);
      assert.match(await res.text(), /seconds: must be a whole number from 1 to 60/);
    }
    assert.equal((await fetch(`${urlOf(open)}/debug/pprof/goroutine`)).status, 404);
    assert.equal((await fetch(`${urlOf(open)}/debug/pprof/heap`, { method: 'POST' })).status, 405);
  });

  test('with a token file: no token or a wrong one is 401, the right one gets the profile', async () => {
    assert.equal((await fetch(`${urlOf(guarded)}/debug/pprof/profile?seconds=1`)).status, 401);
    const wrong = await fetch(`${urlOf(guarded)}/debug/pprof/profile?seconds=1`, {
      headers: { authorization: 'Bearer s3cret-tokeX' },
    });
    assert.equal(wrong.status, 401);
    const right = await fetch(`${urlOf(guarded)}/debug/pprof/profile?seconds=1`, {
      headers: { authorization: 'Bearer s3cret-token' },
    });
    assert.equal(right.status, 200);
    assert.ok(((await right.json()) as { nodes: unknown[] }).nodes.length > 0);
  });

  test('beyond loopback only with a token file (pure)', () => {
    const cases: [string, string | undefined, boolean][] = [
      ['127.0.0.1:6060', undefined, true],
      ['localhost:6060', undefined, true],
      ['[::1]:6060', undefined, true],
      ['0.0.0.0:6060', undefined, false],
      [':6060', undefined, false],
      ['10.0.0.5:6060', undefined, false],
      ['0.0.0.0:6060', '/etc/debug/token', true],
    ];
    for (const [debugAddress, debugTokenFile, ok] of cases) {
      const problem = debugListenerProblem({ debugAddress, debugTokenFile });
      assert.equal(problem === undefined, ok, `${debugAddress} ${debugTokenFile ?? ''}: ${problem}`);
    }
    assert.deepEqual(profileSeconds(null), { seconds: 30 });
    assert.deepEqual(profileSeconds('60'), { seconds: 60 });
  });
});
