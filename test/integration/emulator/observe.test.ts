// Logs, exec (sync and WebSocket) and metrics through the SDK.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { WebSocket } from 'ws';
import {
  $Eci,
  apiError,
  container,
  createRequest,
  startTestEmulator,
  waitFor,
  waitForStatus,
  type TestEmulator,
} from './sdk.ts';

let t: TestEmulator;
let logId = '';
let webId = '';
before(async () => {
  t = await startTestEmulator();
  const logs = await t.client.createContainerGroup(
    createRequest('logs', [container('app', 'echo one; echo two; echo three; sleep 1; echo four; exit 0')], {
      restartPolicy: 'Never',
    }),
  );
  logId = logs.body?.containerGroupId ?? '';
  const web = await t.client.createContainerGroup(
    createRequest('web', [
      container('web', undefined, {
        image: 'nginx:1.25',
        cpu: 1,
        memory: 2,
        environmentVar: [
          new $Eci.CreateContainerGroupRequestContainerEnvironmentVar({ key: 'MODE', value: 'prod' }),
        ],
      }),
    ]),
  );
  webId = web.body?.containerGroupId ?? '';
  await waitForStatus(t.client, logId, 'Succeeded');
  await waitForStatus(t.client, webId, 'Running');
});
after(async () => {
  await t.emu.close();
});

function log(extra: Partial<ConstructorParameters<typeof $Eci.DescribeContainerLogRequest>[0]> = {}) {
  return t.client
    .describeContainerLog(
      new $Eci.DescribeContainerLogRequest({ containerGroupId: logId, containerName: 'app', ...extra }),
    )
    .then((r) => r.body?.content ?? '');
}

describe('DescribeContainerLog', () => {
  test('returns what the script echoed, with Tail, LimitBytes and Timestamps', async () => {
    assert.equal(await log(), 'one\ntwo\nthree\nfour\n');
    assert.equal(await log({ tail: 2 }), 'three\nfour\n');
    assert.equal(await log({ limitBytes: 6 }), 'one\ntw');
    const stamped = await log({ tail: 1, timestamps: true });
    assert.match(stamped, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{9}Z four\n$/);
  });

  test('SinceSeconds keeps only recent lines', async () => {
    // All lines were printed well over 0 s ago; a 3600 s window keeps them all.
    assert.equal(await log({ sinceSeconds: 3600 }), 'one\ntwo\nthree\nfour\n');
    await new Promise((r) => setTimeout(r, 1100));
    assert.equal(await log({ sinceSeconds: 1 }), '');
  });

  test('an unknown container or group is NotFound', async () => {
    const e = await apiError(log({ containerName: 'nope' }));
    assert.deepEqual([e.code, e.statusCode], ['InvalidContainer.NotFound', 404]);
    const g = await apiError(log({ containerGroupId: 'eci-missing' }));
    assert.equal(g.code, 'InvalidContainerGroup.NotFound');
  });
});

describe('ExecContainerCommand', () => {
  test('Sync mode returns the simulated output', async () => {
    const run = async (cmd: string[]) =>
      (
        await t.client.execContainerCommand(
          new $Eci.ExecContainerCommandRequest({
            containerGroupId: webId,
            containerName: 'web',
            command: JSON.stringify(cmd),
            sync: true,
            TTY: false,
            stdin: false,
          }),
        )
      ).body?.syncResponse;
    assert.equal(await run(['/bin/sh', '-c', 'echo hello; echo world']), 'hello\nworld\n');
    assert.equal(await run(['env']), 'MODE=prod\n');
    assert.equal(await run(['hostname']), 'web\n');
  });

  test('interactive mode returns a WebSocketUri the emulator serves', async () => {
    const r = await t.client.execContainerCommand(
      new $Eci.ExecContainerCommandRequest({
        containerGroupId: webId,
        containerName: 'web',
        command: '["sh"]',
        TTY: true,
        stdin: true,
      }),
    );
    const uri = r.body?.webSocketUri ?? '';
    assert.match(uri, /^ws:\/\/127\.0\.0\.1:\d+\/_exec\/[0-9a-f]{32}$/);
    const ws = new WebSocket(uri);
    const received: string[] = [];
    ws.on('message', (d) => received.push(String(d)));
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    ws.send('echo ping');
    ws.send('cat /etc/hostname');
    await waitFor(async () => (received.join('') === 'ping\nweb\n' ? true : undefined));
    const closed = new Promise<[number, string]>((resolve) =>
      ws.once('close', (code, reason) => resolve([code, String(reason)])),
    );
    ws.send('exit 0');
    assert.deepEqual(await closed, [1000, 'exit 0']);
    // The URI is single-use.
    const again = new WebSocket(uri);
    await assert.rejects(
      new Promise((resolve, reject) => {
        again.once('open', resolve);
        again.once('error', reject);
      }),
      /404/,
    );
  });

  test('exec into a container that is not running is IncorrectStatus', async () => {
    const e = await apiError(
      t.client.execContainerCommand(
        new $Eci.ExecContainerCommandRequest({
          containerGroupId: logId,
          containerName: 'app',
          command: '["ls"]',
          sync: true,
        }),
      ),
    );
    assert.deepEqual([e.code, e.statusCode], ['IncorrectStatus', 403]);
  });
});

describe('metrics', () => {
  test('DescribeContainerGroupMetric returns records whose counters move over time', async () => {
    const get = async () =>
      (
        await t.client.describeContainerGroupMetric(
          new $Eci.DescribeContainerGroupMetricRequest({ containerGroupId: webId, period: '5' }),
        )
      ).body;
    const a = await get();
    assert.equal(a?.containerGroupId, webId);
    const lastA = a?.records?.[a.records.length - 1];
    assert.ok(lastA?.CPU?.usageNanoCores && lastA.CPU.usageNanoCores > 0);
    assert.equal(lastA?.containers?.[0]?.name, 'web');
    assert.ok((lastA?.memory?.workingSet ?? 0) > 0);
    await new Promise((r) => setTimeout(r, 1100));
    const b = await get();
    const lastB = b?.records?.[b.records.length - 1];
    assert.ok((lastB?.CPU?.usageCoreNanoSeconds ?? 0) > (lastA?.CPU?.usageCoreNanoSeconds ?? 0));
    assert.ok(
      (lastB?.network?.interfaces?.[0]?.rxBytes ?? 0) > (lastA?.network?.interfaces?.[0]?.rxBytes ?? 0),
    );
  });

  test('DescribeMultiContainerGroupMetric returns one entry per group', async () => {
    const r = await t.client.describeMultiContainerGroupMetric(
      new $Eci.DescribeMultiContainerGroupMetricRequest({
        containerGroupIds: JSON.stringify([webId, logId]),
      }),
    );
    const byId = new Map((r.body?.monitorDatas ?? []).map((m) => [m.containerGroupId, m.records?.length]));
    assert.equal(byId.get(webId), 1);
    assert.equal(byId.get(logId), 0, 'a finished group has no current sample');
  });
});
