// The container group state machine on a fake clock, through the action
// handlers (no HTTP): each lifecycle path and its timing.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger } from '../../../shared/logger.ts';
import { EmulatorCore } from '../../../emulator/core.ts';
import { resolveOptions } from '../../../emulator/options.ts';
import { containerGroupActions } from '../../../emulator/actions/container-groups.ts';
import { observeActions } from '../../../emulator/actions/observe.ts';
import { expire } from '../../../emulator/lifecycle/operations.ts';
import { ApiError } from '../../../emulator/errors.ts';

const T0 = Date.parse('2026-11-27T18:00:00Z');
const timing = {
  schedulingMs: 100,
  pendingMs: 200,
  terminatingMs: 50,
  restartingMs: 50,
  updatingMs: 50,
  restartBackoffMs: 1000,
  restartBackoffMaxMs: 4000,
  terminalRetentionMs: 10_000,
  sleepScale: 1,
};

function setup() {
  let now = T0;
  const core = new EmulatorCore(
    resolveOptions({ timing }),
    createLogger('test', { level: 'silent' }),
    () => now,
  );
  const ctx = { requestId: 'r', host: '127.0.0.1:1', tls: false };
  const call = (action: string, params: Record<string, string>) => {
    const h = containerGroupActions[action] ?? observeActions[action];
    assert.ok(h, action);
    return h(core, params, ctx);
  };
  const create = (script: string | undefined, extra: Record<string, string> = {}) =>
    String(
      call('CreateContainerGroup', {
        ContainerGroupName: 'grp',
        SecurityGroupId: 'sg-emu',
        VSwitchId: 'vsw-emu-h',
        'Container.1.Name': 'c',
        'Container.1.Image': 'busybox',
        ...(script === undefined
          ? {}
          : { 'Container.1.Command.1': 'sh', 'Container.1.Command.2': '-c', 'Container.1.Arg.1': script }),
        ...extra,
      }).ContainerGroupId,
    );
  const at = (ms: number) => {
    now = T0 + ms;
  };
  return { core, call, create, at };
}

