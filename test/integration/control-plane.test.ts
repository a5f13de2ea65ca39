// Proves the harness runs a real control plane: scheduler, controller-manager and
// admission webhooks all behave as in a cluster.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import {
  AdmissionregistrationV1Api,
  AppsV1Api,
  CoordinationV1Api,
  CoreV1Api,
  V1MicroTime,
  type V1Pod,
} from '@kubernetes/client-node';
import { controlPlane, type SharedControlPlane } from '../harness/shared.ts';
import { createCertificateAuthority, issueCertificate } from '../../shared/x509.ts';
import { createNamespace, deleteNamespace, eventually, uniqueName } from './helpers.ts';

let cp: SharedControlPlane;
before(async () => {
  cp = await controlPlane();
});

function pausePod(name: string, extra: Partial<NonNullable<V1Pod['spec']>> = {}): V1Pod {
  return {
    metadata: { name },
    spec: { containers: [{ name: 'main', image: 'registry.k8s.io/pause:3.10' }], ...extra },
  };
}

describe('kube-scheduler', () => {
  const nodeName = uniqueName('harness-node');
  const taintKey = 'example.com/dedicated';
  let namespace: string;
  let renew: NodeJS.Timeout | undefined;

  before(async () => {
    namespace = await createNamespace(cp.kubeConfig, 'sched');
    const core = cp.kubeConfig.makeApiClient(CoreV1Api);
    const now = new Date();
    await core.createNode({
      body: {
        metadata: { name: nodeName, labels: { 'kubernetes.io/hostname': nodeName } },
        spec: { taints: [{ key: taintKey, value: 'harness', effect: 'NoSchedule' }] },
        status: {
          capacity: { cpu: '8', memory: '32Gi', pods: '110' },
          allocatable: { cpu: '8', memory: '32Gi', pods: '110' },
          conditions: [
            {
              type: 'Ready',
              status: 'True',
              reason: 'KubeletReady',
              message: 'harness node',
              lastHeartbeatTime: now,
              lastTransitionTime: now,
            },
          ],
        },
      },
    });
    // A kubelet renews its Lease; without it the node lifecycle controller marks the node unreachable.
    const coordination = cp.kubeConfig.makeApiClient(CoordinationV1Api);
    await coordination.createNamespacedLease({
      namespace: 'kube-node-lease',
      body: {
        metadata: { name: nodeName },
        spec: { holderIdentity: nodeName, leaseDurationSeconds: 40, renewTime: new V1MicroTime() },
      },
    });
    renew = setInterval(() => {
      void coordination
        .patchNamespacedLease({
          name: nodeName,
          namespace: 'kube-node-lease',
          body: [{ op: 'replace', path: '/spec/renewTime', value: new V1MicroTime().toISOString() }],
        })
        .catch(() => {});
    }, 5_000);
    // kube-controller-manager lifts the not-ready taint that admission put on the new Node.
    await eventually(
      'not-ready taint removed by the node lifecycle controller',
      async () => {
        const node = await core.readNode({ name: nodeName });
        const keys = (node.spec?.taints ?? []).map((t) => t.key);
        return !keys.includes('node.kubernetes.io/not-ready') && keys.includes(taintKey);
      },
      90_000,
    );
  });

  after(async () => {
    clearInterval(renew);
    const core = cp.kubeConfig.makeApiClient(CoreV1Api);
    await core.deleteNode({ name: nodeName }).catch(() => {});
    await deleteNamespace(cp.kubeConfig, namespace);
  });

  test('binds a pod that tolerates the taint, leaves one that does not unscheduled', async () => {
    const core = cp.kubeConfig.makeApiClient(CoreV1Api);
    const nodeSelector = { 'kubernetes.io/hostname': nodeName };
    await core.createNamespacedPod({
      namespace,
      body: pausePod('tolerates', {
        nodeSelector,
        tolerations: [{ key: taintKey, operator: 'Exists', effect: 'NoSchedule' }],
      }),
    });
    await core.createNamespacedPod({ namespace, body: pausePod('intolerant', { nodeSelector }) });

    const bound = await eventually('tolerating pod bound', async () => {
      const pod = await core.readNamespacedPod({ name: 'tolerates', namespace });
      return pod.spec?.nodeName ? pod : undefined;
    });
    assert.equal(bound.spec?.nodeName, nodeName);
    const scheduled = bound.status?.conditions?.find((c) => c.type === 'PodScheduled');
    assert.equal(scheduled?.status, 'True');

    const event = await eventually('FailedScheduling event for the intolerant pod', async () => {
      const events = await core.listNamespacedEvent({
        namespace,
        fieldSelector: 'involvedObject.name=intolerant,reason=FailedScheduling',
      });
      return events.items[0];
    });
    // The tolerating twin was bound to this same node, so the taint is the only difference.
    assert.match(event.message ?? '', /1 node\(s\) had untolerated taint/);
    const intolerant = await core.readNamespacedPod({ name: 'intolerant', namespace });
    assert.equal(intolerant.spec?.nodeName, undefined);
    const condition = intolerant.status?.conditions?.find((c) => c.type === 'PodScheduled');
    assert.equal(condition?.status, 'False');
    assert.equal(condition?.reason, 'Unschedulable');
  });
});

