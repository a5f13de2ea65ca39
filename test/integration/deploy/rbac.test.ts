// deploy/'s RBAC and admission policies on a real API server (issue 10 item 5): applied as an
// operator applies them, the two service accounts can make every call the code makes and
// nothing that was removed (kubectl auth can-i, real list/watch requests, server-side dry
// runs against the admission policies); then the reconciler itself runs a pod to Running and
// back on delete under exactly these permissions, with no request refused.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { CoordinationV1Api, CoreV1Api, KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { pino } from 'pino';
import { EmulatorAdmin } from '../../../emulator/admin-client.ts';
import { startEmulator, type EmulatorHandle } from '../../../emulator/index.ts';
import { startReconciler, type ReconcilerHandle } from '../../../reconciler/app.ts';
import { INSTANCE_ANNOTATIONS } from '../../../shared/annotations.ts';
import { parseReconcilerConfig } from '../../../shared/config.ts';
import { controlPlane, type SharedControlPlane } from '../../harness/shared.ts';
import { createNamespace, deleteNamespace, eventually, uniqueName } from '../helpers.ts';
import { EMULATOR_CREDENTIALS_ENV, FAST_TIMING } from '../reconciler/stack.ts';

const DEPLOY = fileURLToPath(new URL('../../../deploy/', import.meta.url));
const NAMESPACE = 'eci-virtual-node';
const RECONCILER = `system:serviceaccount:${NAMESPACE}:eci-reconciler`;
const WEBHOOK = `system:serviceaccount:${NAMESPACE}:eci-webhook`;
const VIRTUAL_NODE = 'virtual-node-eci-0'; // what deploy/reconciler/deployment.yaml's --nodes=1 serves
const MANIFESTS = [
  'reconciler/rbac.yaml',
  'reconciler/admission-policy.yaml',
  'webhook/rbac.yaml',
  'webhook/admission-policy.yaml',
].map((f) => DEPLOY + f);

let cp: SharedControlPlane;
let namespaceExisted = false;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function kubectl(args: string[], input?: string): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(
      cp.kubectlPath,
      ['--kubeconfig', cp.kubeconfigPath, ...args],
      { timeout: 60_000 },
      (err, stdout, stderr) => resolve({ code: err ? Number(err.code ?? 1) || 1 : 0, stdout, stderr }),
    );
    if (input !== undefined) child.stdin?.end(input);
  });
}

