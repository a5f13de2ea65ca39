// --containers (issue 11): simulation stays the default; auto takes process mode
// where it can and otherwise falls back; process refuses to start when it cannot.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startEmulator } from '../../../emulator/index.ts';
import { container, createRequest, waitFor } from '../emulator/sdk.ts';
import { log, skipUnlessProcessMode, startProcessEmulator } from './helpers.ts';
import { startTestEmulator } from '../emulator/sdk.ts';

const vSwitches = [
  { vSwitchId: 'vsw-emu-h', zoneId: 'cn-hangzhou-h', vpcId: 'vpc-emu', cidr: '10.237.0.0/24' },
];

test('the default is the simulation', async () => {
  const emu = await startEmulator({ logLevel: 'silent' });
  try {
    assert.equal(emu.containers, 'simulation');
  } finally {
    await emu.close();
  }
});

test(
  'auto: real processes here; falls back to the simulation when the CIDR is taken, process refuses',
  { skip: skipUnlessProcessMode },
  async () => {
    const first = await startProcessEmulator(237);
    try {
      assert.equal(first.emu.containers, 'process');
      const second = await startTestEmulator({ containers: 'auto', zones: ['cn-hangzhou-h'], vSwitches });
      try {
        assert.equal(second.emu.containers, 'simulation');
        // The simulation's `echo` prints its text; a real shell would expand it.
        const { body } = await second.client.createContainerGroup(
          createRequest('fallback', [container('app', 'echo $((1+2))')], { restartPolicy: 'Never' }),
        );
        const id = body?.containerGroupId ?? '';
        assert.equal(await waitFor(async () => (await log(second, id, 'app')) || undefined), '$((1+2))\n');
      } finally {
        await second.emu.close();
      }
      await assert.rejects(
        startEmulator({ logLevel: 'silent', containers: 'process', zones: ['cn-hangzhou-h'], vSwitches }),
        /--containers=process could not start: vSwitch CIDR 10\.237\.0\.0\/24 is already routed on this host/,
      );
      // The first emulator's processes are real.
      const { body } = await first.client.createContainerGroup(
        createRequest('real', [container('app', 'echo $((1+2))')], { restartPolicy: 'Never' }),
      );
      const id = body?.containerGroupId ?? '';
      assert.equal(await waitFor(async () => (await log(first, id, 'app')) || undefined, 20_000), '3\n');
    } finally {
      await first.emu.close();
    }
  },
);
