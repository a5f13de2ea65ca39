// The kubelet port's pure decisions around ECI: the advertised node address, how an ECI exec
// WebSocket's close becomes an exit status, the /pods and /runningpods/ lists and their routes,
// the kubelet-named flags and the serving files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { NetworkInterfaceInfo } from 'node:os';
import type { V1Pod } from '@kubernetes/client-node';
import {
  defaultRouteInterfaceOf,
  isProxyableIp,
  pickNodeIp,
  resolveNodeIp,
} from '../../../../reconciler/kubelet/node-address.ts';
import { exitOfClose } from '../../../../reconciler/kubelet/eci-backend/exec-session.ts';
import { podsList, runningPodsList } from '../../../../reconciler/kubelet/pods.ts';
import { routeRequest } from '../../../../reconciler/kubelet/request.ts';
import { readServingFiles } from '../../../../reconciler/kubelet/node-tls.ts';
import { parseReconcilerConfig } from '../../../../reconciler/config.ts';

const v4 = (address: string, internal = false) =>
  ({
    address,
    family: 'IPv4',
    internal,
    netmask: '255.255.255.0',
    mac: '',
    cidr: null,
  }) as NetworkInterfaceInfo;

test('node address: loopback, link-local and unspecified addresses are not proxyable', () => {
  const table: [string, boolean][] = [
    ['127.0.0.1', false],
    ['127.3.2.1', false],
    ['169.254.1.1', false],
    ['0.0.0.0', false],
    ['::1', false],
    ['::', false],
    ['fe80::1', false],
    ['10.0.0.5', true],
    ['192.0.2.2', true],
    ['172.16.0.1', true],
    ['2001:db8::1', true],
  ];
  for (const [ip, ok] of table) assert.equal(isProxyableIp(ip), ok, ip);
});

test("node address: the default route's interface first, else the first routable IPv4; never loopback", () => {
  const interfaces = {
    lo: [v4('127.0.0.1', true)],
    br0: [v4('169.254.0.1'), v4('10.200.0.1')],
    eth0: [v4('192.0.2.2')],
  };
  assert.equal(pickNodeIp(interfaces, 'eth0'), '192.0.2.2');
  assert.equal(pickNodeIp(interfaces, 'wlan9'), '10.200.0.1');
  assert.equal(pickNodeIp(interfaces), '10.200.0.1');
  assert.equal(pickNodeIp({ lo: [v4('127.0.0.1', true)] }, 'lo'), undefined);
  const route = [
    'Iface\tDestination\tGateway\tFlags\tRefCnt\tUse\tMetric\tMask\tMTU\tWindow\tIRTT',
    'eth1\t000200C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0',
    'eth0\t00000000\t010200C0\t0003\t0\t0\t0\t00000000\t0\t0\t0',
  ].join('\n');
  assert.equal(defaultRouteInterfaceOf(route), 'eth0');
  assert.equal(defaultRouteInterfaceOf(route.split('\n').slice(0, 2).join('\n')), undefined);
});

test('node address: the flag wins, then env POD_IP, then the machine', () => {
  assert.equal(resolveNodeIp('10.1.2.3', { POD_IP: '10.9.9.9' }), '10.1.2.3');
  assert.equal(resolveNodeIp(undefined, { POD_IP: '10.9.9.9' }), '10.9.9.9');
  assert.ok(isProxyableIp(resolveNodeIp(undefined, {})));
});

test('exec: the exit status comes from the close reason `exit <code>`; anything else is an error, never a made-up code', () => {
  const table: [number, string, ReturnType<typeof exitOfClose>][] = [
    [1000, 'exit 0', { code: 0 }],
    [1000, 'exit 3', { code: 3 }],
    [1000, 'exit 255', { code: 255 }],
    [1000, 'exit 256', { error: 'ECI ended the exec session without an exit status' }],
    [1000, '', { error: 'ECI ended the exec session without an exit status' }],
    [1005, '', { error: 'ECI ended the exec session without an exit status' }],
    [
      1011,
      'container group not found',
      { error: 'ECI closed the exec session (WebSocket 1011: container group not found)' },
    ],
    [1006, '', { error: 'ECI closed the exec session (WebSocket 1006)' }],
  ];
  for (const [code, reason, want] of table)
    assert.deepEqual(exitOfClose(code, reason), want, `${code} ${reason}`);
});

