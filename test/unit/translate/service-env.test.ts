// The kubelet's service environment (reconciler/translate/service-env.ts), one rule per
// test, each expectation written out as the kubelet's envvars.FromServices and
// getServiceEnvVarMap (pkg/kubelet) compute it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { V1Container, V1Pod, V1Service, V1ServicePort } from '@kubernetes/client-node';
import {
  envVariableName,
  fromServices,
  serviceEnvironment,
  servicesForPod,
} from '../../../reconciler/translate/service-env.ts';
import { wire } from './helpers.ts';

function svc(namespace: string, name: string, clusterIP: string, ports: V1ServicePort[]): V1Service {
  return { metadata: { name, namespace }, spec: { clusterIP, ports } };
}
const MASTER = svc('default', 'kubernetes', '10.96.0.1', [{ name: 'https', port: 443, protocol: 'TCP' }]);
const MASTER_ENV: [string, string][] = [
  ['KUBERNETES_SERVICE_HOST', '10.96.0.1'],
  ['KUBERNETES_SERVICE_PORT', '443'],
  ['KUBERNETES_SERVICE_PORT_HTTPS', '443'],
  ['KUBERNETES_PORT', 'tcp://10.96.0.1:443'],
  ['KUBERNETES_PORT_443_TCP', 'tcp://10.96.0.1:443'],
  ['KUBERNETES_PORT_443_TCP_PROTO', 'tcp'],
  ['KUBERNETES_PORT_443_TCP_PORT', '443'],
  ['KUBERNETES_PORT_443_TCP_ADDR', '10.96.0.1'],
];

function pod(spec: Partial<NonNullable<V1Pod['spec']>> = {}, container: Partial<V1Container> = {}): V1Pod {
  return {
    metadata: { name: 'p', namespace: 'ns', uid: 'u' },
    spec: { containers: [{ name: 'app', image: 'nginx', ...container }], ...spec },
  };
}

test('names: dashes become underscores, upper case (makeEnvVariableName)', () => {
  for (const [name, want] of [
    ['my-svc', 'MY_SVC'],
    ['redis', 'REDIS'],
    ['a-b-c1', 'A_B_C1'],
  ] as const)
    assert.equal(envVariableName(name), want);
});

test('the master Service: every variable FromServices gives, in its order', () => {
  assert.deepEqual(fromServices([MASTER]), MASTER_ENV);
});

test('an unnamed first port, a named UDP second port: _SERVICE_PORT_<NAME> only for named ports, _PORT from the first', () => {
  const s = svc('ns', 'dns-cache', '10.0.0.10', [
    { port: 53, protocol: 'TCP' },
    { name: 'dns-udp', port: 5353, protocol: 'UDP' },
  ]);
  assert.deepEqual(fromServices([s]), [
    ['DNS_CACHE_SERVICE_HOST', '10.0.0.10'],
    ['DNS_CACHE_SERVICE_PORT', '53'],
    ['DNS_CACHE_SERVICE_PORT_DNS_UDP', '5353'],
    ['DNS_CACHE_PORT', 'tcp://10.0.0.10:53'],
    ['DNS_CACHE_PORT_53_TCP', 'tcp://10.0.0.10:53'],
    ['DNS_CACHE_PORT_53_TCP_PROTO', 'tcp'],
    ['DNS_CACHE_PORT_53_TCP_PORT', '53'],
    ['DNS_CACHE_PORT_53_TCP_ADDR', '10.0.0.10'],
    ['DNS_CACHE_PORT_5353_UDP', 'udp://10.0.0.10:5353'],
    ['DNS_CACHE_PORT_5353_UDP_PROTO', 'udp'],
    ['DNS_CACHE_PORT_5353_UDP_PORT', '5353'],
    ['DNS_CACHE_PORT_5353_UDP_ADDR', '10.0.0.10'],
  ]);
});

test('protocol: absent means TCP; SCTP keeps its name', () => {
  const env = new Map(
    fromServices([svc('ns', 'a', '10.0.0.2', [{ port: 80 }, { name: 's', port: 9, protocol: 'SCTP' }])]),
  );
  assert.equal(env.get('A_PORT'), 'tcp://10.0.0.2:80');
  assert.equal(env.get('A_PORT_9_SCTP'), 'sctp://10.0.0.2:9');
  assert.equal(env.get('A_PORT_9_SCTP_PROTO'), 'sctp');
});

test('IPv6 ClusterIP: the URL brackets the address (net.JoinHostPort), _ADDR does not', () => {
  const env = new Map(fromServices([svc('ns', 'v6', 'fd00::10', [{ port: 80 }])]));
  assert.equal(env.get('V6_PORT'), 'tcp://[fd00::10]:80');
  assert.equal(env.get('V6_PORT_80_TCP_ADDR'), 'fd00::10');
});

test('headless ("None") and ClusterIP-less (ExternalName) Services give no variables', () => {
  const headless = svc('ns', 'h', 'None', [{ port: 80 }]);
  const external: V1Service = {
    metadata: { name: 'x', namespace: 'ns' },
    spec: { type: 'ExternalName', externalName: 'example.com' },
  };
  assert.deepEqual(fromServices([headless, external]), []);
  assert.deepEqual(servicesForPod(pod(), [headless, external]), []);
});

