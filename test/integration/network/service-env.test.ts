// The kubelet's service environment on an ECI pod (issue 14): the env a container group
// is created with, read back from the emulator's stored request, against what a kubelet
// computes for the same Services (pkg/kubelet/envvars/envvars.go FromServices, written out
// by hand here with the ClusterIPs the API server assigned).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Pod } from '@kubernetes/client-node';
import { createNamespace, deleteNamespace, eventually } from '../helpers.ts';
import { eciPod, startStack, type Stack } from '../reconciler/stack.ts';
import { TAG_KEYS } from '../../../reconciler/ownership.ts';

let stack: Stack;
let ns: string;

before(async () => {
  stack = await startStack();
  await stack.startReconciler();
  ns = await createNamespace(stack.cp.kubeConfig, 'eci-svc-env');
});

after(async () => {
  if (ns) await deleteNamespace(stack.cp.kubeConfig, ns);
  await stack?.stop();
});

/** The env the emulator stored for the pod's first container, in request order. */
async function storedEnv(podName: string): Promise<[string, string | undefined][]> {
  const group = await eventually(`a container group for ${podName}`, async () =>
    (await stack.admin.containerGroups({ reveal: 'secrets' })).find(
      (g) =>
        g.tags.some((t) => t.Key === TAG_KEYS.podName && t.Value === podName) &&
        g.tags.some((t) => t.Key === TAG_KEYS.namespace && t.Value === ns),
    ),
  );
  const env = (group.request.Container[0]!.EnvironmentVar ?? []) as { Key: string; Value?: string }[];
  return env.map((e) => [e.Key, e.Value]);
}

function withEnv(pod: V1Pod, env: { name: string; value: string }[], links?: boolean): V1Pod {
  pod.spec!.containers[0]!.env = env;
  if (links !== undefined) pod.spec!.enableServiceLinks = links;
  return pod;
}

describe('service environment of an ECI pod', () => {
  test('KUBERNETES_* and the Docker-link variables of the namespace Services, as a kubelet gives them', async () => {
    const create = (body: object) => stack.core.createNamespacedService({ namespace: ns, body });
    const web = await create({
      metadata: { name: 'web-front' },
      spec: {
        ports: [
          { name: 'http', port: 80, targetPort: 8080 },
          { name: 'metrics', port: 9090, protocol: 'TCP' },
        ],
      },
    });
    const dns = await create({
      metadata: { name: 'dns' },
      spec: { ports: [{ port: 53, protocol: 'UDP' }] },
    });
    // Headless: no ClusterIP, so no variables.
    await create({ metadata: { name: 'peers' }, spec: { clusterIP: 'None', ports: [{ port: 7000 }] } });
    const master = await stack.core.readNamespacedService({ name: 'kubernetes', namespace: 'default' });
    const m = master.spec!.clusterIP!;
    const mp = master.spec!.ports![0]!;
    const w = web.spec!.clusterIP!;
    const d = dns.spec!.clusterIP!;

    await stack.core.createNamespacedPod({
      namespace: ns,
      body: withEnv(eciPod(stack, 'links'), [
        { name: 'MODE', value: 'on' },
        // The container's own value wins over the kubelet's.
        { name: 'DNS_SERVICE_PORT', value: 'mine' },
      ]),
    });
    const env = await storedEnv('links');
    const expected: [string, string][] = [
      ['MODE', 'on'],
      ['DNS_SERVICE_PORT', 'mine'],
      ['DNS_SERVICE_HOST', d],
      ['DNS_PORT', `udp://${d}:53`],
      ['DNS_PORT_53_UDP', `udp://${d}:53`],
      ['DNS_PORT_53_UDP_PROTO', 'udp'],
      ['DNS_PORT_53_UDP_PORT', '53'],
      ['DNS_PORT_53_UDP_ADDR', d],
      ['KUBERNETES_SERVICE_HOST', m],
      ['KUBERNETES_SERVICE_PORT', String(mp.port)],
      ['KUBERNETES_SERVICE_PORT_HTTPS', String(mp.port)],
      ['KUBERNETES_PORT', `tcp://${m}:${mp.port}`],
      [`KUBERNETES_PORT_${mp.port}_TCP`, `tcp://${m}:${mp.port}`],
      [`KUBERNETES_PORT_${mp.port}_TCP_PROTO`, 'tcp'],
      [`KUBERNETES_PORT_${mp.port}_TCP_PORT`, String(mp.port)],
      [`KUBERNETES_PORT_${mp.port}_TCP_ADDR`, m],
      ['WEB_FRONT_SERVICE_HOST', w],
      ['WEB_FRONT_SERVICE_PORT', '80'],
      ['WEB_FRONT_SERVICE_PORT_HTTP', '80'],
      ['WEB_FRONT_SERVICE_PORT_METRICS', '9090'],
      ['WEB_FRONT_PORT', `tcp://${w}:80`],
      ['WEB_FRONT_PORT_80_TCP', `tcp://${w}:80`],
      ['WEB_FRONT_PORT_80_TCP_PROTO', 'tcp'],
      ['WEB_FRONT_PORT_80_TCP_PORT', '80'],
      ['WEB_FRONT_PORT_80_TCP_ADDR', w],
      ['WEB_FRONT_PORT_9090_TCP', `tcp://${w}:9090`],
      ['WEB_FRONT_PORT_9090_TCP_PROTO', 'tcp'],
      ['WEB_FRONT_PORT_9090_TCP_PORT', '9090'],
      ['WEB_FRONT_PORT_9090_TCP_ADDR', w],
    ];
    // The kubelet's port name is the master Service's own (https on every API server we know).
    assert.equal(mp.name, 'https');
    assert.deepEqual(env, expected);
  });

  test('enableServiceLinks: false leaves only the master Service variables', async () => {
    await stack.core.createNamespacedPod({
      namespace: ns,
      body: withEnv(eciPod(stack, 'no-links'), [{ name: 'MODE', value: 'off' }], false),
    });
    const env = await storedEnv('no-links');
    assert.deepEqual(
      env.map(([k]) => k),
      [
        'MODE',
        'KUBERNETES_SERVICE_HOST',
        'KUBERNETES_SERVICE_PORT',
        'KUBERNETES_SERVICE_PORT_HTTPS',
        'KUBERNETES_PORT',
        'KUBERNETES_PORT_443_TCP',
        'KUBERNETES_PORT_443_TCP_PROTO',
        'KUBERNETES_PORT_443_TCP_PORT',
        'KUBERNETES_PORT_443_TCP_ADDR',
      ],
    );
  });
});
