import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { findSecretLeaks } from '../../../test/chaos/secret-scan.ts';
import { renderTable, rowHolds, type ScenarioRow } from '../../../test/chaos/table.ts';

const SECRET = 'chaos-secret-0123456789abcdef';
const JWT =
  'eyJhbGciOiJSUzI1NiIsImtpZCI6IjEifQ.eyJpc3MiOiJrdWJlcm5ldGVzIiwic3ViIjoic3lzdGVtIn0.c2lnbmF0dXJlLXBhcnQtaGVyZQ';

describe('secret scan', () => {
  const rows: [string, string, number, string | undefined][] = [
    ['a clean line', '{"msg":"created","pod":"a"}', 0, undefined],
    ['the AccessKey secret', `{"msg":"x","cfg":"${SECRET}"}`, 1, 'access-key-secret'],
    ['a ServiceAccount token', `Authorization: Bearer ${JWT}`, 1, 'jwt'],
    ['a redacted value', '{"accessKeySecret":"[REDACTED]"}', 0, undefined],
    ['JWT-looking but too short', 'eyJa.eyJb.c', 0, undefined],
  ];
  for (const [name, line, hits, what] of rows) {
    test(name, () => {
      const found = findSecretLeaks('f.log', `first\n${line}\n`, [SECRET]);
      assert.equal(found.length, hits);
      if (what) assert.deepEqual(found[0], { source: 'f.log', line: 2, what });
    });
  }
  test('secrets shorter than 8 characters are not searched (they would match anything)', () => {
    assert.equal(findSecretLeaks('f', 'a b c', ['a']).length, 0);
  });
});

const row = (o: Partial<ScenarioRow>): ScenarioRow => ({
  scenario: 's',
  workload: 'w',
  fault: 'f',
  duplicates: 0,
  orphans: 0,
  lost: 0,
  statusMismatches: 0,
  crashes: 0,
  result: 'ok',
  ...o,
});

describe('table', () => {
  test('one Markdown row per scenario; a skipped row shows dashes, not zeros', () => {
    const text = renderTable([
      row({ recoverySeconds: 12.34 }),
      row({ scenario: 'x|y', result: 'needs 3 replicas' }),
    ]);
    const lines = text.split('\n');
    assert.equal(lines.length, 4);
    assert.match(lines[2]!, /^\| s \| w \| f \| 12\.3 \| 0 \| 0 \| 0 \| 0 \| 0 \| ok \| – \|$/);
    assert.match(
      lines[3]!,
      /^\| x\\\|y \| w \| f \| – \| – \| – \| – \| – \| – \| needs 3 replicas \| – \|$/,
    );
  });
  const rows: [string, Partial<ScenarioRow>, boolean][] = [
    ['ok and clean', {}, true],
    ['ok with a duplicate', { duplicates: 1 }, false],
    ['FAIL', { result: 'FAIL' }, false],
    ['skipped', { result: 'needs 3 replicas', lost: 3 }, true],
  ];
  for (const [name, o, want] of rows) test(`rowHolds: ${name}`, () => assert.equal(rowHolds(row(o)), want));
});
