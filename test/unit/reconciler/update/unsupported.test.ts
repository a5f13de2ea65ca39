import { test } from 'node:test';
import assert from 'node:assert/strict';
import { unsupportedChanges } from '../../../../reconciler/update/unsupported.ts';

test('ephemeral containers are named as changes ECI cannot apply', () => {
  assert.deepEqual(unsupportedChanges({ spec: { containers: [{ name: 'a' }] } }), []);
  const [message] = unsupportedChanges({
    spec: { containers: [{ name: 'a' }], ephemeralContainers: [{ name: 'dbg', image: 'busybox' }] },
  });
  assert.match(message ?? '', /^spec\.ephemeralContainers\[dbg\]: ECI cannot add a container/);
});
