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
        createRequest('polite', [container('app', `trap "exit 0" TERM; while true; do sleep 0.2; done`)], {
          terminationGracePeriodSeconds: 600,
        }),
      );
      const pid = polite.body?.containerGroupId ?? '';
      await waitForStatus(t.client, pid, 'Running', 20_000);
      await new Promise((r) => setTimeout(r, 300));
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
      const links = hostLinks();
      assert.match(links, /eciemu[0-9a-f]{6}/);
      assert.equal((links.match(/\bev[0-9a-f]{8}@/g) ?? []).length >= 2, true, links);
      assert.ok(processTable().includes(marker));
      const bridge = /eciemu[0-9a-f]{6}/.exec(links)?.[0] ?? '';
      const dirs = () =>
        readdirSync(tmpdir()).filter((d) => ids.some((id) => d.startsWith(`eci-emu-${id}-`)));
      assert.equal(dirs().length, 2);
      const before = foreignNetnsProcesses();
      // Each group has its own network namespace holding its pause and container processes.
      const groupNamespaces = [...before.keys()].filter((ns) => (before.get(ns)?.length ?? 0) >= 3);
      assert.ok(groupNamespaces.length >= 2, `group namespaces: ${JSON.stringify([...before])}`);

      await t.emu.close();
      closed = true;
      const after = hostLinks();
      assert.ok(!after.includes(bridge), `bridge ${bridge} left behind`);
      assert.equal(
        (after.match(/\bev[0-9a-f]{8}@/g) ?? []).filter((l) => links.includes(l)).length,
        0,
        after,
      );
      const ps = processTable();
      assert.ok(!ps.includes(marker), 'container process left behind');
      assert.ok(
        !ps.includes('pause web-pod') && !ps.includes('exec sleep infinity pause one'),
        'pause process left behind',
      );
      assert.deepEqual(dirs(), []);
    } finally {
      if (!closed) await t.emu.close();
    }
  },
);
