// Process mode (issue 18): a deleted group's containers stop in ECI's exit order
// (ECI_CONTAINER_EXIT_PRIORITY: the lowest first), keep running readiness probes while
// they stop, and each shows its real exit as its process ends; launch priorities start the
// higher one first.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { container, createRequest, describeOne, waitFor } from '../emulator/sdk.ts';
import { $Eci, log, skipUnlessProcessMode, startProcessEmulator } from './helpers.ts';

const env = (key: string, value: string) =>
  new $Eci.CreateContainerGroupRequestContainerEnvironmentVar({ key, value });

test(
  'launch and exit priorities order a sidecar around the app; deleted containers report their own exits',
  { skip: skipUnlessProcessMode },
  async () => {
    const t = await startProcessEmulator(234);
    try {
      const { body } = await t.client.createContainerGroup(
        createRequest(
          'ordered',
          [
            container('app', 'trap "sleep 4; exit 3" TERM; echo app up; while true; do sleep 0.2; done'),
            container(
              'sidecar',
              'trap "sleep 2; exit 0" TERM; echo sidecar up; while true; do sleep 0.2; done',
              {
                environmentVar: [
                  env('ECI_CONTAINER_LAUNCH_PRIORITY', '1'),
                  env('ECI_CONTAINER_EXIT_PRIORITY', '1'),
                ],
                readinessProbe: new $Eci.CreateContainerGroupRequestContainerReadinessProbe({
                  exec: new $Eci.CreateContainerGroupRequestContainerReadinessProbeExec({
                    command: ['true'],
                  }),
                  initialDelaySeconds: 2,
                  periodSeconds: 1,
                }),
              },
            ),
          ],
          { terminationGracePeriodSeconds: 20 },
        ),
      );
      const id = body?.containerGroupId ?? '';
      // The app waits until the sidecar (launch priority 1) runs and is ready.
      await waitFor(async () => {
        const d = await describeOne(t.client, id);
        const state = (name: string) => d?.containers?.find((c) => c.name === name)?.currentState?.state;
        return state('sidecar') === 'Running' && state('app') === 'Waiting' ? true : undefined;
      }, 20_000);
      await waitFor(async () => ((await log(t, id, 'app')).includes('app up') ? true : undefined), 20_000);

      await t.client.deleteContainerGroup(new $Eci.DeleteContainerGroupRequest({ containerGroupId: id }));
      // The app (exit priority 0) stops first and shows its own exit code; the sidecar still runs, ready
      // Each stops 4 s (app) and 2 s (sidecar) after its SIGTERM: a sidecar signalled with the app
      // would be gone 2 s before it, and in order the sidecar runs 2 s past the app, which a poll
      // on a loaded machine still sees.
      const mid = await waitFor(async () => {
        const d = await describeOne(t.client, id);
        const app = d?.containers?.find((c) => c.name === 'app');
        return app?.currentState?.state === 'Terminated' ? d : undefined;
      }, 20_000);
      assert.equal(mid.status, 'Terminating');
      const app = mid.containers?.find((c) => c.name === 'app');
      assert.deepEqual([app?.currentState?.exitCode, app?.currentState?.reason], [3, 'Error']);
      const sidecar = mid.containers?.find((c) => c.name === 'sidecar');
      assert.equal(sidecar?.currentState?.state, 'Running');
      assert.equal(sidecar?.ready, true);
      // Then the sidecar, and the group goes.
      await waitFor(async () => ((await describeOne(t.client, id)) === undefined ? true : undefined), 30_000);
    } finally {
      await t.emu.close();
    }
  },
);
