// Process mode (issue 11): postStart and preStop exec hooks run in the container.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  container,
  createRequest,
  describeOne,
  waitFor,
  waitForStatus,
  type TestEmulator,
} from '../emulator/sdk.ts';
import { $Eci, log, skipUnlessProcessMode, startProcessEmulator } from './helpers.ts';

const emptyDir = new $Eci.CreateContainerGroupRequestVolume({ name: 'data', type: 'EmptyDirVolume' });
const dataMount = [
  new $Eci.CreateContainerGroupRequestContainerVolumeMount({ name: 'data', mountPath: '/data' }),
];

describe('process mode: lifecycle hooks', { skip: skipUnlessProcessMode }, () => {
  let t: TestEmulator;
  before(async () => {
    t = await startProcessEmulator(238);
  });
  after(async () => {
    await t?.emu.close();
  });

  test('postStart runs in the container after it starts; preStop runs before SIGTERM on delete', async () => {
    const script =
      'trap "cat /data/prestop; echo got TERM" TERM; while [ ! -f /data/started ]; do sleep 0.1; done; echo "saw $(cat /data/started)"; while true; do sleep 0.1; done';
    const { body } = await t.client.createContainerGroup(
      createRequest(
        'hooked',
        [
          container('app', script, {
            volumeMount: dataMount,
            lifecyclePostStartHandlerExec: ['sh', '-c', 'echo "hook of $HOSTNAME" > /data/started'],
            // Whatever preStop leaves is there when the SIGTERM handler runs: it ran first.
            lifecyclePreStopHandlerExec: ['sh', '-c', 'echo preStop ran > /data/prestop'],
          }),
        ],
        { volume: [emptyDir], terminationGracePeriodSeconds: 3 },
      ),
    );
    const id = body?.containerGroupId ?? '';
    await waitForStatus(t.client, id, 'Running', 20_000);
    await waitFor(
      async () => ((await log(t, id, 'app')).includes('saw hook of hooked') ? true : undefined),
      15_000,
    );
    await t.client.deleteContainerGroup(new $Eci.DeleteContainerGroupRequest({ containerGroupId: id }));
    const out = await waitFor(async () => {
      const l = await log(t, id, 'app');
      return l.includes('got TERM') ? l : undefined;
    }, 15_000);
    assert.match(out, /^preStop ran\ngot TERM$/m);
  });

  test('a failing postStart hook kills the container (FailedPostStartHook) and the policy restarts it', async () => {
    const { body } = await t.client.createContainerGroup(
      createRequest(
        'bad-hook',
        [
          container('app', 'while true; do sleep 0.1; done', {
            lifecyclePostStartHandlerExec: ['sh', '-c', 'echo no >&2; exit 1'],
          }),
        ],
        { terminationGracePeriodSeconds: 1 },
      ),
    );
    const id = body?.containerGroupId ?? '';
    const g = await waitFor(async () => {
      const d = await describeOne(t.client, id);
      return (d?.containers?.[0]?.restartCount ?? 0) >= 1 ? d : undefined;
    }, 20_000);
    const events = (g.events ?? []).map((e) => `${e.reason}: ${e.message}`);
    assert.ok(events.includes('FailedPostStartHook: PostStartHook failed: no'), events.join('\n'));
  });
});
