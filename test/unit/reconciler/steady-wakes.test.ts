import { test, mock } from 'node:test';
import assert from 'node:assert/strict';
import { sameSlim } from '../../../reconciler/slim.ts';
import { PodTracker } from '../../../reconciler/tracker.ts';
import { ContentRefresher } from '../../../reconciler/update/refresher.ts';
import { TokenBucket } from '../../../reconciler/workqueue.ts';
import type { EciGroup } from '../../../reconciler/provider/eci-client.ts';

test('slim groups compare by value', () => {
  const rows: [unknown, unknown, boolean][] = [
    [
      { status: 'Running', containers: [{ ready: true }] },
      { status: 'Running', containers: [{ ready: true }] },
      true,
    ],
    [{ status: 'Running' }, { status: 'Running', zoneId: undefined }, true],
    [{ status: 'Running' }, { status: 'Failed' }, false],
    [{ containers: [{ ready: true }] }, { containers: [{ ready: false }] }, false],
    [{ events: [{ count: 1 }] }, { events: [{ count: 1 }, { count: 2 }] }, false],
    [{ a: [] }, { a: {} }, false],
    [{ t: new Date(1) }, { t: new Date(1) }, true],
    [{ t: new Date(1) }, { t: new Date(2) }, false],
  ];
  for (const [a, b, same] of rows) assert.equal(sameSlim(a, b), same, JSON.stringify([a, b]));
});

const group = (status: string, ready: boolean) =>
  ({
    containerGroupId: 'eci-1',
    status,
    containers: [{ name: 'main', ready }],
  }) as unknown as EciGroup;

test('a listing that describes an unchanged group does not wake its pod; a change does', () => {
  const woken: string[] = [];
  const t = new PodTracker({ clusterId: 'c', nodes: new Set(['vn']), wake: (uid) => woken.push(uid) });
  t.setPod({ metadata: { uid: 'u1', name: 'p', namespace: 'ns' }, spec: { nodeName: 'vn', containers: [] } });
  t.bindGroup('u1', 'eci-1');
  woken.length = 0;
  t.applyGroups([group('Running', true)]);
  assert.deepEqual(woken, ['u1'], 'the first description');
  t.applyGroups([group('Running', true)]);
  t.applyGroups([group('Running', true)]);
  assert.deepEqual(woken, ['u1'], 'the same description again');
  t.applyGroups([group('Running', false)]);
  assert.deepEqual(woken, ['u1', 'u1'], 'a container no longer ready');
  assert.equal(t.get('u1')?.record?.group?.containers?.[0]?.ready, false);
});

test('the content refresher wakes a slice of the pods each second, every pod once per interval', () => {
  mock.timers.enable({ apis: ['setInterval'] });
  try {
    const refresher = new ContentRefresher({
      intervalMs: 10_000,
      tokenPolicy: { fraction: 0.8, requestedSeconds: 3607 },
      bucket: new TokenBucket(10, 10),
    });
    const uids = Array.from({ length: 95 }, (_, i) => `u${i}`);
    const woken: string[] = [];
    refresher.start(
      () => uids,
      (uid) => woken.push(uid),
    );
    mock.timers.tick(1000);
    assert.equal(woken.length, 10, 'one tenth after one second');
    mock.timers.tick(9000);
    assert.deepEqual([...woken].sort(), [...uids].sort(), 'each pod once in the interval');
    mock.timers.tick(10_000);
    assert.equal(woken.length, 2 * uids.length, 'and once in the next');
    refresher.stop();
  } finally {
    mock.timers.reset();
  }
});
