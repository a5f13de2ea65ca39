// Process mode (issue 11): an emulator killed with SIGKILL cannot clean up, so its
// processes die with it (parent-death signal), and the next process-mode emulator
// removes the bridge and directories it left.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createInterface } from 'node:readline';
import { container, createRequest, eciClient, waitFor, waitForStatus } from '../emulator/sdk.ts';
import {
  foreignNetnsProcesses,
  hostLinks,
  processTable,
  skipUnlessProcessMode,
  startProcessEmulator,
} from './helpers.ts';

const linkNames = (text: string) =>
  new Set([...text.matchAll(/^\d+: ([^:@]+)[:@]/gm)].map((m) => m[1] ?? ''));

test(
  'kill -9 of the emulator: its containers die with it; the next start removes its bridge and files',
  { skip: skipUnlessProcessMode },
  async () => {
    const preLinks = linkNames(hostLinks());
    const preNamespaces = new Set(foreignNetnsProcesses().keys());
    const child = spawn(
      process.execPath,
      [
        'emulator/main.ts',
        '--containers',
        'process',
        '--no-quotas',
        '--vswitch',
        'vsw-emu-h=cn-hangzhou-h:10.239.0.0/24',
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    try {
      const [line] = (await once(createInterface({ input: child.stdout }), 'line')) as [string];
      const endpoint = /listening on https?:\/\/(\S+)/.exec(line)?.[1] ?? '';
      const client = eciClient(endpoint);
      const marker = `crash-marker-${process.pid}`;
      const { body } = await client.createContainerGroup(
        createRequest('doomed', [container('app', `echo ${marker}; while true; do sleep 0.2; done`)]),
      );
      const id = body?.containerGroupId ?? '';
      await waitForStatus(client, id, 'Running', 20_000);
      await waitFor(async () => (processTable().includes(marker) ? true : undefined), 15_000);
      const ours = [...linkNames(hostLinks())].filter((n) => !preLinks.has(n));
      const bridge = ours.find((n) => n.startsWith('eciemu'));
      assert.ok(bridge, ours.join(' '));
      const groupNamespaces = [...foreignNetnsProcesses().keys()].filter((ns) => !preNamespaces.has(ns));
      assert.equal(groupNamespaces.length, 1);
      const dirs = () => readdirSync(tmpdir()).filter((d) => d.startsWith(`eci-emu-${child.pid}-${id}-`));
      assert.equal(dirs().length, 1);

      child.kill('SIGKILL');
      await once(child, 'exit');
      // The parent-death signal takes the pause process and the container down: the namespace and veth go too.
      await waitFor(async () => (processTable().includes(marker) ? undefined : true), 10_000);
      await waitFor(
        async () => (foreignNetnsProcesses().has(groupNamespaces[0] ?? '') ? undefined : true),
        10_000,
      );
      const veth = ours.find((n) => n.startsWith('ev'));
      await waitFor(async () => (linkNames(hostLinks()).has(veth ?? '') ? undefined : true), 10_000);
      assert.ok(linkNames(hostLinks()).has(bridge), 'the bridge outlives a kill -9');

      const next = await startProcessEmulator(240);
      await next.emu.close();
      assert.ok(!linkNames(hostLinks()).has(bridge), `bridge ${bridge} not removed`);
      assert.deepEqual(dirs(), []);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  },
);
