import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  allHold,
  checkInvariants,
  countDuplicates,
  countLost,
  countOrphans,
  countStatusMismatches,
  type ClusterView,
  type GroupView,
  type PodView,
  type WorkloadExpectation,
} from '../../../test/chaos/invariants.ts';

const pod = (name: string, o: Partial<PodView> = {}): PodView => ({
  uid: `uid-${name}`,
  namespace: 'ns',
  name,
  phase: 'Running',
  deleting: false,
  labels: {},
  mutated: true,
  ...o,
});
const group = (id: string, podUid: string | undefined, status = 'Running'): GroupView => ({
  id,
  status,
  podUid,
});
const none: WorkloadExpectation = { pods: [], deployments: [], jobs: [], deletedPodUids: [] };

describe('duplicates: pod UIDs with more than one live group', () => {
  const rows: [string, GroupView[], number][] = [
    ['one group per pod', [group('g1', 'a'), group('g2', 'b')], 0],
    ['two live groups for one pod', [group('g1', 'a'), group('g2', 'a', 'Pending')], 1],
    ['three for one pod count twice', [group('g1', 'a'), group('g2', 'a'), group('g3', 'a')], 2],
    ['a Terminating second group is on its way out', [group('g1', 'a'), group('g2', 'a', 'Terminating')], 0],
    [
      'a ScheduleFailed attempt before the live one',
      [group('g1', 'a', 'ScheduleFailed'), group('g2', 'a')],
      0,
    ],
    ['a Succeeded twin is a second run', [group('g1', 'a', 'Succeeded'), group('g2', 'a')], 1],
    ['groups without a pod tag are not ours', [group('g1', undefined), group('g2', undefined)], 0],
  ];
  for (const [name, groups, want] of rows) test(name, () => assert.equal(countDuplicates(groups), want));
});

describe('orphans: live groups whose pod is gone', () => {
  const rows: [string, PodView[], GroupView[], number][] = [
    ['every group has its pod', [pod('a')], [group('g', 'uid-a')], 0],
    ['pod gone, group Running', [], [group('g', 'uid-a')], 1],
    ['pod gone, group Terminating', [], [group('g', 'uid-a', 'Terminating')], 0],
    ['pod deleting still counts as present', [pod('a', { deleting: true })], [group('g', 'uid-a')], 0],
    ['pod gone, group Succeeded (still listed, still ours)', [], [group('g', 'uid-x', 'Succeeded')], 1],
  ];
  for (const [name, pods, groups, want] of rows)
    test(name, () => assert.equal(countOrphans(pods, groups), want));
});

describe('lost: what should run and does not', () => {
  const view = (pods: PodView[], jobs: ClusterView['jobs'] = []): ClusterView => ({ pods, jobs, groups: [] });
  const rows: [string, ClusterView, Partial<WorkloadExpectation>, number][] = [
    ['bare pod Running', view([pod('a')]), { pods: [{ namespace: 'ns', name: 'a' }] }, 0],
    [
      'bare pod Pending',
      view([pod('a', { phase: 'Pending' })]),
      { pods: [{ namespace: 'ns', name: 'a' }] },
      1,
    ],
    ['bare pod missing', view([]), { pods: [{ namespace: 'ns', name: 'a' }] }, 1],
    [
      'bare pod Running but deleting',
      view([pod('a', { deleting: true })]),
      { pods: [{ namespace: 'ns', name: 'a' }] },
      1,
    ],
    [
      'deployment short by two',
      view([pod('w1', { labels: { app: 'web' } }), pod('w2', { labels: { app: 'web' }, phase: 'Pending' })]),
      { deployments: [{ namespace: 'ns', name: 'web', replicas: 3 }] },
      2,
    ],
    [
      'deployment with surplus Running pods holds',
      view([pod('w1', { labels: { app: 'web' } }), pod('w2', { labels: { app: 'web' } })]),
      { deployments: [{ namespace: 'ns', name: 'web', replicas: 1 }] },
      0,
    ],
    [
      'job one short',
      view([], [{ namespace: 'ns', name: 'j', succeeded: 2 }]),
      { jobs: [{ namespace: 'ns', name: 'j', completions: 3 }] },
      1,
    ],
    ['job missing', view([]), { jobs: [{ namespace: 'ns', name: 'j', completions: 2 }] }, 2],
    ['deleted pod still there', view([pod('a')]), { deletedPodUids: ['uid-a'] }, 1],
    ['deleted pod gone', view([]), { deletedPodUids: ['uid-a'] }, 0],
  ];
  for (const [name, v, want, n] of rows)
    test(name, () => assert.equal(countLost(v, { ...none, ...want }), n));

  test('a Pending pod the webhook never saw says so', () => {
    const details: string[] = [];
    countLost(
      view([pod('a', { phase: 'Pending', mutated: false })]),
      { ...none, pods: [{ namespace: 'ns', name: 'a' }] },
      details,
    );
    assert.match(details[0]!, /admitted without the webhook/);
  });
});

describe("status: a pod shows its group's settled state", () => {
  const rows: [string, PodView, GroupView, number][] = [
    ['Running = Running', pod('a', { instanceId: 'g' }), group('g', 'uid-a'), 0],
    ['Pending while the group Runs', pod('a', { instanceId: 'g', phase: 'Pending' }), group('g', 'uid-a'), 1],
    [
      'Succeeded = Succeeded',
      pod('a', { instanceId: 'g', phase: 'Succeeded' }),
      group('g', 'uid-a', 'Succeeded'),
      0,
    ],
    ['Running while the group Failed', pod('a', { instanceId: 'g' }), group('g', 'uid-a', 'Failed'), 1],
    [
      'transient group states are not compared',
      pod('a', { instanceId: 'g', phase: 'Pending' }),
      group('g', 'uid-a', 'Scheduling'),
      0,
    ],
    [
      'a deleting pod is not compared',
      pod('a', { instanceId: 'g', phase: 'Pending', deleting: true }),
      group('g', 'uid-a'),
      0,
    ],
    ['no instance id yet', pod('a', { phase: 'Pending' }), group('g', 'uid-a'), 0],
  ];
  for (const [name, p, g, want] of rows)
    test(name, () => assert.equal(countStatusMismatches([p], [g]), want));
});

test('checkInvariants sums every count and allHold needs all four at 0', () => {
  const view: ClusterView = {
    pods: [pod('a', { instanceId: 'g1' })],
    jobs: [],
    groups: [group('g1', 'uid-a'), group('g2', 'uid-gone')],
  };
  const c = checkInvariants(view, { ...none, pods: [{ namespace: 'ns', name: 'a' }] });
  assert.deepEqual([c.duplicates, c.orphans, c.lost, c.statusMismatches], [0, 1, 0, 0]);
  assert.equal(allHold(c), false);
  assert.equal(c.details.length, 1);
  assert.equal(allHold({ duplicates: 0, orphans: 0, lost: 0, statusMismatches: 0 }), true);
});
