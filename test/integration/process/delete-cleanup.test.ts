// Process mode (issue 11): delete sends SIGTERM and honours the grace period,
// and stopping the emulator leaves no veth, bridge, process or directory behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { container, createRequest, describeOne, waitFor, waitForStatus } from '../emulator/sdk.ts';
import {
  $Eci,
  foreignNetnsProcesses,
  hostLinks,
  log,
  processTable,
  skipUnlessProcessMode,
  startProcessEmulator,
} from './helpers.ts';

test(
  'delete: SIGTERM first, SIGKILL only after TerminationGracePeriodSeconds',
  { skip: skipUnlessProcessMode },
  async () => {
    const t = await startProcessEmulator(233);
    try {
      const marker = `grace-marker-${process.pid}`;
      const { body } = await t.client.createContainerGroup(
        createRequest(
          'stubborn',
          [container('app', `trap "echo got TERM" TERM; echo ${marker}; while true; do sleep 0.2; done`)],
          {
            terminationGracePeriodSeconds: 3,
          },
        ),
      );
      const id = body?.containerGroupId ?? '';
      await waitForStatus(t.client, id, 'Running', 20_000);
      await waitFor(async () => ((await log(t, id, 'app')).includes(marker) ? true : undefined), 10_000);
      await t.client.deleteContainerGroup(new $Eci.DeleteContainerGroupRequest({ containerGroupId: id }));
      await waitFor(async () => ((await log(t, id, 'app')).includes('got TERM') ? true : undefined), 10_000);
      // The trap kept it alive: it is still there after SIGTERM, and the group still Terminating.
      assert.ok(processTable().includes(marker), 'process alive after SIGTERM');
      assert.equal((await describeOne(t.client, id))?.status, 'Terminating');
      // Then SIGKILL after the grace period, and the group goes.
      await waitFor(async () => (processTable().includes(marker) ? undefined : true), 15_000);
      await waitFor(async () => ((await describeOne(t.client, id)) === undefined ? true : undefined), 10_000);

      // A container that exits on SIGTERM is gone well before a long grace period.
      const polite = await t.client.createContainerGroup(
        createRequest(
          'polite',
          [container('app', `trap "exit 0" TERM; echo ${marker}-polite; while true; do sleep 0.2; done`)],
          { terminationGracePeriodSeconds: 600 },
        ),
      );
      const pid = polite.body?.containerGroupId ?? '';
      await waitForStatus(t.client, pid, 'Running', 20_000);
      // Running means the shell was started, not that it has run `trap` yet (as on a kubelet):
      // a SIGTERM before that is one PID 1 has no handler for, which the kernel drops.
      await waitFor(
        async () => ((await log(t, pid, 'app')).includes(`${marker}-polite`) ? true : undefined),
        10_000,
      );
      await t.client.deleteContainerGroup(new $Eci.DeleteContainerGroupRequest({ containerGroupId: pid }));
      await waitFor(
        async () => ((await describeOne(t.client, pid)) === undefined ? true : undefined),
        30_000,
      );
    } finally {
      await t.emu.close();
    }
  },
);

test(
  'stopping the emulator leaves no bridge, veth, namespace process or directory',
  { skip: skipUnlessProcessMode },
  async () => {
    // Other emulators may run on this host at the same time: only what appeared after our start is ours.
    const linkNames = (text: string) =>
      new Set([...text.matchAll(/^\d+: ([^:@]+)[:@]/gm)].map((m) => m[1] ?? ''));
    const preLinks = linkNames(hostLinks());
    const preNamespaces = new Set(foreignNetnsProcesses().keys());
    const t = await startProcessEmulator(234);
    let closed = false;
    try {
      const marker = `cleanup-marker-${process.pid}`;
      const ids: string[] = [];
      for (const name of ['one', 'two']) {
        const { body } = await t.client.createContainerGroup(
          createRequest(name, [
            container('app', `echo ${marker}; while true; do sleep 1; done`),
            container('web', undefined, {
              image: 'nginx',
              port: [new $Eci.CreateContainerGroupRequestContainerPort({ port: 80 })],
            }),
          ]),
        );
        ids.push(body?.containerGroupId ?? '');
      }
      for (const id of ids) await waitForStatus(t.client, id, 'Running', 20_000);
      await waitFor(
        async () => ((await log(t, ids[1] ?? '', 'app')).includes(marker) ? true : undefined),
        10_000,
      );
      const ours = [...linkNames(hostLinks())].filter((n) => !preLinks.has(n));
      assert.equal(ours.filter((n) => /^eciemu[0-9a-f]{6}$/.test(n)).length, 1, ours.join(' '));
      assert.equal(ours.filter((n) => /^ev[0-9a-f]{8}$/.test(n)).length, 2, ours.join(' '));
      assert.ok(processTable().includes(marker));
      const dirs = () =>
        readdirSync(tmpdir()).filter((d) => ids.some((id) => d.startsWith(`eci-emu-${process.pid}-${id}-`)));
      assert.equal(dirs().length, 2);
      // Each group has its own network namespace holding its pause and container processes.
      const groupNamespaces = [...foreignNetnsProcesses().keys()].filter((ns) => !preNamespaces.has(ns));
      assert.equal(groupNamespaces.length, 2);

      await t.emu.close();
      closed = true;
      const left = linkNames(hostLinks());
      assert.deepEqual(
        ours.filter((n) => left.has(n)),
        [],
        'links left behind',
      );
      assert.ok(!processTable().includes(marker), 'container process left behind');
      const namespaces = foreignNetnsProcesses();
      for (const ns of groupNamespaces)
        assert.equal(namespaces.get(ns), undefined, `processes left in ${ns}`);
      assert.deepEqual(dirs(), []);
    } finally {
      if (!closed) await t.emu.close();
    }
  },
);