describe('lifecycle on a fake clock', () => {
  test('phases follow the configured timing exactly', () => {
    const { core, create, at } = setup();
    const id = create(undefined);
    assert.equal(core.group(id).status, 'Scheduling');
    at(99);
    assert.equal(core.group(id).status, 'Scheduling');
    at(100);
    assert.equal(core.group(id).status, 'Pending');
    at(299);
    assert.equal(core.group(id).status, 'Pending');
    at(300);
    const g = core.group(id);
    assert.equal(g.status, 'Running');
    assert.equal(g.containers[0]?.current.startTime, T0 + 300);
    at(1_000_000);
    assert.equal(core.group(id).status, 'Running', 'a default command runs until deleted');
  });

  test('sleep moves the exit; echo lines appear in the log only once printed', () => {
    const { core, call, create, at } = setup();
    const id = create('echo start; sleep 2; echo done; exit 5', { RestartPolicy: 'Never' });
    at(300);
    const log = () =>
      String(call('DescribeContainerLog', { ContainerGroupId: id, ContainerName: 'c' }).Content);
    assert.equal(log(), 'start\n');
    at(2299);
    assert.equal(core.group(id).status, 'Running');
    at(2300);
    assert.equal(log(), 'start\ndone\n');
    const g = core.group(id);
    assert.equal(g.status, 'Failed');
    assert.equal(g.containers[0]?.current.exitCode, 5);
    assert.equal(g.failedTime, T0 + 2300);
    assert.equal(
      call('DescribeContainerLog', {
        ContainerGroupId: id,
        ContainerName: 'c',
        Tail: '1',
        Timestamps: 'true',
      }).Content,
      '2026-11-27T18:00:02.300000000Z done\n',
    );
  });

  test('restart back-off doubles up to the maximum', () => {
    const { core, create, at } = setup();
    const id = create('exit 1', { RestartPolicy: 'OnFailure' });
    // Starts at 300 and exits at once; restarts at 1300, 3300, 7300, 11300 (capped at 4000).
    at(300);
    assert.equal(core.group(id).containers[0]?.restartCount, 0);
    const waiting = core.group(id).containers[0];
    assert.deepEqual([waiting?.current.state, waiting?.current.reason], ['Waiting', 'CrashLoopBackOff']);
    assert.deepEqual([waiting?.previous.state, waiting?.previous.exitCode], ['Terminated', 1]);
    at(1300);
    assert.equal(core.group(id).containers[0]?.restartCount, 1);
    at(3299);
    assert.equal(core.group(id).containers[0]?.restartCount, 1);
    at(3300);
    assert.equal(core.group(id).containers[0]?.restartCount, 2);
    at(7300);
    assert.equal(core.group(id).containers[0]?.restartCount, 3);
    at(11_300);
    assert.equal(core.group(id).containers[0]?.restartCount, 4);
    assert.equal(core.group(id).status, 'Running');
  });

  test('a missing image alternates ErrImagePull and ImagePullBackOff with back-off; the group stays Pending', () => {
    const { core, create, at } = setup();
    const id = create(undefined, { 'Container.1.Image': 'example.com/does-not-exist:1' });
    const reason = () => core.group(id).containers[0]?.current.reason;
    at(300);
    assert.equal(reason(), 'ErrImagePull');
    at(1300);
    assert.equal(reason(), 'ImagePullBackOff');
    at(3299);
    assert.equal(reason(), 'ImagePullBackOff');
    at(3300);
    assert.equal(reason(), 'ErrImagePull');
    const g = core.group(id);
    assert.equal(g.status, 'Pending');
    assert.equal(g.events.find((e) => e.message === 'Error: ErrImagePull')?.count, 2);
  });

  test('ActiveDeadlineSeconds fails a group that runs too long', () => {
    const { core, create, at } = setup();
    const id = create(undefined, { ActiveDeadlineSeconds: '2' });
    at(1999);
    assert.equal(core.group(id).status, 'Running');
    at(2000);
    const g = core.group(id);
    assert.equal(g.status, 'Failed');
    assert.equal(g.containers[0]?.current.reason, 'DeadlineExceeded');
    assert.ok(g.events.some((e) => e.reason === 'DeadlineExceeded'));
  });

  test('init containers run first; a failing one fails the group under Never', () => {
    const { core, create, at } = setup();
    const ok = create('exit 0', {
      RestartPolicy: 'Never',
      'InitContainer.1.Name': 'init',
      'InitContainer.1.Image': 'busybox',
      'InitContainer.1.Command.1': 'sh',
      'InitContainer.1.Command.2': '-c',
      'InitContainer.1.Arg.1': 'sleep 1',
    });
    at(300);
    assert.equal(core.group(ok).status, 'Pending');
    assert.equal(core.group(ok).containers[0]?.current.reason, 'PodInitializing');
    at(1300);
    assert.equal(core.group(ok).status, 'Succeeded');
    const bad = create(undefined, {
      RestartPolicy: 'Never',
      'InitContainer.1.Name': 'init',
      'InitContainer.1.Image': 'busybox',
      'InitContainer.1.Command.1': 'false',
    });
    at(1300 + 300);
    assert.equal(core.group(bad).status, 'Failed');
  });

  test('delete → Terminating → gone; terminal groups are purged after the retention', () => {
    const { core, call, create, at } = setup();
    const id = create(undefined);
    at(300);
    call('DeleteContainerGroup', { ContainerGroupId: id });
    assert.equal(core.group(id).status, 'Terminating');
    assert.equal(core.group(id).containers[0]?.current.state, 'Terminated');
    at(350);
    assert.throws(
      () => core.group(id),
      (e: unknown) => e instanceof ApiError && e.code === 'InvalidContainerGroup.NotFound',
    );
    const done = create('exit 0', { RestartPolicy: 'Never' });
    at(650);
    assert.equal(core.group(done).status, 'Succeeded');
    at(650 + 9_999);
    assert.equal(core.groups().length, 1);
    at(650 + 10_000);
    assert.equal(core.groups().length, 0);
  });

  test('restart only from Running; update recreates containers; spot groups expire', () => {
    const { core, call, create, at } = setup();
    const id = create(undefined, { SpotStrategy: 'SpotAsPriceGo' });
    assert.throws(
      () => call('RestartContainerGroup', { ContainerGroupId: id }),
      (e: unknown) => e instanceof ApiError && e.code === 'IncorrectStatus' && e.httpStatus === 403,
    );
    at(300);
    call('RestartContainerGroup', { ContainerGroupId: id });
    assert.equal(core.group(id).status, 'Restarting');
    at(350);
    assert.equal(core.group(id).status, 'Pending');
    at(550);
    assert.equal(core.group(id).status, 'Running');
    assert.equal(core.group(id).containers[0]?.restartCount, 1);
    call('UpdateContainerGroup', {
      ContainerGroupId: id,
      'Container.1.Name': 'c',
      'Container.1.Image': 'busybox:2',
      UpdateType: 'IncrementalUpdate',
    });
    assert.equal(core.group(id).status, 'Updating');
    at(800);
    assert.equal(core.group(id).status, 'Running');
    assert.equal(core.group(id).request.Container[0]?.Image, 'busybox:2');
    call('UpdateContainerGroup', { ContainerGroupId: id, 'Tag.1.Key': 'k', 'Tag.1.Value': 'v' });
    assert.equal(core.group(id).status, 'Running', 'tag-only updates do not restart');
    assert.deepEqual(core.group(id).tags, [{ Key: 'k', Value: 'v' }]);
    expire(core.group(id), T0 + 800);
    assert.equal(core.group(id).status, 'Expired');
    assert.equal(core.group(id).expiredTime, T0 + 800);
  });

  test('new ConfigFile contents are written in place and keep the modes the volume was created with', () => {
    const { core, call, create, at } = setup();
    const b64 = (t: string) => Buffer.from(t).toString('base64');
    const id = create(undefined, {
      'Volume.1.Name': 'cfg',
      'Volume.1.Type': 'ConfigFileVolume',
      'Volume.1.ConfigFileVolume.DefaultMode': '420',
      'Volume.1.ConfigFileVolume.ConfigFileToPath.1.Path': 'a',
      'Volume.1.ConfigFileVolume.ConfigFileToPath.1.Content': b64('one'),
      'Volume.1.ConfigFileVolume.ConfigFileToPath.1.Mode': '256',
      'Container.1.VolumeMount.1.Name': 'cfg',
      'Container.1.VolumeMount.1.MountPath': '/cfg',
    });
    at(300);
    // UpdateContainerGroup's ConfigFileVolume has no DefaultMode or Mode fields.
    call('UpdateContainerGroup', {
      ContainerGroupId: id,
      UpdateType: 'IncrementalUpdate',
      'Volume.1.Name': 'cfg',
      'Volume.1.Type': 'ConfigFileVolume',
      'Volume.1.ConfigFileVolume.ConfigFileToPath.1.Path': 'a',
      'Volume.1.ConfigFileVolume.ConfigFileToPath.1.Content': b64('two'),
      'Volume.1.ConfigFileVolume.ConfigFileToPath.2.Path': 'b',
      'Volume.1.ConfigFileVolume.ConfigFileToPath.2.Content': b64('new'),
    });
    const g = core.group(id);
    assert.equal(g.status, 'Running', 'contents only: nothing restarts');
    const cfg = g.request.Volume?.[0]?.ConfigFileVolume;
    assert.equal(cfg?.DefaultMode, 420);
    assert.deepEqual(
      cfg?.ConfigFileToPath?.map((f) => [f.Path, Buffer.from(f.Content ?? '', 'base64').toString(), f.Mode]),
      [
        ['a', 'two', 256],
        ['b', 'new', undefined],
      ],
    );
  });

  test('a zone in schedule-failed stock mode ends ScheduleFailed', () => {
    const { core, create, at } = setup();
    core.outOfStock.set('cn-hangzhou-h', 'schedule-failed');
    const id = create(undefined);
    at(100);
    const g = core.group(id);
    assert.equal(g.status, 'ScheduleFailed');
    assert.ok(g.events.some((e) => e.reason === 'FailedScheduling' && e.type === 'Warning'));
  });

  test('DescribeContainerGroupStatus SinceSecond returns only groups changed in the window', () => {
    const { call, create, at } = setup();
    const a = create(undefined);
    at(300);
    const b = create(undefined);
    at(5400);
    const ids = (r: Record<string, unknown>) =>
      (r.Data as { ContainerGroupId: string }[]).map((d) => d.ContainerGroupId);
    // a last changed at 300 (Running), b at 600: a 5 s window from 400 holds only b.
    assert.deepEqual(ids(call('DescribeContainerGroupStatus', { SinceSecond: '5' })), [b]);
    assert.deepEqual(ids(call('DescribeContainerGroupStatus', { SinceSecond: '10' })).sort(), [a, b].sort());
  });
});
