// Process mode (issue 11): a process that hosts emulators in-process and dies of an
// unhandled SIGTERM still leaves nothing behind, however many emulators it ran.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { waitFor } from '../emulator/sdk.ts';
import { foreignNetnsProcesses, hostLinks, processTable, skipUnlessProcessMode } from './helpers.ts';

const linkNames = (text: string) =>
  new Set([...text.matchAll(/^\d+: ([^:@]+)[:@]/gm)].map((m) => m[1] ?? ''));

test(
  'SIGTERM to a process running two emulators: every group, veth and bridge is gone',
  { skip: skipUnlessProcessMode },
  async () => {
    const preLinks = linkNames(hostLinks());
    const preNamespaces = new Set(foreignNetnsProcesses().keys());
    const child = spawn(process.execPath, ['test/integration/process/two-emulators-child.ts'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      const [line] = (await once(createInterface({ input: child.stdout }), 'line')) as [string];
      assert.match(line, /^ready eci-\S+ eci-\S+$/);
      const ours = [...linkNames(hostLinks())].filter((n) => !preLinks.has(n));
      assert.equal(ours.filter((n) => n.startsWith('eciemu')).length, 2, ours.join(' '));
      const namespaces = [...foreignNetnsProcesses().keys()].filter((ns) => !preNamespaces.has(ns));
      assert.equal(namespaces.length, 2);

      child.kill('SIGTERM');
      const [, signal] = (await once(child, 'exit')) as [number | null, string | null];
      assert.equal(signal, 'SIGTERM'); // it still dies of the signal
      const left = linkNames(hostLinks());
      assert.deepEqual(
        ours.filter((n) => left.has(n)),
        [],
      );
      await waitFor(
        async () => (processTable().includes(`signal-marker-${child.pid}`) ? undefined : true),
        5000,
      );
      const after = foreignNetnsProcesses();
      for (const ns of namespaces) assert.equal(after.get(ns), undefined, `processes left in ${ns}`);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  },
);
