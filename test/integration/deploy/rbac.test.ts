// deploy/'s RBAC and admission policies on a real API server (issue 10 item 5): applied as an
// operator applies them, the two service accounts can make every call the code makes and
// nothing that was removed (kubectl auth can-i, real list/watch requests, server-side dry runs
// against the admission policies). reconciler-under-rbac.test.ts runs the reconciler itself
// under them.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { CoreV1Api, type V1Pod } from '@kubernetes/client-node';
import { createNamespace, deleteNamespace, eventually } from '../helpers.ts';
import {
  installDeployRbac,
  NAMESPACE,
  RECONCILER,
  VIRTUAL_NODE,
  WEBHOOK,
  type Installed,
} from './installed.ts';

let installed: Installed;
const kubectl: Installed['kubectl'] = (...a) => installed.kubectl(...a);
const mustKubectl: Installed['mustKubectl'] = (...a) => installed.mustKubectl(...a);
const assertAll: Installed['assertAll'] = (...a) => installed.assertAll(...a);

const IMAGE_CACHE_CRD = fileURLToPath(
  new URL('../../../deploy/crds/imagecaches.eci.alibabacloud.com.yaml', import.meta.url),
);
let crdExisted = false;

before(async () => {
  installed = await installDeployRbac();
  // kubectl auth can-i resolves a resource through discovery: the ImageCache CRD must be served.
  crdExisted = (await kubectl(['get', 'crd', 'imagecaches.eci.alibabacloud.com'])).code === 0;
  await mustKubectl(['apply', '--server-side', '-f', IMAGE_CACHE_CRD]);
  await mustKubectl(['wait', '--for=condition=Established', 'crd/imagecaches.eci.alibabacloud.com']);
});

after(async () => {
  if (!crdExisted) await kubectl(['delete', '--ignore-not-found', '-f', IMAGE_CACHE_CRD]);
  await installed?.uninstall();
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
        // reconciler/controller/references.ts: the kubelet's service environment
        'list services -n tenant-a',
        'get services/kubernetes -n default',
        // reconciler/app.ts, shared/profile-watcher.ts: watched by name
        'get secrets/alibaba-addon-secret -n kube-system',
        'list secrets/alibaba-addon-secret -n kube-system',
        'watch secrets/alibaba-addon-secret -n kube-system',
        'list configmaps/eci-profile -n kube-system',
        'watch configmaps/eci-profile -n kube-system',
        // reconciler/leases/lease-store.ts: the replicas' Leases in its own namespace
        `list leases.coordination.k8s.io -n ${NAMESPACE}`,
        `create leases.coordination.k8s.io -n ${NAMESPACE}`,
        `update leases.coordination.k8s.io/eci-virtual-node-leader -n ${NAMESPACE}`,
        `delete leases.coordination.k8s.io/eci-virtual-node-leader -n ${NAMESPACE}`,
        // reconciler/kubelet/auth/review.ts, reconciler/kubelet/node-tls.ts: the kubelet API's auth
        'create tokenreviews.authentication.k8s.io',
        'create subjectaccessreviews.authorization.k8s.io',
        'get configmaps/extension-apiserver-authentication -n kube-system',
        // reconciler/imagecache/controller.ts: ImageCache objects (cluster-scoped; the CRD is installed above)
        'list imagecaches.eci.alibabacloud.com',
        'watch imagecaches.eci.alibabacloud.com',
        'patch imagecaches.eci.alibabacloud.com/cache-1',
        'patch imagecaches.eci.alibabacloud.com/cache-1 --subresource=status',
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
        'list configmaps/extension-apiserver-authentication -n kube-system',
        'watch configmaps/extension-apiserver-authentication -n kube-system',
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
        `watch leases.coordination.k8s.io -n ${NAMESPACE}`,
        `patch leases.coordination.k8s.io/eci-virtual-node-leader -n ${NAMESPACE}`,
        'create imagecaches.eci.alibabacloud.com',
        'delete imagecaches.eci.alibabacloud.com/cache-1',
        'update imagecaches.eci.alibabacloud.com/cache-1 --subresource=status',
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
    const replicaLease = JSON.stringify({
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: 'eci-virtual-node-leader', namespace: NAMESPACE },
    });
    const own = await dryRun(['create', '-f', '-'], replicaLease);
    assert.equal(own.code, 0, `a replica Lease in its own namespace: ${own.stderr}`);

    const ns = await createNamespace(installed.cp.kubeConfig, 'rbac-pods');
    try {
      const core = installed.cp.kubeConfig.makeApiClient(CoreV1Api);
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
      await deleteNamespace(installed.cp.kubeConfig, ns);
    }
  });
});

describe('reconciler service account with PrivateZone', () => {
  const PRIVATE_ZONE = [
    'watch services -A',
    'list endpointslices.discovery.k8s.io -A',
    'watch endpointslices.discovery.k8s.io -A',
  ];

  test('reads Services and EndpointSlices only once rbac-privatezone.yaml is applied, and nothing more', async () => {
    await assertAll(RECONCILER, PRIVATE_ZONE, false);
    const file = fileURLToPath(new URL('../../../deploy/reconciler/rbac-privatezone.yaml', import.meta.url));
    await mustKubectl(['apply', '-f', file]);
    try {
      await assertAll(RECONCILER, PRIVATE_ZONE, true);
      await assertAll(
        RECONCILER,
        [
          'get services/kube-dns -n kube-system',
          'patch services -n tenant-a',
          'create endpointslices.discovery.k8s.io -n tenant-a',
          'list secrets -A',
        ],
        false,
      );
    } finally {
      await kubectl(['delete', '--ignore-not-found', '-f', file]);
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
        'list configmaps/extension-apiserver-authentication -n kube-system',
        'watch configmaps/extension-apiserver-authentication -n kube-system',
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
