// HTTPS: the SDK with its default protocol (https) and Config.ca talks to an
// emulator serving a certificate from a test CA; without the CA it refuses.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import Eci, * as $Eci from '@alicloud/eci20180808';
import * as $OpenApi from '@alicloud/openapi-client';
import { WebSocket } from 'ws';
import { createCertificateAuthority, issueCertificate } from '../../../shared/x509.ts';
import { startEmulator, type EmulatorHandle } from '../../../emulator/index.ts';
import { waitFor } from './sdk.ts';

let emu: EmulatorHandle;
let caPem = '';
before(async () => {
  const ca = await createCertificateAuthority('eci-emulator-test-ca');
  const leaf = await issueCertificate(ca, {
    commonName: '127.0.0.1',
    ipAddresses: ['127.0.0.1'],
    usage: 'server',
  });
  caPem = ca.certPem;
  emu = await startEmulator({ logLevel: 'silent', tls: leaf, timing: { schedulingMs: 20, pendingMs: 20 } });
});
after(async () => {
  await emu.close();
});

function client(ca?: string) {
  return new Eci.default(
    new $OpenApi.Config({
      accessKeyId: 'emulator-access-key-id',
      accessKeySecret: 'emulator-access-key-secret',
      endpoint: emu.endpoint,
      ...(ca ? { ca } : {}),
    }),
  );
}

describe('HTTPS', () => {
  test('the handle reports an https URL and the SDK works with Config.ca', async () => {
    assert.match(emu.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    const r = await client(caPem).describeRegions(new $Eci.DescribeRegionsRequest({}));
    assert.equal(r.body?.regions?.[0]?.regionId, 'cn-hangzhou');
  });

  test('exec URLs use wss:// over HTTPS', async () => {
    const c = client(caPem);
    const { body } = await c.createContainerGroup(
      new $Eci.CreateContainerGroupRequest({
        containerGroupName: 'tls',
        securityGroupId: 'sg-emu',
        vSwitchId: 'vsw-emu-h',
        container: [new $Eci.CreateContainerGroupRequestContainer({ name: 'c', image: 'nginx' })],
      }),
    );
    const id = body?.containerGroupId ?? '';
    await waitFor(async () => {
      const d = await c.describeContainerGroups(
        new $Eci.DescribeContainerGroupsRequest({ containerGroupIds: JSON.stringify([id]) }),
      );
      return d.body?.containerGroups?.[0]?.status === 'Running' ? true : undefined;
    });
    const r = await c.execContainerCommand(
      new $Eci.ExecContainerCommandRequest({
        containerGroupId: id,
        containerName: 'c',
        command: '["echo","over tls"]',
      }),
    );
    const uri = r.body?.webSocketUri ?? '';
    assert.match(uri, /^wss:\/\/127\.0\.0\.1:\d+\/_exec\/[0-9a-f]{32}$/);
    const ws = new WebSocket(uri, { ca: caPem });
    const got = await new Promise<string>((resolve, reject) => {
      ws.once('message', (d) => resolve(String(d)));
      ws.once('error', reject);
    });
    assert.equal(got, 'over tls\n');
    ws.close();
  });

  test('without the CA the TLS handshake is refused', async () => {
    await assert.rejects(client().describeRegions(new $Eci.DescribeRegionsRequest({})), /certificate/i);
  });
});
