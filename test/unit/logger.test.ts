import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { REDACT_PATHS, createLogger } from '../../shared/logger.ts';

function capture(): { lines: string[]; stream: Writable } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(chunk.toString());
      cb();
    },
  });
  return { lines, stream };
}

test('AccessKey secrets and tokens are redacted at any depth', () => {
  const { lines, stream } = capture();
  const log = pino({ redact: { paths: REDACT_PATHS, censor: '[REDACTED]' } }, stream);
  log.info({ accessKeySecret: 'SECRET1', config: { 'access-key-secret': 'SECRET2', token: 'TOK' } }, 'x');
  log.info({ req: { headers: { authorization: 'Bearer abc' } } }, 'y');
  const out = lines.join('');
  for (const secret of ['SECRET1', 'SECRET2', 'TOK', 'Bearer abc']) assert.ok(!out.includes(secret), secret);
  assert.ok(out.includes('[REDACTED]'));
});

test('createLogger names the program', () => {
  const log = createLogger('unit-test');
  assert.equal(log.bindings().name, 'unit-test');
});