const pod = (name: string, containers: string[]): V1Pod => ({
  metadata: { name, namespace: 'ns', uid: `uid-${name}` },
  spec: { nodeName: 'vn', containers: containers.map((c) => ({ name: c, image: `img/${c}:1` })) },
  status: { phase: 'Running', podIP: '10.0.0.9' },
});

test('/pods: a v1 PodList of the node pods with spec and status, sorted', () => {
  const list = podsList([{ pod: pod('b', ['x']) }, { pod: pod('a', ['y']) }]);
  assert.equal(list.kind, 'PodList');
  assert.equal(list.apiVersion, 'v1');
  const items = list.items as V1Pod[];
  assert.deepEqual(
    items.map((p) => [p.kind, p.apiVersion, p.metadata?.name]),
    [
      ['Pod', 'v1', 'a'],
      ['Pod', 'v1', 'b'],
    ],
  );
  assert.equal(items[0]!.status?.podIP, '10.0.0.9');
});

test('/runningpods/: only pods with a running container, reduced to name, namespace, UID and running containers', () => {
  const running = (name: string, state: string) => ({ name, currentState: { state } });
  const list = runningPodsList([
    {
      pod: pod('web', ['app', 'sidecar']),
      group: { containers: [running('app', 'Running'), running('sidecar', 'Terminated')] },
    },
    { pod: pod('done', ['app']), group: { containers: [running('app', 'Terminated')] } },
    { pod: pod('new', ['app']) },
  ]);
  assert.deepEqual(list.items, [
    {
      metadata: { name: 'web', namespace: 'ns', uid: 'uid-web', creationTimestamp: null },
      spec: { containers: [{ name: 'app', image: 'img/app:1', resources: {} }] },
      status: {},
    },
  ]);
});

test('routes: /pods and /runningpods/ (either slash); anything else below them is not found', () => {
  const table: [string, string][] = [
    ['/pods', 'pods'],
    ['/pods/', 'pods'],
    ['/runningpods/', 'runningpods'],
    ['/runningpods', 'runningpods'],
    ['/pods/x', 'not-found'],
    ['/runningpods/x', 'not-found'],
    ['/spec/', 'not-found'],
  ];
  for (const [url, kind] of table) assert.equal(routeRequest(url).kind, kind, url);
});

test('flags: the kubelet names, closed by default, bad values named', () => {
  const parse = (argv: string[]) => parseReconcilerConfig(argv, {});
  const d = parse([]);
  assert.ok(d.ok);
  assert.deepEqual(
    [d.config.anonymousAuth, d.config.authorizationMode, d.config.nodeIp, d.config.tlsCertFile],
    [false, 'Webhook', undefined, undefined],
  );
  const open = parse(['--anonymous-auth', 'true', '--authorization-mode', 'AlwaysAllow']);
  assert.ok(open.ok);
  assert.deepEqual([open.config.anonymousAuth, open.config.authorizationMode], [true, 'AlwaysAllow']);
  const bad = parse(['--authorization-mode', 'RBAC']);
  assert.ok(!bad.ok && bad.error.startsWith('--authorization-mode'), JSON.stringify(bad));
  const badBool = parse(['--anonymous-auth', 'yes']);
  assert.ok(!badBool.ok && badBool.error.startsWith('--anonymous-auth'), JSON.stringify(badBool));
});

test('serving files: both or neither; an unreadable file names its flag', () => {
  assert.equal(readServingFiles(undefined, undefined), undefined);
  assert.throws(
    () => readServingFiles('/x.crt', undefined),
    /--tls-cert-file and --tls-private-key-file go together/,
  );
  assert.throws(
    () => readServingFiles('/nonexistent/x.crt', '/nonexistent/x.key'),
    /^Error: --tls-cert-file \/nonexistent\/x\.crt: /,
  );
});
