// Container group lifecycle through the official SDK: each path of the simulation.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  $Eci,
  apiError,
  container,
  createRequest,
  describeOne,
  startTestEmulator,
  waitFor,
  waitForStatus,
  type TestEmulator,
} from './sdk.ts';

let t: TestEmulator;
before(async () => {
  t = await startTestEmulator();
});
after(async () => {
  await t.emu.close();
});

describe('container group lifecycle', () => {
  test('Scheduling → Pending → Running for a long-running container, Terminating → gone on delete', async () => {
    // Its own emulator with a Terminating phase long enough to be seen on a busy machine.
    const own = await startTestEmulator({ timing: { terminatingMs: 1500 } });
    try {
      const { body } = await own.client.createContainerGroup(
        createRequest('web', [container('nginx', undefined, { image: 'nginx:1.25' })]),
      );
      const id = body?.containerGroupId ?? '';
      assert.match(id, /^eci-[a-z0-9]{20}$/);
      const running = await waitForStatus(own.client, id, 'Running');
      assert.equal(running.zoneId, 'cn-hangzhou-h');
      assert.equal(running.vSwitchId, 'vsw-emu-h');
      assert.equal(running.vpcId, 'vpc-emu');
      assert.match(running.intranetIp ?? '', /^172\.16\.(\d|1[0-5])\.\d+$/);
      const c = running.containers?.[0];
      assert.equal(c?.currentState?.state, 'Running');
      assert.equal(c?.ready, true);
      const reasons = (running.events ?? []).map((e) => e.reason);
      for (const r of ['Scheduled', 'Pulling', 'Pulled', 'Created', 'Started'])
        assert.ok(reasons.includes(r), r);

      await own.client.deleteContainerGroup(new $Eci.DeleteContainerGroupRequest({ containerGroupId: id }));
      const terminating = await describeOne(own.client, id);
      assert.equal(terminating?.status, 'Terminating');
      await waitFor(async () => ((await describeOne(own.client, id)) === undefined ? true : undefined));
      const gone = await apiError(
        own.client.deleteContainerGroup(new $Eci.DeleteContainerGroupRequest({ containerGroupId: id })),
      );
      assert.equal(gone.code, 'InvalidContainerGroup.NotFound');
      assert.equal(gone.statusCode, 404);
    } finally {
      await own.emu.close();
    }
  });

  test('a group stays Scheduling, without an IP, until schedulingMs has passed', async () => {
    const slow = await startTestEmulator({ timing: { schedulingMs: 60_000 } });
    try {
      const { body } = await slow.client.createContainerGroup(createRequest('slow', [container('c')]));
      const g = await describeOne(slow.client, body?.containerGroupId ?? '');
      assert.equal(g?.status, 'Scheduling');
      assert.equal(g?.intranetIp, '');
      assert.equal(g?.containers?.[0]?.currentState?.state, 'Waiting');
    } finally {
      await slow.emu.close();
    }
  });

  test('a script that ends without exit succeeds (RestartPolicy Never)', async () => {
    const { body } = await t.client.createContainerGroup(
      createRequest('ok-job', [container('job', 'echo one && sleep 1; echo two')], {
        restartPolicy: 'Never',
      }),
    );
    const g = await waitForStatus(t.client, body?.containerGroupId ?? '', 'Succeeded');
    const c = g.containers?.[0];
    assert.equal(c?.currentState?.state, 'Terminated');
    assert.equal(c?.currentState?.exitCode, 0);
    assert.equal(c?.currentState?.reason, 'Completed');
    assert.notEqual(g.succeededTime, '');
  });

  test('exit 3 fails the group with that exit code (RestartPolicy Never)', async () => {
    const { body } = await t.client.createContainerGroup(
      createRequest('bad-job', [container('job', 'echo failing; exit 3')], { restartPolicy: 'Never' }),
    );
    const g = await waitForStatus(t.client, body?.containerGroupId ?? '', 'Failed');
    assert.equal(g.containers?.[0]?.currentState?.exitCode, 3);
    assert.equal(g.containers?.[0]?.currentState?.reason, 'Error');
    assert.notEqual(g.failedTime, '');
  });

  test('RestartPolicy Always restarts an exiting container and keeps the group Running', async () => {
    const { body } = await t.client.createContainerGroup(
      createRequest('crash', [container('c', 'echo boom; exit 1')], { restartPolicy: 'Always' }),
    );
    const id = body?.containerGroupId ?? '';
    const g = await waitFor(async () => {
      const x = await describeOne(t.client, id);
      return (x?.containers?.[0]?.restartCount ?? 0) >= 2 ? x : undefined;
    });
    assert.equal(g.status, 'Running');
    assert.equal(g.containers?.[0]?.previousState?.state, 'Terminated');
    assert.equal(g.containers?.[0]?.previousState?.exitCode, 1);
    assert.ok((g.events ?? []).some((e) => e.reason === 'BackOff' && e.type === 'Warning'));
  });

  test('RestartPolicy OnFailure does not restart a successful container', async () => {
    const { body } = await t.client.createContainerGroup(
      createRequest('onfail-ok', [container('c', 'exit 0')], { restartPolicy: 'OnFailure' }),
    );
    const g = await waitForStatus(t.client, body?.containerGroupId ?? '', 'Succeeded');
    assert.equal(g.containers?.[0]?.restartCount, 0);
  });

  test('an image that does not exist keeps the group Pending with ErrImagePull / ImagePullBackOff', async () => {
    const { body } = await t.client.createContainerGroup(
      createRequest('pull', [container('c', undefined, { image: 'registry.example.com/does-not-exist:1' })]),
    );
    const id = body?.containerGroupId ?? '';
    const g = await waitFor(async () => {
      const x = await describeOne(t.client, id);
      return ['ErrImagePull', 'ImagePullBackOff'].includes(x?.containers?.[0]?.currentState?.reason ?? '')
        ? x
        : undefined;
    });
    assert.equal(g.status, 'Pending');
    assert.equal(g.containers?.[0]?.currentState?.state, 'Waiting');
    assert.ok((g.events ?? []).some((e) => e.type === 'Warning' && e.reason === 'Failed'));
  });

  test('DescribeContainerGroupStatus returns the pod-status shape', async () => {
    const { body } = await t.client.createContainerGroup(
      createRequest('status', [container('c', 'exit 2')], {
        restartPolicy: 'Never',
        tag: [new $Eci.CreateContainerGroupRequestTag({ key: 'PodName', value: 'my-pod' })],
      }),
    );
    const id = body?.containerGroupId ?? '';
    await waitForStatus(t.client, id, 'Failed');
    const r = await t.client.describeContainerGroupStatus(
      new $Eci.DescribeContainerGroupStatusRequest({
        regionId: 'cn-hangzhou',
        containerGroupIds: JSON.stringify([id]),
      }),
    );
    const d = r.body?.data?.[0];
    assert.equal(d?.containerGroupId, id);
    assert.equal(d?.name, 'my-pod');
    assert.equal(d?.status, 'Failed');
    assert.equal(d?.podStatus?.phase, 'Failed');
    const cs = d?.podStatus?.containerStatuses?.[0];
    assert.equal(cs?.state?.terminated?.exitCode, 2);
    assert.equal(cs?.ready, false);
    assert.ok(d?.podStatus?.podIp);
  });
});
