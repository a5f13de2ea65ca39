// Process mode (issue 11): containers are real processes in Linux namespaces;
// exits, logs, termination messages and deletes come from those processes.
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
import { $Eci, log, processTable, skipUnlessProcessMode, startProcessEmulator } from './helpers.ts';

const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('process mode: lifecycle from real processes', { skip: skipUnlessProcessMode }, () => {
  let t: TestEmulator;
  before(async () => {
    t = await startProcessEmulator(231);
  });
  after(async () => {
    await t?.emu.close();
  });

  test('init /bin/true, then an app container prints its config-file volume and env', async () => {
    const { body } = await t.client.createContainerGroup(
      createRequest(
        'cfg-pod',
        [
          container(
            'app',
            'cat /etc/config/greeting; echo; echo "GREETING_ENV=$GREETING"; ls -l /etc/config/greeting; pwd',
            {
              environmentVar: [
                new $Eci.CreateContainerGroupRequestContainerEnvironmentVar({
                  key: 'GREETING',
                  value: 'from env',
                }),
              ],
              volumeMount: [
                new $Eci.CreateContainerGroupRequestContainerVolumeMount({
                  name: 'cfg',
                  mountPath: '/etc/config',
                  readOnly: true,
                }),
              ],
              workingDir: '/work/dir',
            },
          ),
        ],
        {
          restartPolicy: 'Never',
          initContainer: [
            new $Eci.CreateContainerGroupRequestInitContainer({
              name: 'init',
              image: 'busybox',
              command: ['/bin/true'],
            }),
          ],
          volume: [
            new $Eci.CreateContainerGroupRequestVolume({
              name: 'cfg',
              type: 'ConfigFileVolume',
              configFileVolume: new $Eci.CreateContainerGroupRequestVolumeConfigFileVolume({
                configFileToPath: [
                  new $Eci.CreateContainerGroupRequestVolumeConfigFileVolumeConfigFileToPath({
                    path: 'greeting',
                    content: b64('hello from configmap'),
                    mode: 0o600,
                  }),
                ],
              }),
            }),
          ],
        },
      ),
    );
    const id = body?.containerGroupId ?? '';
    const done = await waitForStatus(t.client, id, 'Succeeded', 20_000);
    assert.equal(done.initContainers?.[0]?.currentState?.state, 'Terminated');
    assert.equal(done.initContainers?.[0]?.currentState?.exitCode, 0);
    const out = await log(t, id, 'app');
    assert.match(out, /^hello from configmap$/m);
    assert.match(out, /^GREETING_ENV=from env$/m);
    assert.match(out, /^-rw------- .* \/etc\/config\/greeting$/m);
    assert.match(out, /^\/work\/dir$/m);
  });

  test("sh -c 'exit 3' under Never fails the group with exit code 3 and its termination message", async () => {
    const { body } = await t.client.createContainerGroup(
      createRequest('exit3', [container('app', 'echo bad config > /dev/termination-log; exit 3')], {
        restartPolicy: 'Never',
      }),
    );
    const id = body?.containerGroupId ?? '';
    const failed = await waitForStatus(t.client, id, 'Failed', 20_000);
    const state = failed.containers?.[0]?.currentState;
    assert.equal(state?.exitCode, 3);
    assert.equal(state?.reason, 'Error');
    assert.equal(state?.message, 'bad config\n');
  });

  test('Always restarts an exiting container with back-off and keeps the previous log', async () => {
    const { body } = await t.client.createContainerGroup(
      createRequest('restarter', [container('app', 'echo "run at $(cat /proc/uptime)"; exit 1')]),
    );
    const id = body?.containerGroupId ?? '';
    const g = await waitFor(async () => {
      const d = await describeOne(t.client, id);
      return (d?.containers?.[0]?.restartCount ?? 0) >= 2 ? d : undefined;
    }, 20_000);
    assert.equal(g.containers?.[0]?.previousState?.exitCode, 1);
    assert.match(await log(t, id, 'app', true), /^run at /m);
    await t.client.deleteContainerGroup(new $Eci.DeleteContainerGroupRequest({ containerGroupId: id }));
  });

  test('ActiveDeadlineSeconds stops the real process and fails the group with DeadlineExceeded', async () => {
    const marker = `deadline-marker-${process.pid}`;
    const { body } = await t.client.createContainerGroup(
      createRequest('deadline', [container('app', `echo ${marker}; while true; do sleep 0.2; done`)], {
        activeDeadlineSeconds: 2,
        terminationGracePeriodSeconds: 1,
      }),
    );
    const id = body?.containerGroupId ?? '';
    await waitFor(async () => ((await log(t, id, 'app')).includes(marker) ? true : undefined), 15_000);
    const failed = await waitForStatus(t.client, id, 'Failed', 20_000);
    assert.ok((failed.events ?? []).some((e) => e.reason === 'DeadlineExceeded'));
    await waitFor(async () => (processTable().includes(marker) ? undefined : true), 10_000);
  });

  test('RestartContainerGroup starts a new process as PID 1 of a fresh namespace and keeps the previous log', async () => {
    const { body } = await t.client.createContainerGroup(
      createRequest(
        'restart-me',
        [container('app', 'echo "pid-marker $$ $(date +%s%N)"; while true; do sleep 0.2; done')],
        {
          terminationGracePeriodSeconds: 1,
        },
      ),
    );
    const id = body?.containerGroupId ?? '';
    await waitForStatus(t.client, id, 'Running', 20_000);
    const firstLog = await waitFor(async () => {
      const l = await log(t, id, 'app');
      return l.includes('pid-marker') ? l : undefined;
    }, 15_000);
    await t.client.restartContainerGroup(new $Eci.RestartContainerGroupRequest({ containerGroupId: id }));
    const g = await waitFor(async () => {
      const d = await describeOne(t.client, id);
      // Running once the new process exec'd the command (ContainerCreating until then).
      const running = d?.containers?.[0]?.currentState?.state === 'Running';
      return d?.status === 'Running' && (d.containers?.[0]?.restartCount ?? 0) >= 1 && running
        ? d
        : undefined;
    }, 20_000);
    assert.equal(g.containers?.[0]?.currentState?.state, 'Running');
    const secondLog = await waitFor(async () => {
      const l = await log(t, id, 'app');
      return l.includes('pid-marker') ? l : undefined;
    }, 15_000);
    // Each run is PID 1 of a fresh PID namespace; the previous run's log is kept.
    assert.match(secondLog, /^pid-marker 1 \d+$/m);
    assert.notEqual(secondLog, firstLog);
    assert.equal(await log(t, id, 'app', true), firstLog);
  });

  // Only ConfigFile contents change: ECI-as-emulated writes them in place (docs/updates.md), so
  // the running container reads them without a restart.
  test('UpdateContainerGroup with new config-file contents: the running container reads them', async () => {
    const cfg = (text: string) => ({ path: 'value', content: b64(text) });
    const { body } = await t.client.createContainerGroup(
      createRequest(
        'updated',
        [
          container('app', 'while true; do echo "value=$(cat /cfg/value)"; sleep 0.2; done', {
            volumeMount: [
              new $Eci.CreateContainerGroupRequestContainerVolumeMount({ name: 'cfg', mountPath: '/cfg' }),
            ],
          }),
        ],
        {
          terminationGracePeriodSeconds: 1,
          volume: [
            new $Eci.CreateContainerGroupRequestVolume({
              name: 'cfg',
              type: 'ConfigFileVolume',
              configFileVolume: new $Eci.CreateContainerGroupRequestVolumeConfigFileVolume({
                configFileToPath: [
                  new $Eci.CreateContainerGroupRequestVolumeConfigFileVolumeConfigFileToPath(cfg('one')),
                ],
              }),
            }),
          ],
        },
      ),
    );
    const id = body?.containerGroupId ?? '';
    await waitFor(async () => ((await log(t, id, 'app')).includes('value=one') ? true : undefined), 20_000);
    await t.client.updateContainerGroup(
      new $Eci.UpdateContainerGroupRequest({
        containerGroupId: id,
        updateType: 'IncrementalUpdate',
        volume: [
          new $Eci.UpdateContainerGroupRequestVolume({
            name: 'cfg',
            type: 'ConfigFileVolume',
            configFileVolume: new $Eci.UpdateContainerGroupRequestVolumeConfigFileVolume({
              configFileToPath: [
                new $Eci.UpdateContainerGroupRequestVolumeConfigFileVolumeConfigFileToPath(cfg('two')),
              ],
            }),
          }),
        ],
      }),
    );
    await waitFor(async () => ((await log(t, id, 'app')).includes('value=two') ? true : undefined), 20_000);
    const d = await describeOne(t.client, id);
    assert.equal(d?.containers?.[0]?.restartCount, 0, 'read by the same process: no restart');
  });
});
