// Process mode (issue 11): probes run for real — a failing liveness probe
// restarts the container, readiness follows its probe.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { container, createRequest, describeOne, waitFor, type TestEmulator } from '../emulator/sdk.ts';
import { $Eci, skipUnlessProcessMode, startProcessEmulator } from './helpers.ts';

const fastProbe = (extra: Record<string, unknown>) =>
  new $Eci.CreateContainerGroupRequestContainerLivenessProbe({
    periodSeconds: 1,
    failureThreshold: 1,
    timeoutSeconds: 1,
    ...extra,
  });

describe('process mode: probes', { skip: skipUnlessProcessMode }, () => {
  let t: TestEmulator;
  before(async () => {
    t = await startProcessEmulator(235);
  });
  after(async () => {
    await t?.emu.close();
  });

  test('a failing liveness probe restarts the container (Unhealthy and Killing events)', async () => {
    const { body } = await t.client.createContainerGroup(
      createRequest(
        'unhealthy',
        [
          container('app', 'echo up; while true; do sleep 0.2; done', {
            livenessProbe: fastProbe({
              exec: new $Eci.CreateContainerGroupRequestContainerLivenessProbeExec({
                command: ['cat', '/tmp/healthy'],
              }),
            }),
          }),
        ],
        { terminationGracePeriodSeconds: 1 },
      ),
    );
    const id = body?.containerGroupId ?? '';
    const g = await waitFor(async () => {
      const d = await describeOne(t.client, id);
      return (d?.containers?.[0]?.restartCount ?? 0) >= 1 ? d : undefined;
    }, 30_000);
    assert.equal(g.containers?.[0]?.previousState?.state, 'Terminated');
    const events = (g.events ?? []).map((e) => `${e.reason}: ${e.message}`);
    assert.ok(
      events.some((e) => /^Unhealthy: Liveness probe failed: cat: .*\/tmp\/healthy/.test(e)),
      events.join('\n'),
    );
    assert.ok(
      events.includes('Killing: Container app failed liveness probe, will be restarted'),
      events.join('\n'),
    );
  });

  test('readiness follows the probe: httpGet to the web server passes, tcpSocket to a closed port does not', async () => {
    const { body } = await t.client.createContainerGroup(
      createRequest('readiness', [
        new $Eci.CreateContainerGroupRequestContainer({
          name: 'web',
          image: 'nginx',
          port: [new $Eci.CreateContainerGroupRequestContainerPort({ port: 8080 })],
          readinessProbe: new $Eci.CreateContainerGroupRequestContainerReadinessProbe({
            periodSeconds: 1,
            httpGet: new $Eci.CreateContainerGroupRequestContainerReadinessProbeHttpGet({
              path: '/healthz',
              port: 8080,
            }),
          }),
        }),
        container('closed', 'while true; do sleep 1; done', {
          readinessProbe: new $Eci.CreateContainerGroupRequestContainerReadinessProbe({
            periodSeconds: 1,
            tcpSocket: new $Eci.CreateContainerGroupRequestContainerReadinessProbeTcpSocket({ port: 9999 }),
          }),
        }),
      ]),
    );
    const id = body?.containerGroupId ?? '';
    const g = await waitFor(async () => {
      const d = await describeOne(t.client, id);
      return d?.containers?.find((c) => c.name === 'web')?.ready === true ? d : undefined;
    }, 30_000);
    const closed = g.containers?.find((c) => c.name === 'closed');
    assert.equal(closed?.currentState?.state, 'Running');
    assert.equal(closed?.ready, false);
    await waitFor(async () => {
      const d = await describeOne(t.client, id);
      return (d?.events ?? []).some(
        (e) => e.reason === 'Unhealthy' && /Readiness probe failed: dial tcp .*:9999/.test(e.message ?? ''),
      )
        ? true
        : undefined;
    }, 10_000);
  });
});
