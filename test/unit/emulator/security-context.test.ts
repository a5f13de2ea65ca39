// Process mode runs a container's ECI security context and its group's sysctls as ECI
// does: RunAsUser/RunAsGroup, ReadOnlyRootFilesystem, SecurityContext.Sysctl.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { containerScript } from '../../../emulator/process/container-script.ts';
import { nsenterArgs, userFromStatus } from '../../../emulator/process/exec.ts';
import { imageLinks } from '../../../emulator/process/image-table.ts';
import {
  capabilities,
  capabilitiesFromStatus,
  containerUser,
  readOnlyRoot,
} from '../../../emulator/process/security-context.ts';
import {
  dottedSysctlName,
  sysctlPath,
  sysctlRefusal,
  sysctlWrites,
} from '../../../emulator/process/sysctls.ts';
import { parseParams } from '../../../emulator/params.ts';
import { checkCreateRules, createContainerGroupSchema } from '../../../emulator/validate-create.ts';
import { ApiError } from '../../../emulator/errors.ts';

const launch = {
  containerDir: '/g/c/a.1',
  pidFile: '/g/c/a.1/pid',
  etcFiles: [],
  mounts: [{ source: '/g/volumes/data', target: '/data', readOnly: false }],
  hostPaths: [],
  terminationLog: { source: '/g/c/a.1/termination-log', target: '/dev/termination-log' },
  env: [] as [string, string][],
  workingDir: '/',
  argv: ['id', '-u'],
};

describe('RunAsUser and RunAsGroup', () => {
  test('the user and group come from the request; a uid alone gets gid 0; none means root', () => {
    const rows: [object, ReturnType<typeof containerUser>][] = [
      [{}, undefined],
      [{ SecurityContext: { RunAsUser: 65534 } }, { uid: 65534, gid: 0 }],
      [
        { SecurityContext: { RunAsUser: 1000 }, SecurityContextRunAsGroup: 3000 },
        { uid: 1000, gid: 3000 },
      ],
      [{ SecurityContextRunAsGroup: 5 }, { uid: 0, gid: 5 }],
      [{ SecurityContext: { RunAsUser: 0 } }, { uid: 0, gid: 0 }],
    ];
    for (const [spec, want] of rows) assert.deepEqual(containerUser(spec), want, JSON.stringify(spec));
  });

  test('the command is exec’d through setpriv with that uid and gid and no supplementary groups', () => {
    const last = containerScript({ ...launch, user: { uid: 65534, gid: 0 } })
      .trim()
      .split('\n')
      .pop();
    assert.equal(
      last,
      `exec chroot '/g/c/a.1/root' 'setpriv' '--reuid=65534' '--regid=0' '--clear-groups' '--' env -i -C '/' 'id' '-u'`,
    );
    assert.doesNotMatch(containerScript(launch), /setpriv/);
  });

  test('exec, probes and hooks enter as the user the container runs as, with its capabilities', () => {
    const status =
      'Name:\tsh\nUid:\t65534\t65534\t65534\t65534\nGid:\t0\t0\t0\t0\nCapBnd:\t0000000000001001\n';
    assert.deepEqual(userFromStatus(status), { uid: 65534, gid: 0 });
    assert.equal(userFromStatus('Uid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\n'), undefined);
    assert.deepEqual(capabilitiesFromStatus(status), ['chown', 'net_admin']);
    assert.equal(capabilitiesFromStatus('CapBnd:\t000001ffffffffff\n'), undefined, 'all of them: privileged');
    const args = nsenterArgs(7, [], ['id'], { user: { uid: 65534, gid: 0 }, capabilities: ['chown'] });
    assert.deepEqual(args.slice(args.indexOf('--') + 1, args.indexOf('env')), [
      'setpriv',
      '--bounding-set',
      '-all,+chown',
      '--reuid=65534',
      '--regid=0',
      '--clear-groups',
      '--',
    ]);
  });
});

describe('capabilities', () => {
  test('a container runtime’s default set plus Capability.Add; every one when privileged', () => {
    const defaults = capabilities({}) ?? [];
    assert.ok(defaults.includes('chown') && defaults.includes('net_bind_service'));
    assert.ok(!defaults.includes('net_admin') && !defaults.includes('sys_admin'));
    const added = capabilities({ SecurityContext: { Capability: { Add: ['NET_ADMIN', 'CAP_SYS_TIME'] } } });
    assert.ok(added?.includes('net_admin') && added.includes('sys_time'));
    assert.equal(capabilities({ SecurityContextPrivileged: true }), undefined);
    assert.equal(capabilities({ SecurityContextPrivileged: 'true' }), undefined);
  });

  test('the command keeps only its bounding set (root as well as a user)', () => {
    const last = containerScript({ ...launch, capabilities: ['chown', 'kill'] })
      .trim()
      .split('\n')
      .pop();
    assert.equal(
      last,
      `exec chroot '/g/c/a.1/root' 'setpriv' '--bounding-set' '-all,+chown,+kill' '--' env -i -C '/' 'id' '-u'`,
    );
  });
});

