// The pod tracker: one entry per pod UID, indexes by group id and by namespace/name, one forget.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PodTracker } from '../../../../reconciler/tracker.ts';
import { ownedGroup, pod } from './fakes.ts';

function tracker(now = () => 0) {
  const woken: string[] = [];
  const t = new PodTracker({
    clusterId: 'c1',
    nodes: new Set(['vn-0']),
    wake: (uid) => woken.push(uid),
    now,
  });
  return { t, woken };
}

test('groupOf and uidOfGroup answer from indexes; forget clears every fact at once', () => {
  const { t, woken } = tracker();
  t.setPod(pod('a'));
  t.bindGroup('uid-a', 'eci-a', undefined, { fresh: true });
  assert.equal(t.groupOf('ns', 'a'), 'eci-a');
  assert.equal(t.uidOfGroup('eci-a'), 'uid-a');
  assert.deepEqual([...t.trackedIds()], [['eci-a', 'uid-a']]);
  assert.deepEqual(t.dirtyIds(), ['eci-a']);
  assert.deepEqual(woken, ['uid-a']);
  t.forget('uid-a');
  assert.equal(t.get('uid-a'), undefined);
  assert.equal(t.groupOf('ns', 'a'), undefined);
  assert.equal(t.uidOfGroup('eci-a'), undefined);
  assert.equal(t.trackedIds().size, 0);
  assert.deepEqual(t.dirtyIds(), []);
});

test('a pod re-created with the same name is found by its new UID only', () => {
  const { t } = tracker();
  t.setPod(pod('web', { uid: 'old' }));
  t.bindGroup('old', 'eci-old');
  t.deletePod('old');
  assert.equal(t.groupOf('ns', 'web'), undefined, 'a deleted pod is not served');
  t.setPod(pod('web', { uid: 'new' }));
  t.bindGroup('new', 'eci-new');
  assert.equal(t.groupOf('ns', 'web'), 'eci-new');
  t.forget('old');
  assert.equal(t.groupOf('ns', 'web'), 'eci-new', 'forgetting the old pod keeps the new one');
});

test("the poller's groups: ours by id, unseen ones adopted by tags, others ignored; gone after the grace", () => {
  let now = 0;
  const { t, woken } = tracker(() => now);
  const p = pod('p');
  t.setPod(p);
  woken.length = 0;
  t.applyGroups([ownedGroup(p, 'eci-p'), Object.assign(ownedGroup(p, 'eci-foreign'), { tags: [] })]);
  assert.equal(t.get('uid-p')?.record?.id, 'eci-p');
  assert.equal(t.uidOfGroup('eci-foreign'), undefined);
  assert.deepEqual(woken, ['uid-p']);
  t.markGone(['eci-p']);
  assert.equal(t.get('uid-p')?.record?.gone, undefined, 'too young to be gone');
  now = 16_000;
  t.markGone(['eci-p']);
  assert.equal(t.get('uid-p')?.record?.gone, true);
  assert.equal(t.trackedIds().size, 0);
});

test('a group from the poller or a bind is kept slim: status kept, tags and the SDK model not retained', () => {
  const { t } = tracker();
  const p = pod('s');
  t.setPod(p);
  const polled = Object.assign(ownedGroup(p, 'eci-s', 'Running'), { zoneId: 'cn-hangzhou-h' });
  t.applyGroups([polled]);
  const group = t.get('uid-s')?.record?.group;
  assert.equal(group?.status, 'Running');
  assert.equal(group?.zoneId, 'cn-hangzhou-h');
  assert.notEqual(group, polled);
  assert.equal(group && 'tags' in group, false);
  t.bindGroup('uid-s', 'eci-s2', polled);
  assert.equal(t.get('uid-s')?.record?.group?.status, 'Running');
  assert.equal(t.get('uid-s')?.record?.group && 'tags' in t.get('uid-s')!.record!.group!, false);
});
