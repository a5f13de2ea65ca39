import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  containerGroupName,
  ownedByPod,
  ownershipFilter,
  ownershipTags,
  parseOwner,
  TAG_KEYS,
  withOwnershipTags,
} from '../../../reconciler/ownership.ts';

const owner = {
  clusterId: 'c1',
  nodeName: 'virtual-node-eci-0',
  namespace: 'ns',
  podName: 'web-1',
  podUid: '0f6c5e1a-1111-2222-3333-444455556666',
};

test('ownership tags round-trip', () => {
  const tags = ownershipTags(owner);
  assert.equal(tags.length, 5);
  assert.deepEqual(parseOwner(tags), owner);
  assert.equal(tags.find((t) => t.key === TAG_KEYS.podUid)?.value, owner.podUid);
});

test('long values are cut to the 128-character tag limit', () => {
  const tags = ownershipTags({ ...owner, podName: 'x'.repeat(200) });
  assert.equal(tags.find((t) => t.key === TAG_KEYS.podName)?.value.length, 128);
});

test('withOwnershipTags keeps user tags and replaces stale ownership tags', () => {
  const merged = withOwnershipTags(
    [
      { key: 'team', value: 'a' },
      { key: TAG_KEYS.podUid, value: 'forged' },
    ],
    owner,
  );
  assert.deepEqual(merged[0], { key: 'team', value: 'a' });
  assert.equal(merged.filter((t) => t.key === TAG_KEYS.podUid).length, 1);
  assert.equal(merged.find((t) => t.key === TAG_KEYS.podUid)?.value, owner.podUid);
  assert.equal(withOwnershipTags(undefined, owner).length, 5);
});

test('groups without cluster, node or UID tags are not ours', () => {
  assert.equal(parseOwner(undefined), undefined);
  assert.equal(parseOwner([{ key: 'team', value: 'a' }]), undefined);
  const noUid = ownershipTags(owner).filter((t) => t.key !== TAG_KEYS.podUid);
  assert.equal(parseOwner(noUid), undefined);
});

test('ownedByPod checks cluster and pod UID', () => {
  const tags = ownershipTags(owner);
  assert.equal(ownedByPod(tags, owner.clusterId, owner.podUid), true);
  assert.equal(ownedByPod(tags, 'c2', owner.podUid), false);
  assert.equal(ownedByPod(tags, owner.clusterId, 'another-uid'), false);
  assert.equal(ownedByPod([], owner.clusterId, owner.podUid), false);
  assert.equal(ownedByPod(undefined, owner.clusterId, owner.podUid), false);
});

test('ownershipFilter selects a cluster, optionally one node', () => {
  assert.deepEqual(ownershipFilter('c1'), [{ key: TAG_KEYS.cluster, value: 'c1' }]);
  assert.deepEqual(ownershipFilter('c1', 'n'), [
    { key: TAG_KEYS.cluster, value: 'c1' },
    { key: TAG_KEYS.node, value: 'n' },
  ]);
});

test('containerGroupName is always a valid ECI name', () => {
  assert.equal(containerGroupName('default', 'web-7d9f'), 'default-web-7d9f');
  assert.equal(containerGroupName('My_NS', 'Pod.Name'), 'my-ns-pod-name');
  const long = containerGroupName('ns', 'a'.repeat(300));
  assert.equal(long.length, 128);
  assert.equal(containerGroupName('ns', 'x' + '-'.repeat(200)), 'ns-x');
  for (const name of ['', '-', '--a--', 'a.b', 'x'.repeat(127) + '-y']) {
    const out = containerGroupName('n', name);
    assert.match(out, /^[a-z0-9]([a-z0-9-]{0,126}[a-z0-9])$/, `${name} → ${out}`);
  }
});
