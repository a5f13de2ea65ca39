// Persistence, ClientToken expiry and the admin loopback check.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  chmodSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../../../shared/logger.ts';
import { CLIENT_TOKEN_TTL_MS, EmulatorCore } from '../../../emulator/core.ts';
import { resolveOptions } from '../../../emulator/options.ts';
import { loadState, writeStateAtomically } from '../../../emulator/persistence.ts';
import { emptyState } from '../../../emulator/model.ts';
import { isLoopback } from '../../../emulator/admin.ts';
import { ApiError } from '../../../emulator/errors.ts';

describe('state file', () => {
  test('round-trips and leaves no temp file behind; a missing file is an empty state', () => {
    const dir = mkdtempSync(join(tmpdir(), 'emu-state-'));
    try {
      const path = join(dir, 'state.json');
      assert.deepEqual(loadState(path), emptyState());
      const s = emptyState();
      s.ipCursor['vsw-emu-h'] = 7;
      s.nextRecordId = 42;
      writeStateAtomically(path, s);
      assert.deepEqual(loadState(path), s);
      assert.deepEqual(readdirSync(dir), ['state.json']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a damaged file is refused with the path of the bad field', () => {
    const dir = mkdtempSync(join(tmpdir(), 'emu-state-'));
    try {
      const path = join(dir, 'state.json');
      writeFileSync(path, JSON.stringify({ version: 1, state: { ...emptyState(), nextRecordId: 'x' } }));
      assert.throws(() => loadState(path), /state\.nextRecordId/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('state file permissions (issue 10 item 11: it holds every request, secrets included)', () => {
  const mode = (path: string) => statSync(path).mode & 0o777;

  test('the file is written 0600 and a directory created for it 0700, whatever the umask', () => {
    const dir = mkdtempSync(join(tmpdir(), 'emu-state-'));
    const old = process.umask(0);
    try {
      const path = join(dir, 'nested', 'state.json');
      writeStateAtomically(path, emptyState());
      assert.equal(mode(path).toString(8), '600');
      assert.equal(mode(join(dir, 'nested')).toString(8), '700');
      writeStateAtomically(path, emptyState());
      assert.equal(mode(path).toString(8), '600', 'every rewrite too');
    } finally {
      process.umask(old);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a file left world-readable is tightened when loaded', () => {
    const dir = mkdtempSync(join(tmpdir(), 'emu-state-'));
    try {
      const path = join(dir, 'state.json');
      writeFileSync(path, JSON.stringify({ version: 1, state: emptyState() }));
      chmodSync(path, 0o644);
      loadState(path);
      assert.equal(mode(path).toString(8), '600');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a planted temp file (symlink) is replaced, never written through', () => {
    const dir = mkdtempSync(join(tmpdir(), 'emu-state-'));
    try {
      const path = join(dir, 'state.json');
      const victim = join(dir, 'victim');
      writeFileSync(victim, 'untouched');
      symlinkSync(victim, `${path}.${process.pid}.tmp`);
      writeStateAtomically(path, emptyState());
      assert.equal(readFileSync(victim, 'utf8'), 'untouched');
      assert.deepEqual(loadState(path), emptyState());
      assert.equal(mode(path).toString(8), '600');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('ClientToken memory', () => {
  test('a token is remembered for a day, then forgotten', () => {
    let now = 0;
    const core = new EmulatorCore(resolveOptions({}), createLogger('t', { level: 'silent' }), () => now);
    let n = 0;
    const run = () => ({ Id: ++n });
    assert.deepEqual(core.idempotent('A', 'tok', { X: '1' }, run), { Id: 1 });
    assert.deepEqual(
      core.idempotent('A', 'tok', { X: '1', RegionId: 'r' }, run),
      { Id: 1 },
      'RegionId is not compared',
    );
    assert.throws(
      () => core.idempotent('A', 'tok', { X: '2' }, run),
      (e: unknown) => e instanceof ApiError && e.code === 'IdempotentParameterMismatch',
    );
    assert.deepEqual(core.idempotent('B', 'tok', { X: '2' }, run), { Id: 2 }, 'tokens are per action');
    now = CLIENT_TOKEN_TTL_MS;
    assert.deepEqual(core.idempotent('A', 'tok', { X: '2' }, run), { Id: 3 });
  });
});

describe('admin loopback check', () => {
  test('only loopback addresses pass', () => {
    for (const ip of ['127.0.0.1', '127.1.2.3', '::1', '::ffff:127.0.0.1'])
      assert.equal(isLoopback(ip), true, ip);
    for (const ip of ['10.0.0.1', '192.168.1.5', '::ffff:10.0.0.1', 'fe80::1'])
      assert.equal(isLoopback(ip), false, ip);
  });
});