test('which Services: the pod namespace ones and default/kubernetes; other namespaces and other default Services are left out', () => {
  const services = [
    MASTER,
    svc('default', 'web', '10.0.0.3', [{ port: 80 }]),
    svc('other', 'db', '10.0.0.4', [{ port: 5432 }]),
    svc('ns', 'web', '10.0.0.5', [{ port: 8080 }]),
  ];
  const names = servicesForPod(pod(), services).map((s) => `${s.metadata!.namespace}/${s.metadata!.name}`);
  assert.deepEqual(names, ['default/kubernetes', 'ns/web']);
});

test('enableServiceLinks: false keeps only the master Service variables', () => {
  const services = [MASTER, svc('ns', 'web', '10.0.0.5', [{ port: 8080 }])];
  assert.deepEqual([...serviceEnvironment(pod({ enableServiceLinks: false }), services)], MASTER_ENV);
  assert.ok(serviceEnvironment(pod({ enableServiceLinks: true }), services).has('WEB_SERVICE_HOST'));
  assert.ok(serviceEnvironment(pod(), services).has('WEB_SERVICE_HOST'), 'absent means true');
});

test('a Service named kubernetes in the pod namespace wins over the master one (in either list order)', () => {
  const own = svc('ns', 'kubernetes', '10.0.0.9', [{ port: 6443 }]);
  for (const services of [
    [MASTER, own],
    [own, MASTER],
  ]) {
    const env = serviceEnvironment(pod(), services);
    assert.equal(env.get('KUBERNETES_SERVICE_HOST'), '10.0.0.9');
    assert.equal(env.get('KUBERNETES_SERVICE_PORT'), '6443');
  }
  // With links off the namespace's own is not projected: the master one stays.
  assert.equal(
    serviceEnvironment(pod({ enableServiceLinks: false }), [own, MASTER]).get('KUBERNETES_SERVICE_HOST'),
    '10.96.0.1',
  );
});

test('Services not fetched (webhook check, explain): no service variables', () => {
  assert.equal(serviceEnvironment(pod(), undefined).size, 0);
});

type Env = { Key: string; Value?: string }[];
const envOf = (p: V1Pod, services: V1Service[]) =>
  ((wire({ pod: p, services }).map.Container as { EnvironmentVar?: Env }[])[0]!.EnvironmentVar ?? []).map(
    (e) => [e.Key, e.Value],
  );

test('translation: the container env comes first and wins on a clash; service variables follow in FromServices order', () => {
  const services = [MASTER, svc('ns', 'web', '10.0.0.5', [{ port: 8080 }])];
  const env = envOf(
    pod(
      {},
      {
        env: [
          { name: 'WEB_SERVICE_HOST', value: 'mine' },
          { name: 'A', value: '1' },
        ],
      },
    ),
    services,
  );
  assert.deepEqual(env.slice(0, 2), [
    ['WEB_SERVICE_HOST', 'mine'],
    ['A', '1'],
  ]);
  assert.deepEqual(env.slice(2, 10), MASTER_ENV);
  assert.equal(
    env.filter(([k]) => k === 'WEB_SERVICE_HOST').length,
    1,
    'no duplicate of the overridden name',
  );
  assert.deepEqual(env.slice(10), [
    ['WEB_SERVICE_PORT', '8080'],
    ['WEB_PORT', 'tcp://10.0.0.5:8080'],
    ['WEB_PORT_8080_TCP', 'tcp://10.0.0.5:8080'],
    ['WEB_PORT_8080_TCP_PROTO', 'tcp'],
    ['WEB_PORT_8080_TCP_PORT', '8080'],
    ['WEB_PORT_8080_TCP_ADDR', '10.0.0.5'],
  ]);
});

test('translation: $(VAR) in env values, command and args sees the service variables', () => {
  const { map } = wire({
    pod: pod(
      {},
      {
        command: ['curl', 'https://$(KUBERNETES_SERVICE_HOST):$(KUBERNETES_SERVICE_PORT)'],
        args: ['$(KUBERNETES_PORT_443_TCP_PROTO)'],
        env: [{ name: 'API', value: '$(KUBERNETES_SERVICE_HOST)/x' }],
      },
    ),
    services: [MASTER],
  });
  const c = (map.Container as Record<string, unknown>[])[0]!;
  assert.deepEqual(c.Command, ['curl', 'https://10.96.0.1:443']);
  assert.deepEqual(c.Arg, ['tcp']);
  assert.deepEqual((c.EnvironmentVar as Env)[0], { Key: 'API', Value: '10.96.0.1/x' });
});

test('translation: init containers get the service variables too', () => {
  const { map } = wire({
    pod: pod({ initContainers: [{ name: 'init', image: 'busybox' }] }),
    services: [MASTER],
  });
  const init = (map.InitContainer as { EnvironmentVar?: Env }[])[0]!;
  assert.deepEqual(
    (init.EnvironmentVar ?? []).map((e) => [e.Key, e.Value]),
    MASTER_ENV,
  );
});
