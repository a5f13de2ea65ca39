import { test } from 'node:test';
import assert from 'node:assert/strict';
import { refusedRequests } from '../../integration/deploy/installed.ts';

test('a refused API request is told from a log line that merely holds the number 403', () => {
  const refused = [
    'HTTP-Code: 403 Message: Unknown API Status Code!',
    '{"msg":"watch failed","err":{"body":{"kind":"Status","code":403,"reason":"Forbidden"}}}',
    'pods "x" is forbidden: User "system:serviceaccount:eci:eci-reconciler" cannot patch resource "pods"',
    '{"code":"Forbidden.RAM","msg":"ECI refused"}',
  ];
  const not = [
    '{"msg":"ECI profile applied","resourceVersion":"403"}',
    '{"pid":403,"msg":"started"}',
    '{"durationMs":403,"msg":"listed"}',
    '{"code":4031}',
    '{"msg":"listening","port":40300}',
  ];
  assert.deepEqual(refusedRequests([...refused, ...not]), refused);
});