describe('ReadOnlyRootFilesystem', () => {
  test('read-only root: the root, /tmp and /run are remounted read-only after every mount', () => {
    assert.equal(readOnlyRoot({ SecurityContext: { ReadOnlyRootFilesystem: true } }), true);
    assert.equal(readOnlyRoot({}), false);
    const lines = containerScript({ ...launch, readOnlyRoot: true })
      .trim()
      .split('\n');
    const ro = lines.filter((l) => l.startsWith('mount -o remount,bind,ro '));
    assert.deepEqual(ro, [
      `mount -o remount,bind,ro '/g/c/a.1/root'`,
      `mount -o remount,bind,ro '/g/c/a.1/root/tmp'`,
      `mount -o remount,bind,ro '/g/c/a.1/root/run'`,
    ]);
    // After the volume's bind mount (which stays writable) and before the PID is published.
    const volume = lines.findIndex((l) => l.startsWith(`mount --bind '/g/volumes/data'`));
    const pid = lines.findIndex((l) => l.includes('hostpid'));
    const first = lines.indexOf(ro[0] ?? '');
    assert.ok(volume < first && first < pid, lines.join('\n'));
    assert.doesNotMatch(containerScript(launch), /remount,bind,ro '\/g\/c\/a\.1\/root'$/m);
  });
});

describe('sysctls', () => {
  test('names: dots or slashes as the separator, as the kubelet converts them', () => {
    assert.equal(dottedSysctlName('kernel/shm_rmid_forced'), 'kernel.shm_rmid_forced');
    assert.equal(dottedSysctlName('net/ipv4/conf/eth0.100/forwarding'), 'net.ipv4.conf.eth0/100.forwarding');
    assert.equal(sysctlPath('kernel/shm_rmid_forced'), '/proc/sys/kernel/shm_rmid_forced');
    assert.equal(sysctlPath('kernel.shm_rmid_forced'), '/proc/sys/kernel/shm_rmid_forced');
    assert.equal(
      sysctlPath('net/ipv4/conf/eth0.100/forwarding'),
      '/proc/sys/net/ipv4/conf/eth0.100/forwarding',
    );
    assert.deepEqual(sysctlWrites([{ Name: 'net.core.somaxconn', Value: '1024' }]), [
      { path: '/proc/sys/net/core/somaxconn', value: '1024' },
    ]);
  });

  test('only namespaced sysctls are taken; others, malformed names and empty values are refused', () => {
    for (const name of [
      'kernel.shm_rmid_forced',
      'kernel/shm_rmid_forced',
      'kernel.msgmax',
      'kernel.sem',
      'fs.mqueue.msg_max',
      'net.ipv4.ip_local_port_range',
    ]) {
      assert.equal(sysctlRefusal({ Name: name, Value: '1' }), undefined, name);
    }
    for (const name of ['vm.swappiness', 'kernel.hostname', 'net.ipv4.tcp_syncookies', 'bar..', 'foo bar']) {
      assert.ok(sysctlRefusal({ Name: name, Value: '1' }), name);
    }
    assert.ok(sysctlRefusal({ Name: 'net.core.somaxconn' }));
  });

  test('CreateContainerGroup refuses a sysctl ECI does not take, naming SecurityContext.Sysctl.N.Name', () => {
    const base = {
      SecurityGroupId: 'sg-emu',
      VSwitchId: 'vsw-emu-h',
      ContainerGroupName: 'ok-name',
      Container: [{ Name: 'c', Image: 'busybox' }],
    };
    const run = (sysctls: object[]) => () =>
      checkCreateRules(
        parseParams(createContainerGroupSchema, { ...base, SecurityContext: { Sysctl: sysctls } }),
      );
    assert.doesNotThrow(run([{ Name: 'kernel/shm_rmid_forced', Value: '1' }]));
    assert.throws(
      run([
        { Name: 'kernel.shm_rmid_forced', Value: '1' },
        { Name: 'vm.swappiness', Value: '1' },
      ]),
      (e: unknown) =>
        e instanceof ApiError &&
        e.code === 'InvalidParameter' &&
        /SecurityContext\.Sysctl\.2\.Name/.test(e.message),
    );
  });

  test('busybox images have /bin/sysctl (the sysctl specs call it by that path)', () => {
    assert.deepEqual(imageLinks('registry.k8s.io/e2e-test-images/busybox:1.37.0-1'), [
      { path: '/bin/sysctl', target: '/usr/sbin/sysctl' },
    ]);
    assert.deepEqual(imageLinks('debian:12'), []);
    assert.match(
      containerScript({ ...launch, links: imageLinks('busybox') }),
      /\nln -sf '\/usr\/sbin\/sysctl' '\/g\/c\/a\.1\/root\/bin\/sysctl'\n/,
    );
  });
});
