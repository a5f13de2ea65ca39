// Child process for signals.test.ts: two process-mode emulators in one process, a
// running group on each; prints their bridges and group ids, then waits for a signal.
import { container, createRequest, waitFor } from '../emulator/sdk.ts';
import { log, startProcessEmulator } from './helpers.ts';

const ids: string[] = [];
for (const octet of [241, 242]) {
  const t = await startProcessEmulator(octet);
  const { body } = await t.client.createContainerGroup(
    createRequest('sig', [
      container('app', `echo signal-marker-${process.pid}; while true; do sleep 0.2; done`),
    ]),
  );
  const id = body?.containerGroupId ?? '';
  await waitFor(async () => ((await log(t, id, 'app')).includes('signal-marker') ? true : undefined), 20_000);
  ids.push(id);
}
process.stdout.write(`ready ${ids.join(' ')}\n`);
setInterval(() => {}, 1 << 30);
