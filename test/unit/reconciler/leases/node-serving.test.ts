// The pod controller acts only on the pods of nodes it serves: nothing before a node's groups
// are adopted (so a taken-over node's groups are never created twice), nothing once the node
// is let go (so two replicas never act on one node's pods).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PodController } from '../../../../reconciler/controller/pod-controller.ts';
import { PodTracker } from '../../../../reconciler/tracker.ts';
import { WorkQueue } from '../../../../reconciler/workqueue.ts';
import { createLogger } from '../../../../shared/logger.ts';
import { CLUSTER, FakeProvider, NODE, ownedGroup, pod, RecordingKube, T0 } from '../controller/fakes.ts';

function servingController() {
  const served = new Set<string>();
  const queue = new WorkQueue<string>();
  const tracker = new PodTracker({
    clusterId: CLUSTER,
    nodes: served,
    wake: (uid) => queue.add(uid),
    now: () => T0,
  });
  const provider = new FakeProvider();
  const kube = new RecordingKube();
  const controller = new PodController({
    clusterId: CLUSTER,
    nodeNames: [NODE],
    served,
    regionId: 'cn-hangzhou',
    defaults: { vSwitchIds: ['vsw-a'], securityGroupId: 'sg-a' },
    profile: () => undefined,
    provider,
    kube,
    tracker,
    queue,
    workers: 1,
    log: createLogger('test', { level: 'silent' }),
    now: () => T0,
  });
  return { controller, tracker, provider, kube, served };
}

test('a node not served yet: its pods wait; once its groups are adopted the existing group is synced, not created again', async () => {
  const { controller, tracker, provider, kube, served } = servingController();
  const p = pod('taken-over');
  provider.groups.set('eci-prev', ownedGroup(p, 'eci-prev', 'Running'));
  tracker.setPod(p);
  assert.equal(await controller.handle('uid-taken-over'), undefined);
  assert.equal(provider.requests.length, 0, 'no create before adoption');
  assert.equal(controller.serves(NODE), false);
  await controller.adopt(NODE);
  served.add(NODE);
  await controller.handle('uid-taken-over');
  assert.equal(provider.requests.length, 0, 'the previous holder’s group is adopted');
  assert.equal(tracker.groupOf('ns', 'taken-over'), 'eci-prev');
  assert.equal((kube.statuses()[0]?.status as { phase?: string }).phase, 'Running');
});

test('a node let go: no pass for its pods any more, and everything known of them is forgotten', async () => {
  const { controller, tracker, provider, served } = servingController();
  served.add(NODE);
  tracker.setPod(pod('mine'));
  await controller.handle('uid-mine');
  assert.equal(provider.requests.length, 1);
  await controller.removeNode(NODE);
  assert.equal(controller.serves(NODE), false);
  assert.deepEqual([...tracker.uidsOn(NODE)], [], 'its pods forgotten');
  assert.equal(tracker.groupOf('ns', 'mine'), undefined);
  // An event from the informer still stopping: tracked, never acted on.
  tracker.setPod(pod('late'));
  await controller.handle('uid-late');
  assert.equal(provider.requests.length, 1, 'nothing created for a node let go');
});