async function mustKubectl(args: string[], input?: string): Promise<string> {
  const r = await kubectl(args, input);
  assert.equal(r.code, 0, `kubectl ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** `kubectl auth can-i` as the service account: "verb resource[/name] [-n ns] [--subresource=x]". */
async function canI(user: string, request: string): Promise<boolean> {
  const r = await kubectl(['auth', 'can-i', ...request.split(' '), `--as=${user}`]);
  const answer = r.stdout.trim();
  assert.ok(answer === 'yes' || answer === 'no', `can-i ${request}: ${r.stdout} ${r.stderr}`);
  return answer === 'yes';
}

async function assertAll(user: string, requests: string[], expected: boolean): Promise<void> {
  const wrong: string[] = [];
  for (const request of requests) if ((await canI(user, request)) !== expected) wrong.push(request);
  assert.deepEqual(wrong, [], `${user} should${expected ? '' : ' NOT'} be allowed to`);
}

before(async () => {
  cp = await controlPlane();
  namespaceExisted = (await kubectl(['get', 'namespace', NAMESPACE])).code === 0;
  await mustKubectl(['apply', '-f', DEPLOY + 'webhook/namespace.yaml']);
  await mustKubectl(['apply', ...MANIFESTS.flatMap((f) => ['-f', f])]);
});

after(async () => {
  await kubectl(['delete', '--ignore-not-found', '--wait=false', ...MANIFESTS.flatMap((f) => ['-f', f])]);
  if (!namespaceExisted) await kubectl(['delete', 'namespace', NAMESPACE, '--wait=false']);
});

describe('reconciler service account', () => {
  test('can make every call the code makes', async () => {
    await assertAll(
      RECONCILER,
      [
        // reconciler/node.ts
        'create nodes',
        `get nodes/${VIRTUAL_NODE}`,
        `patch nodes/${VIRTUAL_NODE}`,
        `patch nodes/${VIRTUAL_NODE} --subresource=status`,
        'create leases.coordination.k8s.io -n kube-node-lease',
        `patch leases.coordination.k8s.io/${VIRTUAL_NODE} -n kube-node-lease`,
        // reconciler/pods.ts: informer, orphan re-check, annotations, status, finalize
        'list pods -A',
        'watch pods -A',
        'get pods -n tenant-a',
        'patch pods -n tenant-a',
        'delete pods -n tenant-a',
        'patch pods -n tenant-a --subresource=status',
        // reconciler/events.ts, shared/profile-watcher.ts
        'create events -n tenant-a',
        'patch events -n tenant-a',
        'create events -n kube-system',
        // reconciler/pods.ts fetchReferences: by name, in the pod's namespace
        'get configmaps/app-config -n tenant-a',
        'get secrets/db-password -n tenant-a',
        'get persistentvolumeclaims/data -n tenant-a',
        'get persistentvolumes/pv-1',
        'create serviceaccounts/default -n tenant-a --subresource=token',
        // reconciler/app.ts, shared/profile-watcher.ts: watched by name
        'get secrets/alibaba-addon-secret -n kube-system',
        'list secrets/alibaba-addon-secret -n kube-system',
        'watch secrets/alibaba-addon-secret -n kube-system',
        'list configmaps/eci-profile -n kube-system',
        'watch configmaps/eci-profile -n kube-system',
      ],
      true,
    );
  });

  test('cannot list or watch Secrets or ConfigMaps beyond the two it watches by name', async () => {
    await assertAll(
      RECONCILER,
      [
        'list secrets -A',
        'watch secrets -A',
        'list secrets -n kube-system',
        'watch secrets -n kube-system',
        'list secrets/another-secret -n kube-system',
        'watch secrets/another-secret -n kube-system',
        'list secrets -n tenant-a',
        'list configmaps -A',
        'watch configmaps -n kube-system',
        'list configmaps/another-configmap -n kube-system',
        'update secrets/alibaba-addon-secret -n kube-system',
        'patch secrets/alibaba-addon-secret -n kube-system',
        'delete secrets/alibaba-addon-secret -n kube-system',
        'create secrets -n kube-system',
        'patch configmaps/eci-profile -n kube-system',
      ],
      false,
    );
  });

  test('cannot touch nodes or leases other than its virtual nodes, nor use the verbs it dropped', async () => {
    await assertAll(
      RECONCILER,
      [
        'patch nodes/worker-1',
        'get nodes/worker-1',
        'patch nodes/worker-1 --subresource=status',
        'update nodes/worker-1 --subresource=status',
        `update nodes/${VIRTUAL_NODE}`,
        `update nodes/${VIRTUAL_NODE} --subresource=status`,
        `delete nodes/${VIRTUAL_NODE}`,
        'list nodes',
        'watch nodes',
        'patch leases.coordination.k8s.io/worker-1 -n kube-node-lease',
        `update leases.coordination.k8s.io/${VIRTUAL_NODE} -n kube-node-lease`,
        `get leases.coordination.k8s.io/${VIRTUAL_NODE} -n kube-node-lease`,
        'list leases.coordination.k8s.io -n kube-node-lease',
        'create leases.coordination.k8s.io -n kube-system',
        'create leases.coordination.k8s.io -n tenant-a',
        'create pods -n tenant-a',
        'update pods -n tenant-a',
        'update pods -n tenant-a --subresource=status',
        'create pods -n tenant-a --subresource=eviction',
        'list namespaces',
        'list persistentvolumes',
        'list serviceaccounts -n tenant-a',
        'create serviceaccounts -n tenant-a',
        'delete events -n tenant-a',
        'create clusterrolebindings.rbac.authorization.k8s.io',
        'impersonate users',
        'create validatingadmissionpolicybindings.admissionregistration.k8s.io',
      ],
      false,
    );
  });

  test('a list or watch of the credentials Secret by field selector is served; without it, refused', async () => {
    const as = `--as=${RECONCILER}`;
    const byName = 'fieldSelector=metadata.name%3Dalibaba-addon-secret';
    await mustKubectl(['get', '--raw', `/api/v1/namespaces/kube-system/secrets?${byName}`, as]);
    await mustKubectl([
      'get',
      '--raw',
      `/api/v1/namespaces/kube-system/secrets?${byName}&watch=true&timeoutSeconds=1`,
      as,
    ]);
    await mustKubectl([
      'get',
      '--raw',
      '/api/v1/namespaces/kube-system/configmaps?fieldSelector=metadata.name%3Deci-profile',
      as,
    ]);
    const all = await kubectl(['get', '--raw', '/api/v1/namespaces/kube-system/secrets', as]);
    assert.notEqual(all.code, 0);
    assert.match(all.stderr, /forbidden/i);
    const other = await kubectl([
      'get',
      '--raw',
      '/api/v1/namespaces/kube-system/secrets?fieldSelector=metadata.name%3Danother-secret',
      as,
    ]);
    assert.notEqual(other.code, 0);
    assert.match(other.stderr, /forbidden/i);
  });

  test('the admission policy refuses Nodes, Leases and pod writes outside its virtual nodes', async () => {
    const as = `--as=${RECONCILER}`;
    const dryRun = (args: string[], input?: string) => kubectl([...args, '--dry-run=server', as], input);
    const node = (name: string) => JSON.stringify({ apiVersion: 'v1', kind: 'Node', metadata: { name } });
    const lease = (name: string) =>
      JSON.stringify({
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name, namespace: 'kube-node-lease' },
      });
    // The policy takes effect once the API server has loaded it.
    await eventually('the reconciler policy refuses another node name', async () => {
      const r = await dryRun(['create', '-f', '-'], node('worker-1'));
      return r.code !== 0 && /may only create its virtual nodes/.test(r.stderr);
    });
    assert.equal((await dryRun(['create', '-f', '-'], node(VIRTUAL_NODE))).code, 0);
    const otherLease = await dryRun(['create', '-f', '-'], lease('worker-1'));
    assert.notEqual(otherLease.code, 0);
    assert.match(otherLease.stderr, /may only create the node leases/);
    assert.equal((await dryRun(['create', '-f', '-'], lease(VIRTUAL_NODE))).code, 0);

    const ns = await createNamespace(cp.kubeConfig, 'rbac-pods');
    try {
      const core = cp.kubeConfig.makeApiClient(CoreV1Api);
      const pod = (name: string, nodeName: string): V1Pod => ({
        metadata: { name },
        spec: { nodeName, containers: [{ name: 'main', image: 'nginx:1.27' }] },
      });
      await core.createNamespacedPod({ namespace: ns, body: pod('on-virtual-node', VIRTUAL_NODE) });
      await core.createNamespacedPod({ namespace: ns, body: pod('on-worker', 'worker-1') });
      const annotate = (name: string) => dryRun(['annotate', 'pod', name, '-n', ns, 'example.com/x=1']);
      const del = (name: string) => dryRun(['delete', 'pod', name, '-n', ns]);
      assert.equal((await annotate('on-virtual-node')).code, 0);
      assert.equal((await del('on-virtual-node')).code, 0);
      for (const r of [await annotate('on-worker'), await del('on-worker')]) {
        assert.notEqual(r.code, 0);
        assert.match(r.stderr, /may only write pods bound to/);
      }
    } finally {
      // At once, so the reconciler started below never sees a pod on its node in a dying namespace.
      await kubectl(['delete', 'pods', '--all', '-n', ns, '--grace-period=0', '--force', '--wait=true']);
      await deleteNamespace(cp.kubeConfig, ns);
    }
  });
});

describe('webhook service account', () => {
  test('can make every call the code makes', async () => {
    await assertAll(
      WEBHOOK,
      [
        'list namespaces',
        'watch namespaces',
        'get namespaces/tenant-a',
        'get mutatingwebhookconfigurations.admissionregistration.k8s.io/eci-virtual-node-webhook',
        'patch mutatingwebhookconfigurations.admissionregistration.k8s.io/eci-virtual-node-webhook',
        'list configmaps/eci-profile -n kube-system',
        'watch configmaps/eci-profile -n kube-system',
        'list services/kube-dns -n kube-system',
        'watch services/kube-dns -n kube-system',
        'create events -n kube-system',
        `create secrets -n ${NAMESPACE}`,
        `get secrets/eci-webhook-certs -n ${NAMESPACE}`,
        `update secrets/eci-webhook-certs -n ${NAMESPACE}`,
      ],
      true,
    );
  });

  test('cannot read other Secrets, ConfigMaps or Services, nor other webhook configurations', async () => {
    await assertAll(
      WEBHOOK,
      [
        `get secrets/another-secret -n ${NAMESPACE}`,
        `list secrets -n ${NAMESPACE}`,
        'get secrets/alibaba-addon-secret -n kube-system',
        'list secrets -A',
        'list configmaps -n kube-system',
        'get configmaps/eci-profile -n kube-system',
        'list configmaps/another-configmap -n kube-system',
        'list services -n kube-system',
        'list services/another-service -n kube-system',
        'patch mutatingwebhookconfigurations.admissionregistration.k8s.io/another-webhook',
        'list mutatingwebhookconfigurations.admissionregistration.k8s.io',
        'create events -n tenant-a',
        'list pods -A',
        'patch namespaces/tenant-a',
      ],
      false,
    );
  });

  test('the admission policy refuses any Secret but the certificate Secret', async () => {
    const secret = (name: string) =>
      JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: NAMESPACE } });
    const create = (name: string) =>
      kubectl(['create', '-f', '-', '--dry-run=server', `--as=${WEBHOOK}`], secret(name));
    await eventually('the webhook policy refuses another Secret', async () => {
      const r = await create('another-secret');
      return r.code !== 0 && /may only create its certificate Secret/.test(r.stderr);
    });
    assert.equal((await create('eci-webhook-certs')).code, 0);
  });
});

describe('the reconciler under these permissions', () => {
  let emu: EmulatorHandle;
  let reconciler: ReconcilerHandle | undefined;
  let ns: string;
  const logLines: string[] = [];
  const created: { kind: 'secret' | 'configmap'; name: string }[] = [];

  before(async () => {
    emu = await startEmulator({ timing: FAST_TIMING, logLevel: 'warn' });
    ns = await createNamespace(cp.kubeConfig, 'rbac-run');
  });

  after(async () => {
    await reconciler?.stop();
    await emu?.close();
    const core = cp.kubeConfig.makeApiClient(CoreV1Api);
    await core.deleteNode({ name: VIRTUAL_NODE }).catch(() => {});
    await cp.kubeConfig
      .makeApiClient(CoordinationV1Api)
      .deleteNamespacedLease({ name: VIRTUAL_NODE, namespace: 'kube-node-lease' })
      .catch(() => {});
    for (const o of created)
      await kubectl(['delete', o.kind, o.name, '-n', 'kube-system', '--ignore-not-found']);
    if (ns) await deleteNamespace(cp.kubeConfig, ns);
  });

  test('a pod with a Secret, a ConfigMap and a service-account token runs and is deleted; no request is refused', async () => {
    const core = cp.kubeConfig.makeApiClient(CoreV1Api);
    // The names deploy/ grants: the credentials Secret and the ECI Profile in kube-system.
    await mustKubectl(
      ['apply', '-f', '-'],
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'List',
        items: [
          {
            apiVersion: 'v1',
            kind: 'Secret',
            metadata: { name: 'alibaba-addon-secret', namespace: 'kube-system' },
            stringData: {
              'access-key-id': EMULATOR_CREDENTIALS_ENV.ALIBABA_CLOUD_ACCESS_KEY_ID,
              'access-key-secret': EMULATOR_CREDENTIALS_ENV.ALIBABA_CLOUD_ACCESS_KEY_SECRET,
            },
          },
          {
            apiVersion: 'v1',
            kind: 'ConfigMap',
            metadata: { name: 'eci-profile', namespace: 'kube-system' },
            data: { vSwitchIds: 'vsw-emu-h,vsw-emu-i', securityGroupId: 'sg-emu' },
          },
        ],
      }),
    );
    created.push(
      { kind: 'secret', name: 'alibaba-addon-secret' },
      { kind: 'configmap', name: 'eci-profile' },
    );
    await core.createNamespacedSecret({
      namespace: ns,
      body: { metadata: { name: 'db' }, stringData: { password: 'p' } },
    });
    await core.createNamespacedConfigMap({
      namespace: ns,
      body: { metadata: { name: 'app' }, data: { mode: 'm' } },
    });

    const token = (
      await mustKubectl(['create', 'token', 'eci-reconciler', '-n', NAMESPACE, '--duration=1h'])
    ).trim();
    const cluster = cp.kubeConfig.getCurrentCluster()!;
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [cluster],
      users: [{ name: 'eci-reconciler', token }],
      contexts: [{ name: 'eci-reconciler', cluster: cluster.name, user: 'eci-reconciler' }],
      currentContext: 'eci-reconciler',
    });
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        logLines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
        done();
      },
    });
    const parsed = parseReconcilerConfig(
      [
        '--nodes=1', // as deploy/reconciler/deployment.yaml
        '--cluster-id',
        uniqueName('rbac'),
        '--eci-endpoint',
        emu.url,
        '--health-address',
        '127.0.0.1:0',
        '--status-interval-ms',
        '300',
        '--renew-interval-ms',
        '1000',
        '--kubelet-port',
        '0',
        '--kubelet-address',
        '127.0.0.1',
      ],
      {},
    );
    assert.ok(parsed.ok, parsed.ok ? '' : parsed.error);
    reconciler = await startReconciler(parsed.config, { kc, log: pino({ level: 'debug' }, sink) });
    assert.deepEqual(reconciler.nodeNames, [VIRTUAL_NODE]);

    const pod: V1Pod = {
      metadata: { name: 'under-rbac' },
      spec: {
        nodeName: VIRTUAL_NODE,
        tolerations: [{ key: 'virtual-kubelet.io/provider', operator: 'Exists', effect: 'NoSchedule' }],
        containers: [
          {
            name: 'main',
            image: 'nginx:1.27',
            resources: { requests: { cpu: '250m', memory: '512Mi' } },
            env: [
              { name: 'PASSWORD', valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } },
              { name: 'MODE', valueFrom: { configMapKeyRef: { name: 'app', key: 'mode' } } },
            ],
          },
        ],
      },
    };
    await core.createNamespacedPod({ namespace: ns, body: pod });
    const running = await eventually('the pod Running on the virtual node', async () => {
      const p = await core.readNamespacedPod({ name: 'under-rbac', namespace: ns });
      return p.status?.phase === 'Running' ? p : undefined;
    });
    const groupId = running.metadata?.annotations?.[INSTANCE_ANNOTATIONS.instanceId];
    assert.ok(groupId, 'the instance annotation was written (pods patch)');
    const group = (await new EmulatorAdmin(emu.url).containerGroups()).find(
      (g) => g.containerGroupId === groupId,
    );
    const text = JSON.stringify(group?.request);
    assert.match(text, /PASSWORD/, 'the Secret was read');
    assert.match(text, /MODE/, 'the ConfigMap was read');
    await eventually('an Event from the reconciler (events create)', async () => {
      const events = await core.listNamespacedEvent({ namespace: ns });
      return events.items.some(
        (e) => e.involvedObject.name === 'under-rbac' && e.source?.component === 'eci-virtual-node',
      );
    });
    await eventually('two lease renewals (leases patch)', async () => reconciler!.nodes[0]!.renewals >= 2);

    await core.deleteNamespacedPod({ name: 'under-rbac', namespace: ns });
    await eventually('the pod finalized (pods delete)', async () => {
      const pods = await core.listNamespacedPod({ namespace: ns });
      return pods.items.length === 0;
    });

    const refused = logLines.filter((l) => /forbidden|\b403\b/i.test(l));
    assert.deepEqual(refused, [], 'no API request of the reconciler was refused');
  });
});
