import { test } from 'node:test';
import assert from 'node:assert/strict';
import { confirmedOrphan, orphanCandidates } from '../../../reconciler/gc.ts';
import { ownershipTags } from '../../../reconciler/ownership.ts';

const tags = (podUid: string, nodeName = 'vn-0', clusterId = 'c1') =>
  ownershipTags({ clusterId, nodeName, namespace: 'ns', podName: `pod-${podUid}`, podUid });

test('only groups of this cluster and these nodes whose pod is unknown are candidates', () => {
  const groups = [
    { containerGroupId: 'g-live', status: 'Running', tags: tags('live') },
    { containerGroupId: 'g-orphan', status: 'Running', tags: tags('gone') },
    { containerGroupId: 'g-other-node', status: 'Running', tags: tags('gone2', 'vn-9') },
    { containerGroupId: 'g-other-cluster', status: 'Running', tags: tags('gone3', 'vn-0', 'c2') },
    { containerGroupId: 'g-untagged', status: 'Running', tags: [{ key: 'team', value: 'x' }] },
    { containerGroupId: 'g-terminating', status: 'Terminating', tags: tags('gone4') },
    { status: 'Running', tags: tags('noid') },
  ];
  const out = orphanCandidates(groups, 'c1', new Set(['vn-0']), new Set(['live']));
  assert.deepEqual(
    out.map((c) => [c.id, c.owner.podUid, c.owner.podName]),
    [['g-orphan', 'gone', 'pod-gone']],
  );
});

test('the live re-check: same UID keeps the group, no pod or another UID deletes it', () => {
  const [candidate] = orphanCandidates(
    [{ containerGroupId: 'g', status: 'Succeeded', tags: tags('u1') }],
    'c1',
    new Set(['vn-0']),
    new Set(),
  );
  assert.ok(candidate);
  assert.equal(confirmedOrphan(candidate, 'u1'), false);
  assert.equal(confirmedOrphan(candidate, undefined), true);
  assert.equal(confirmedOrphan(candidate, 'u2'), true, 'a pod re-created with the same name is another pod');
});
