// Process mode (issue 11): a group's IntranetIp is reachable from the host, its
// hostname and /etc files come from the request, and exec runs for real.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { container, createRequest, waitFor, waitForStatus, type TestEmulator } from '../emulator/sdk.ts';
import { $Eci, log, skipUnlessProcessMode, startProcessEmulator } from './helpers.ts';

async function execWs(t: TestEmulator, id: string, name: string, command: string[], input: string[] = []) {
  const r = await t.client.execContainerCommand(
    new $Eci.ExecContainerCommandRequest({
      containerGroupId: id,
      containerName: name,
      command: JSON.stringify(command),
      stdin: input.length > 0,
    }),
  );
  const ws = new WebSocket(r.body?.webSocketUri ?? '');
  let output = '';
  ws.on('message', (d) => (output += String(d)));
  await new Promise((resolve) => ws.once('open', resolve));
  for (const line of input) ws.send(line);
  const reason = await new Promise<string>((resolve) =>
    ws.once('close', (_code, why) => resolve(String(why))),
  );
  return { output, reason };
}

describe('process mode: network, files and exec', { skip: skipUnlessProcessMode }, () => {
  let t: TestEmulator;
  let webId = '';
  let webIp = '';
  before(async () => {
    t = await startProcessEmulator(232);
    const { body } = await t.client.createContainerGroup(
      createRequest(
        'web-pod',
        [
          new $Eci.CreateContainerGroupRequestContainer({
            name: 'web',
            image: 'registry.example.com/library/nginx:1.25',
            port: [new $Eci.CreateContainerGroupRequestContainerPort({ port: 8080, protocol: 'TCP' })],
          }),
          container('shell', 'echo started; while true; do sleep 1; done', {
            environmentVar: [
              new $Eci.CreateContainerGroupRequestContainerEnvironmentVar({ key: 'ROLE', value: 'sidecar' }),
            ],
          }),
        ],
        {
          hostAliase: [
            new $Eci.CreateContainerGroupRequestHostAliase({
              ip: '10.9.9.9',
              hostname: ['db.internal', 'db'],
            }),
          ],
          dnsConfig: new $Eci.CreateContainerGroupRequestDnsConfig({
            nameServer: ['10.96.0.10'],
            search: ['default.svc.cluster.local'],
            option: [new $Eci.CreateContainerGroupRequestDnsConfigOption({ name: 'ndots', value: '5' })],
          }),
        },
      ),
    );
    webId = body?.containerGroupId ?? '';
    const g = await waitForStatus(t.client, webId, 'Running', 20_000);
    webIp = g.intranetIp ?? '';
  });
  after(async () => {
    await t?.emu.close();
  });

  test("an nginx group's declared port answers HTTP at its IntranetIp from the host", async () => {
    assert.match(webIp, /^10\.232\.0\.\d+$/);
    const text = await (async () => {
      for (let i = 0; ; i++) {
        try {
          return await (await fetch(`http://${webIp}:8080/hello`)).text();
        } catch (e) {
          if (i > 100) throw e;
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    })();
    assert.equal(text, 'eci-emulator web server: pod web-pod port 8080\n');
    assert.match(await log(t, webId, 'web'), /^GET \/hello 8080$/m);
  });

  test('exec (Sync) runs in the container: its hostname, env, /etc/hosts and resolv.conf', async () => {
    const run = async (cmd: string) =>
      (
        await t.client.execContainerCommand(
          new $Eci.ExecContainerCommandRequest({
            containerGroupId: webId,
            containerName: 'shell',
            command: JSON.stringify(['sh', '-c', cmd]),
            sync: true,
          }),
        )
      ).body?.syncResponse ?? '';
    assert.equal(await run('hostname'), 'web-pod\n');
    assert.equal(await run('echo $ROLE'), 'sidecar\n');
    const hosts = await run('cat /etc/hosts');
    assert.match(hosts, new RegExp(`^${webIp.replace(/\./g, '\\.')}\\tweb-pod$`, 'm'));
    assert.match(hosts, /^10\.9\.9\.9\tdb\.internal\tdb$/m);
    assert.equal(
      await run('cat /etc/resolv.conf'),
      'nameserver 10.96.0.10\nsearch default.svc.cluster.local\noptions ndots:5\n',
    );
    // Its own PID namespace: PID 1 is the container's command; the root filesystem is read-only underneath.
    assert.match(await run('cat /proc/1/cmdline | tr "\\0" " "'), /^sh -c echo started/);
    assert.equal(await run('touch /usr/x && ls /usr/x'), '/usr/x\n');
    assert.match(await run('ip -4 -o addr show eth0'), new RegExp(`inet ${webIp.replace(/\./g, '\\.')}/24`));
  });

  test('exec over the WebSocket returns the real output and exit code; an interactive sh reads stdin', async () => {
    const once = await execWs(t, webId, 'shell', ['sh', '-c', 'echo out-$ROLE; echo err >&2; exit 7']);
    assert.match(once.output, /out-sidecar\n/);
    assert.match(once.output, /err\n/);
    assert.equal(once.reason, 'exit 7');
    const shell = await execWs(t, webId, 'shell', ['sh'], ['echo "$((6*7))"', 'cat /etc/hostname', 'exit 4']);
    assert.equal(shell.output, '42\nweb-pod\n');
    assert.equal(shell.reason, 'exit 4');
  });

  test('exec with Stdin passes the bytes through as sent (no line endings added)', async () => {
    const r = await t.client.execContainerCommand(
      new $Eci.ExecContainerCommandRequest({
        containerGroupId: webId,
        containerName: 'shell',
        command: JSON.stringify(['cat']),
        stdin: true,
      }),
    );
    const ws = new WebSocket(r.body?.webSocketUri ?? '');
    let output = '';
    ws.on('message', (d) => (output += String(d)));
    await new Promise((resolve) => ws.once('open', resolve));
    ws.send('no-newline');
    ws.send(Buffer.from(' and bytes'));
    await waitFor(async () => (output === 'no-newline and bytes' ? true : undefined), 10_000);
    ws.close();
  });
});
