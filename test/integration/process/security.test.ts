// Process mode runs a group's security context as ECI does: RunAsUser/RunAsGroup,
// ReadOnlyRootFilesystem (volumes stay writable), and SecurityContext.Sysctl set in the
// group's own IPC and network namespaces (the host's values do not change); and the images
// the security-context specs use behave as theirs do: nonewprivs' setuid-root nnp, busybox's ash.
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { container, createRequest, waitForStatus, type TestEmulator } from '../emulator/sdk.ts';
import { $Eci, log, skipUnlessProcessMode, startProcessEmulator } from './helpers.ts';

const emptyDir = new $Eci.CreateContainerGroupRequestVolume({ name: 'data', type: 'EmptyDirVolume' });
const dataMount = [
  new $Eci.CreateContainerGroupRequestContainerVolumeMount({ name: 'data', mountPath: '/data' }),
];

describe('process mode: security context and sysctls', { skip: skipUnlessProcessMode }, () => {
  let t: TestEmulator;
  before(async () => {
    t = await startProcessEmulator(243);
  });
  after(async () => {
    await t?.emu.close();
  });

  async function runToEnd(name: string, c: $Eci.CreateContainerGroupRequestContainer, extra = {}) {
    const { body } = await t.client.createContainerGroup(
      createRequest(name, [c], { restartPolicy: 'Never', volume: [emptyDir], ...extra }),
    );
    const id = body?.containerGroupId ?? '';
    const g = await waitFor(id);
    return { g, out: await log(t, id, c.name ?? '') };
  }

  async function waitFor(id: string) {
    for (const status of ['Succeeded', 'Failed']) {
      try {
        return await waitForStatus(t.client, id, status, 10_000);
      } catch {
        // the other one
      }
    }
    throw new Error(`group ${id} did not finish`);
  }

  test('RunAsUser and RunAsGroup: the command runs as that uid and gid, without supplementary groups', async () => {
    const { g, out } = await runToEnd(
      'as-nobody',
      container('app', 'id -u; id -g; id -G; touch /data/x && echo volume writable', {
        volumeMount: dataMount,
        securityContext: new $Eci.CreateContainerGroupRequestContainerSecurityContext({ runAsUser: 65534 }),
        securityContextRunAsGroup: 3000,
      }),
    );
    assert.equal(g.status, 'Succeeded', out);
    assert.equal(out, '65534\n3000\n3000\nvolume writable\n');
  });

  test('ReadOnlyRootFilesystem: writing the root or /tmp fails, a volume stays writable', async () => {
    const script =
      'touch /checkfile 2>/dev/null && echo root writable; touch /tmp/x 2>/dev/null && echo tmp writable; touch /data/x && echo volume writable';
    const { out } = await runToEnd(
      'read-only',
      container('app', script, {
        volumeMount: dataMount,
        securityContext: new $Eci.CreateContainerGroupRequestContainerSecurityContext({
          readOnlyRootFilesystem: true,
        }),
      }),
    );
    assert.equal(out, 'volume writable\n');
    const writable = await runToEnd('read-write', container('app', script, { volumeMount: dataMount }));
    assert.equal(writable.out, 'root writable\ntmp writable\nvolume writable\n');
  });

  test('capabilities: a runtime’s default set (no NET_ADMIN) unless Capability.Add grants it', async () => {
    // veth: this kernel may lack the dummy type the e2e spec uses; the permission check comes first either way.
    const script = 'ip link add v0 type veth peer name v1 && echo added || echo refused';
    const plain = await runToEnd('caps-default', container('app', script));
    assert.match(plain.out, /Operation not permitted/);
    assert.match(plain.out, /refused\n$/);
    const granted = await runToEnd(
      'caps-net-admin',
      container('app', script, {
        securityContext: new $Eci.CreateContainerGroupRequestContainerSecurityContext({
          capability: new $Eci.CreateContainerGroupRequestContainerSecurityContextCapability({
            add: ['NET_ADMIN'],
          }),
        }),
      }),
    );
    assert.equal(granted.out, 'added\n');
  });

  test('nonewprivs: its setuid-root nnp escalates for a non-root RunAsUser (nothing sets no_new_privs)', async () => {
    const asUser = new $Eci.CreateContainerGroupRequestContainerSecurityContext({ runAsUser: 1000 });
    const image = 'registry.k8s.io/e2e-test-images/nonewprivs:1.4';
    const cmd = await runToEnd('nnp', container('nnp', undefined, { image, securityContext: asUser }));
    assert.equal(cmd.g.status, 'Succeeded', cmd.out);
    assert.equal(cmd.out, 'Effective uid: 0\n'); // the image's CMD
    const shell = await runToEnd(
      'nnp-id',
      container('nnp', 'id -u; nnp', { image, securityContext: asUser }),
    );
    assert.equal(shell.out, '1000\nEffective uid: 0\n');
  });

  test('busybox: /bin/sh is ash, with its messages, passing on variables whose names are not identifiers', async () => {
    const env = ['data-1', '#@!data-2', '* +,-./0123456789'].map(
      (key) => new $Eci.CreateContainerGroupRequestContainerEnvironmentVar({ key, value: 'v' }),
    );
    const { out } = await runToEnd(
      'ash',
      container('app', undefined, {
        command: ['/bin/sh', '-c', 'echo test > /file; env | grep =v | sort'],
        environmentVar: env,
        securityContext: new $Eci.CreateContainerGroupRequestContainerSecurityContext({
          readOnlyRootFilesystem: true,
        }),
      }),
    );
    // Lines from stderr and stdout may arrive in either order.
    assert.deepEqual(out.split('\n').sort(), [
      '',
      '#@!data-2=v',
      '* +,-./0123456789=v',
      "/bin/sh: can't create /file: Read-only file system",
      'data-1=v',
    ]);
  });

  test('sysctls (dots or slashes) are set in the group’s IPC and network namespaces, not on the host', async () => {
    const hostShm = readFileSync('/proc/sys/kernel/shm_rmid_forced', 'utf8').trim();
    const hostSomaxconn = readFileSync('/proc/sys/net/core/somaxconn', 'utf8').trim();
    const { g, out } = await runToEnd(
      'sysctls',
      container('app', '/bin/sysctl kernel/shm_rmid_forced; cat /proc/sys/net/core/somaxconn'),
      {
        securityContext: new $Eci.CreateContainerGroupRequestSecurityContext({
          sysctl: [
            new $Eci.CreateContainerGroupRequestSecurityContextSysctl({
              name: 'kernel/shm_rmid_forced',
              value: hostShm === '1' ? '0' : '1',
            }),
            new $Eci.CreateContainerGroupRequestSecurityContextSysctl({
              name: 'net.core.somaxconn',
              value: '777',
            }),
          ],
        }),
      },
    );
    assert.equal(g.status, 'Succeeded', out);
    assert.equal(out, `kernel.shm_rmid_forced = ${hostShm === '1' ? '0' : '1'}\n777\n`);
    assert.equal(readFileSync('/proc/sys/kernel/shm_rmid_forced', 'utf8').trim(), hostShm);
    assert.equal(readFileSync('/proc/sys/net/core/somaxconn', 'utf8').trim(), hostSomaxconn);
  });
});
