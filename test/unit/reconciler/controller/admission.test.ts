import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { V1Pod } from '@kubernetes/client-node';
import { admissionRejection } from '../../../../reconciler/controller/admission.ts';

const pod = (os?: string): V1Pod => ({
  metadata: { name: 'p', namespace: 'ns' },
  spec: { containers: [{ name: 'c', image: 'busybox' }], ...(os ? { os: { name: os } } : {}) },
});

test('a pod for another OS is rejected with the kubelet reason; Linux or unset is admitted', () => {
  assert.deepEqual(admissionRejection(pod('windows')), {
    reason: 'PodOSNotSupported',
    message: "Failed to admit pod as the OS field doesn't match node OS",
  });
  assert.equal(admissionRejection(pod('linux')), undefined);
  assert.equal(admissionRejection(pod()), undefined);
});

const withSysctls = (names: string[], extra: Partial<NonNullable<V1Pod['spec']>> = {}): V1Pod => ({
  metadata: { name: 'p', namespace: 'ns' },
  spec: {
    containers: [{ name: 'c', image: 'busybox' }],
    securityContext: { sysctls: names.map((name) => ({ name, value: '1' })) },
    ...extra,
  },
});

test("sysctls: the kubelet's safe set is admitted, in dotted or slashed form", () => {
  const safe = [
    'kernel.shm_rmid_forced',
    'kernel/shm_rmid_forced',
    'net.ipv4.ip_local_port_range',
    'net.ipv4.tcp_syncookies',
    'net.ipv4.ping_group_range',
    'net.ipv4.ip_unprivileged_port_start',
    'net.ipv4.ip_local_reserved_ports',
    'net.ipv4.tcp_keepalive_time',
    'net.ipv4.tcp_fin_timeout',
    'net.ipv4.tcp_keepalive_intvl',
    'net.ipv4.tcp_keepalive_probes',
    'net.ipv4.tcp_rmem',
    'net/ipv4/tcp_wmem',
  ];
  assert.equal(admissionRejection(withSysctls(safe)), undefined);
});

test('sysctls: an unsafe one not allowed fails the pod with SysctlForbidden and the kubelet message', () => {
  const cases: [string[], string][] = [
    [['kernel.msgmax'], 'forbidden sysctl: "kernel.msgmax" not allowlisted'],
    [
      ['kernel.shm_rmid_forced', 'net/core/somaxconn'],
      'forbidden sysctl: "net.core.somaxconn" not allowlisted',
    ],
    [['vm.min_free_kbytes'], 'forbidden sysctl: "vm.min_free_kbytes" not allowlisted'],
  ];
  for (const [names, message] of cases)
    assert.deepEqual(
      admissionRejection(withSysctls(names)),
      { reason: 'SysctlForbidden', message },
      names.join(),
    );
});

test('sysctls: --allowed-unsafe-sysctls names and prefix patterns admit them', () => {
  const allowed = ['kernel.msgmax', 'net.core.*'];
  assert.equal(admissionRejection(withSysctls(['kernel.msgmax', 'net.core.somaxconn']), allowed), undefined);
  assert.equal(admissionRejection(withSysctls(['kernel.msgmnb']), allowed)?.reason, 'SysctlForbidden');
});

test('sysctls: a network or IPC sysctl is refused when the pod shares that host namespace', () => {
  assert.deepEqual(admissionRejection(withSysctls(['net.ipv4.tcp_syncookies'], { hostNetwork: true })), {
    reason: 'SysctlForbidden',
    message: 'forbidden sysctl: "net.ipv4.tcp_syncookies" not allowed with host Net enabled',
  });
  assert.deepEqual(admissionRejection(withSysctls(['kernel.shm_rmid_forced'], { hostIPC: true })), {
    reason: 'SysctlForbidden',
    message: 'forbidden sysctl: "kernel.shm_rmid_forced" not allowed with host IPC enabled',
  });
  assert.equal(admissionRejection(withSysctls(['kernel.shm_rmid_forced'], { hostNetwork: true })), undefined);
});

test("sysctls: --allowed-unsafe-sysctls in the kubelet's forms (slashed names, kernel.msg*, net.*)", () => {
  const allowed = ['kernel.msg*', 'net/core/somaxconn'];
  assert.equal(admissionRejection(withSysctls(['kernel.msgmnb', 'kernel/msgmax']), allowed), undefined);
  assert.equal(admissionRejection(withSysctls(['net.core.somaxconn']), allowed), undefined);
  assert.equal(admissionRejection(withSysctls(['net.core.rmem_max']), allowed)?.reason, 'SysctlForbidden');
  assert.equal(admissionRejection(withSysctls(['net.ipv6.conf.all.forwarding']), ['net.*']), undefined);
});
