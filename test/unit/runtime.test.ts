import { test } from 'node:test';
import assert from 'node:assert/strict';

test('runs on Node.js 24 LTS (brought by the node package, not the machine)', () => {
  assert.match(process.versions.node, /^24\./);
});
