// Persistence, ClientToken expiry and the admin loopback check.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
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
