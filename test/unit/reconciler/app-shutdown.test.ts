import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Shutdown } from '../../../reconciler/app/shutdown.ts';
import type { Logger } from 'pino';

test('steps run last registered first; a failing step is logged and the rest still run', async () => {
  const warnings: unknown[] = [];
  const shutdown = new Shutdown({ warn: (obj: unknown) => void warnings.push(obj) } as Pick<Logger, 'warn'>);
  const ran: string[] = [];
  shutdown.push(() => void ran.push('server'));
  shutdown.push(async () => {
    await new Promise((r) => setImmediate(r));
    ran.push('controller');
  });
  shutdown.push(() => {
    ran.push('leases');
    throw new Error('lease write failed');
  });
  shutdown.push(() => void ran.push('poller'));
  await shutdown.stopAll();
  assert.deepEqual(ran, ['poller', 'leases', 'controller', 'server']);
  assert.equal(warnings.length, 1);
});

test('stopping twice runs each step once; the second call waits for the first', async () => {
  const shutdown = new Shutdown({ warn: () => {} } as Pick<Logger, 'warn'>);
  let runs = 0;
  let release!: () => void;
  shutdown.push(() => new Promise<void>((r) => (release = r)).then(() => void runs++));
  const first = shutdown.stopAll();
  let secondDone = false;
  const second = shutdown.stopAll().then(() => (secondDone = true));
  await new Promise((r) => setImmediate(r));
  assert.equal(secondDone, false, 'the second call waits for the step in flight');
  release();
  await Promise.all([first, second]);
  assert.equal(runs, 1);
});