describe('kube-controller-manager', () => {
  test('a Deployment with 2 replicas yields 2 pods', async () => {
    const namespace = await createNamespace(cp.kubeConfig, 'deploy');
    try {
      const apps = cp.kubeConfig.makeApiClient(AppsV1Api);
      const labels = { app: 'web' };
      await apps.createNamespacedDeployment({
        namespace,
        body: {
          metadata: { name: 'web' },
          spec: {
            replicas: 2,
            selector: { matchLabels: labels },
            template: {
              metadata: { labels },
              spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] },
            },
          },
        },
      });
      const core = cp.kubeConfig.makeApiClient(CoreV1Api);
      const pods = await eventually('2 pods from the ReplicaSet', async () => {
        const list = await core.listNamespacedPod({ namespace, labelSelector: 'app=web' });
        return list.items.length === 2 ? list.items : undefined;
      });
      for (const pod of pods) {
        const owner = pod.metadata?.ownerReferences?.[0];
        assert.equal(owner?.kind, 'ReplicaSet');
        assert.match(owner?.name ?? '', /^web-/);
      }
    } finally {
      await deleteNamespace(cp.kubeConfig, namespace);
    }
  });
});

describe('admission webhooks', () => {
  let server: Server;
  let calls = 0;
  const webhookName = uniqueName('harness-test');

  before(async () => {
    const ca = await createCertificateAuthority('harness-webhook-ca', 2);
    const serving = await issueCertificate(ca, {
      commonName: '127.0.0.1',
      ipAddresses: ['127.0.0.1'],
      usage: 'server',
      validityDays: 2,
    });
    server = createServer({ cert: serving.certPem, key: serving.keyPem }, (req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        calls++;
        const review = JSON.parse(body) as { request: { uid: string } };
        const patch = [{ op: 'add', path: '/metadata/labels', value: { 'mutated-by': 'harness-test' } }];
        res.setHeader('content-type', 'application/json');
        res.end(
          JSON.stringify({
            apiVersion: 'admission.k8s.io/v1',
            kind: 'AdmissionReview',
            response: {
              uid: review.request.uid,
              allowed: true,
              patchType: 'JSONPatch',
              patch: Buffer.from(JSON.stringify(patch)).toString('base64'),
            },
          }),
        );
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    await cp.kubeConfig.makeApiClient(AdmissionregistrationV1Api).createMutatingWebhookConfiguration({
      body: {
        metadata: { name: webhookName },
        webhooks: [
          {
            name: 'pods.harness-test.eci.example.com',
            admissionReviewVersions: ['v1'],
            sideEffects: 'None',
            failurePolicy: 'Fail',
            timeoutSeconds: 5,
            clientConfig: {
              url: `https://127.0.0.1:${port}/mutate`,
              caBundle: Buffer.from(ca.certPem).toString('base64'),
            },
            rules: [
              {
                apiGroups: [''],
                apiVersions: ['v1'],
                operations: ['CREATE'],
                resources: ['pods'],
                scope: 'Namespaced',
              },
            ],
            namespaceSelector: { matchLabels: { [webhookName]: 'enabled' } },
          },
        ],
      },
    });
  });

  after(async () => {
    await cp.kubeConfig
      .makeApiClient(AdmissionregistrationV1Api)
      .deleteMutatingWebhookConfiguration({ name: webhookName })
      .catch(() => {});
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  test('is called on pod CREATE and its patch shows on the stored pod', async () => {
    const namespace = await createNamespace(cp.kubeConfig, 'webhook', { [webhookName]: 'enabled' });
    try {
      const core = cp.kubeConfig.makeApiClient(CoreV1Api);
      // The apiserver learns of new webhook configurations through an informer: wait with a dry-run canary.
      await eventually('webhook configuration in effect', async () => {
        const canary = await core.createNamespacedPod({ namespace, body: pausePod('canary'), dryRun: 'All' });
        return canary.metadata?.labels?.['mutated-by'] === 'harness-test';
      });
      const before = calls;
      await core.createNamespacedPod({ namespace, body: pausePod('real') });
      const stored = await core.readNamespacedPod({ name: 'real', namespace });
      assert.equal(stored.metadata?.labels?.['mutated-by'], 'harness-test');
      assert.equal(calls, before + 1);
    } finally {
      await deleteNamespace(cp.kubeConfig, namespace);
    }
  });
});
