// The webhook program against the real control plane: registered through a
// MutatingWebhookConfiguration with clientConfig.url, its self-managed CA patched in,
// every selection path shown on the pods the apiserver stores.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer as createHttpsServer, request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import {
  AdmissionregistrationV1Api,
  AppsV1Api,
  CoreV1Api,
  VersionApi,
  type V1Pod,
} from '@kubernetes/client-node';
import { controlPlane, type SharedControlPlane } from '../../harness/shared.ts';
import { freePort } from '../../harness/ports.ts';
import { createNamespace, deleteNamespace, eventually, uniqueName } from '../helpers.ts';
import { webhookConfiguration } from '../../../webhook/webhook-config.ts';
import { createCertificateAuthority, issueCertificate } from '../../../shared/x509.ts';
import { WEBHOOK_ANNOTATIONS } from '../../../webhook/annotations.ts';
import { localWebhookArgs, startWebhook, type WebhookProcess } from './process.ts';

const VK_TOLERATION = { key: 'virtual-kubelet.io/provider', operator: 'Exists', effect: 'NoSchedule' };

let cp: SharedControlPlane;
let core: CoreV1Api;
let webhook: WebhookProcess;
let systemNamespace: string;
let caPem: string;
let k8sVersion: string;
let dnsIp: string;
const scope = uniqueName('eci-wh-it'); // namespace label that scopes the webhook to this file
const configName = uniqueName('eci-webhook-it');
const profileName = uniqueName('eci-profile');
const namespaces: string[] = [];

function pod(
  name: string,
  extra: { labels?: Record<string, string>; spec?: Partial<V1Pod['spec']> } = {},
): V1Pod {
  return {
    metadata: { name, labels: extra.labels },
    spec: { containers: [{ name: 'main', image: 'registry.k8s.io/pause:3.10' }], ...extra.spec },
  };
}

async function testNamespace(prefix: string, labels: Record<string, string> = {}): Promise<string> {
  const name = await createNamespace(cp.kubeConfig, prefix, { [scope]: 'enabled', ...labels });
  namespaces.push(name);
  return name;
}

async function setProfile(data: Record<string, string>): Promise<void> {
  const body = { metadata: { name: profileName, namespace: systemNamespace }, data };
  try {
    await core.replaceNamespacedConfigMap({ name: profileName, namespace: systemNamespace, body });
  } catch {
    await core.createNamespacedConfigMap({ namespace: systemNamespace, body });
  }
}

/** Our toleration as a plain object (the client returns class instances). */
function vkTolerations(p: V1Pod): object[] {
  return (p.spec?.tolerations ?? []).filter((t) => t.key === VK_TOLERATION.key).map((t) => ({ ...t }));
}

function isMutated(p: V1Pod): boolean {
  return p.spec?.nodeSelector?.type === 'virtual-kubelet';
}

before(async () => {
  cp = await controlPlane();
  core = cp.kubeConfig.makeApiClient(CoreV1Api);
  k8sVersion = (await cp.kubeConfig.makeApiClient(VersionApi).getCode()).gitVersion;
  systemNamespace = await testNamespace('eci-wh-sys');
  const dns = await core.createNamespacedService({
    namespace: systemNamespace,
    body: { metadata: { name: 'kube-dns' }, spec: { ports: [{ port: 53, protocol: 'UDP', name: 'dns' }] } },
  });
  dnsIp = dns.spec?.clusterIP ?? '';
  assert.ok(dnsIp);

  // Registered first, without a caBundle: the webhook's self-managed CA is patched in.
  const port = await freePort();
  await cp.kubeConfig.makeApiClient(AdmissionregistrationV1Api).createMutatingWebhookConfiguration({
    body: webhookConfiguration({
      name: configName,
      namespace: systemNamespace,
      url: `https://127.0.0.1:${port}/mutate`,
      failurePolicy: 'Fail',
      namespaceMatchLabels: { [scope]: 'enabled' },
    }),
  });
  webhook = await startWebhook([
    ...localWebhookArgs({
      kubeconfigPath: cp.kubeconfigPath,
      port: port,
      namespace: systemNamespace,
      configName: configName,
    }),
    '--profile-configmap',
    `${systemNamespace}/${profileName}`,
    '--dns-service',
    `${systemNamespace}/kube-dns`,
    '--cluster-domain',
    'example.local',
    '--cert-check-interval-ms',
    '2000',
  ]);
  const secret = await core.readNamespacedSecret({ name: 'eci-webhook-certs', namespace: systemNamespace });
  caPem = Buffer.from(secret.data?.['ca.crt'] ?? '', 'base64').toString();
  assert.match(caPem, /BEGIN CERTIFICATE/);

  // The apiserver learns of webhook configurations through an informer: wait with a dry-run canary.
  const canaryNs = await testNamespace('eci-wh-canary', { 'alibabacloud.com/eci': 'true' });
  await eventually(
    'webhook configuration in effect',
    async () =>
      isMutated(await core.createNamespacedPod({ namespace: canaryNs, body: pod('canary'), dryRun: 'All' })),
    60_000,
    500,
  );
});

after(async () => {
  await cp.kubeConfig
    .makeApiClient(AdmissionregistrationV1Api)
    .deleteMutatingWebhookConfiguration({ name: configName })
    .catch(() => {});
  await webhook?.stop();
  for (const ns of namespaces) await deleteNamespace(cp.kubeConfig, ns);
});

describe('self-managed certificates', () => {
  test('the CA from the Secret is patched into the webhook configuration', async () => {
    const config = await cp.kubeConfig
      .makeApiClient(AdmissionregistrationV1Api)
      .readMutatingWebhookConfiguration({ name: configName });
    const bundle = Buffer.from(config.webhooks?.[0]?.clientConfig.caBundle ?? '', 'base64').toString();
    assert.equal(bundle, caPem);
  });
});

describe('selection paths, as stored by the apiserver', () => {
  const paths: Array<[string, Record<string, string>, Record<string, string>, string]> = [
    [
      'pod label alibabacloud.com/eci=true',
      {},
      { 'alibabacloud.com/eci': 'true' },
      'pod label alibabacloud.com/eci=true',
    ],
    ['pod label eci=true', {}, { eci: 'true' }, 'pod label eci=true'],
    [
      'namespace label alibabacloud.com/eci=true',
      { 'alibabacloud.com/eci': 'true' },
      {},
      'namespace label alibabacloud.com/eci=true',
    ],
    ['namespace label eci=true', { eci: 'true' }, {}, 'namespace label eci=true'],
    [
      'legacy namespace label',
      { 'virtual-node-affinity-injection': 'enabled' },
      {},
      'namespace label virtual-node-affinity-injection=enabled',
    ],
  ];
  for (const [name, nsLabels, podLabels, reason] of paths) {
    test(name, async () => {
      const namespace = await testNamespace('eci-wh-path', nsLabels);
      await core.createNamespacedPod({ namespace, body: pod('p', { labels: podLabels }) });
      const stored = await core.readNamespacedPod({ name: 'p', namespace });
      assert.deepEqual(stored.spec?.nodeSelector, { type: 'virtual-kubelet' });
      assert.deepEqual(vkTolerations(stored), [VK_TOLERATION]);
      const annotations = stored.metadata?.annotations ?? {};
      assert.equal(annotations[WEBHOOK_ANNOTATIONS.decision], reason);
      assert.equal(annotations['k8s.aliyun.com/k8s-version'], k8sVersion);
      assert.equal(annotations['k8s.aliyun.com/cluster-dns'], dnsIp);
      assert.equal(annotations['k8s.aliyun.com/cluster-domain'], 'example.local');
    });
  }

  test('nodeSelector type=virtual-kubelet: only the toleration (and annotations) are added', async () => {
    const namespace = await testNamespace('eci-wh-nodesel');
    const nodeSelector = { type: 'virtual-kubelet', 'topology.kubernetes.io/zone': 'cn-hangzhou-b' };
    await core.createNamespacedPod({
      namespace,
      body: pod('p', { spec: { containers: pod('x').spec!.containers, nodeSelector } }),
    });
    const stored = await core.readNamespacedPod({ name: 'p', namespace });
    assert.deepEqual(stored.spec?.nodeSelector, nodeSelector);
    assert.deepEqual(vkTolerations(stored), [VK_TOLERATION]);
    assert.equal(
      stored.metadata?.annotations?.[WEBHOOK_ANNOTATIONS.decision],
      'nodeSelector type=virtual-kubelet',
    );
  });

  test('conflicting nodeSelector and required node affinity are replaced and kept in an annotation', async () => {
    const namespace = await testNamespace('eci-wh-conflict', { eci: 'true' });
    const affinity = {
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [{ matchExpressions: [{ key: 'disk', operator: 'In', values: ['ssd'] }] }],
        },
      },
    };
    await core.createNamespacedPod({
      namespace,
      body: pod('p', {
        spec: { containers: pod('x').spec!.containers, nodeSelector: { pool: 'ecs' }, affinity },
      }),
    });
    const stored = await core.readNamespacedPod({ name: 'p', namespace });
    assert.deepEqual(stored.spec?.nodeSelector, { type: 'virtual-kubelet' });
    assert.equal(stored.spec?.affinity, undefined);
    const saved = JSON.parse(
      stored.metadata?.annotations?.[WEBHOOK_ANNOTATIONS.originalNodeConstraints] ?? '{}',
    );
    assert.deepEqual(saved.nodeSelector, { pool: 'ecs' });
    assert.deepEqual(
      saved.requiredNodeAffinity,
      affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution,
    );
  });

  test('a pod created by a Deployment in an ECI namespace is mutated', async () => {
    const namespace = await testNamespace('eci-wh-deploy', { 'alibabacloud.com/eci': 'true' });
    const labels = { app: 'web' };
    await cp.kubeConfig.makeApiClient(AppsV1Api).createNamespacedDeployment({
      namespace,
      body: {
        metadata: { name: 'web' },
        spec: {
          replicas: 1,
          selector: { matchLabels: labels },
          template: { metadata: { labels }, spec: pod('x').spec! },
        },
      },
    });
    const created = await eventually('the ReplicaSet pod', async () => {
      const list = await core.listNamespacedPod({ namespace, labelSelector: 'app=web' });
      return list.items[0];
    });
    assert.ok(isMutated(created));
  });

  test('a non-eligible pod is stored untouched', async () => {
    const namespace = await testNamespace('eci-wh-plain');
    await core.createNamespacedPod({ namespace, body: pod('p', { labels: { app: 'x' } }) });
    const stored = await core.readNamespacedPod({ name: 'p', namespace });
    assert.equal(stored.spec?.nodeSelector, undefined);
    assert.equal(stored.spec?.tolerations?.some((t) => t.key === VK_TOLERATION.key) ?? false, false);
    assert.deepEqual(stored.metadata?.annotations ?? {}, {});
    assert.deepEqual(stored.metadata?.labels, { app: 'x' });
  });

  test('alibabacloud.com/eci=false opts a pod out of an ECI namespace', async () => {
    const namespace = await testNamespace('eci-wh-optout', { 'alibabacloud.com/eci': 'true' });
    await core.createNamespacedPod({
      namespace,
      body: pod('p', { labels: { 'alibabacloud.com/eci': 'false' } }),
    });
    const stored = await core.readNamespacedPod({ name: 'p', namespace });
    assert.equal(isMutated(stored), false);
    assert.equal(stored.metadata?.annotations?.[WEBHOOK_ANNOTATIONS.decision], undefined);
  });
});

describe('admission.k8s.io/v1beta1', () => {
  test('an apiserver that speaks only v1beta1 to the webhook gets the same mutation', async () => {
    const betaScope = uniqueName('eci-wh-beta');
    const betaConfig = uniqueName('eci-webhook-beta');
    const api = cp.kubeConfig.makeApiClient(AdmissionregistrationV1Api);
    const generated = webhookConfiguration({
      name: betaConfig,
      namespace: systemNamespace,
      url: `https://127.0.0.1:${webhook.port}/mutate`,
      caBundlePem: caPem,
      failurePolicy: 'Fail',
      namespaceMatchLabels: { [betaScope]: 'enabled' },
    });
    generated.webhooks![0]!.admissionReviewVersions = ['v1beta1'];
    await api.createMutatingWebhookConfiguration({ body: generated });
    try {
      // Not labelled with this file's main scope, so only the v1beta1 configuration applies.
      const namespace = await createNamespace(cp.kubeConfig, 'eci-wh-beta', {
        [betaScope]: 'enabled',
        eci: 'true',
      });
      namespaces.push(namespace);
      const stored = await eventually('v1beta1 configuration in effect', async () => {
        const p = await core.createNamespacedPod({ namespace, body: pod('beta'), dryRun: 'All' });
        return isMutated(p) ? p : undefined;
      });
      assert.equal(stored.metadata?.annotations?.[WEBHOOK_ANNOTATIONS.decision], 'namespace label eci=true');
      assert.deepEqual(vkTolerations(stored), [VK_TOLERATION]);
      // The webhook's log lines arrive asynchronously from its stdout: wait for the line.
      const logged = await eventually(
        'the v1beta1 decision logged',
        async () => webhook.logs.find((l) => l.msg === 'admission decision' && l.namespace === namespace),
        10_000,
      );
      assert.equal(logged.apiVersion, 'admission.k8s.io/v1beta1');
    } finally {
      await api.deleteMutatingWebhookConfiguration({ name: betaConfig }).catch(() => {});
    }
  });
});

describe('reinvocation', () => {
  test('a later webhook that adds a node constraint makes ours run again, and ECI selection still wins', async () => {
    const otherScope = uniqueName('eci-wh-other');
    const otherConfig = uniqueName('zz-other-webhook'); // sorts after ours, so it runs after
    const ca = await createCertificateAuthority('other-webhook-ca', 1);
    const leaf = await issueCertificate(ca, {
      commonName: 'other',
      ipAddresses: ['127.0.0.1'],
      usage: 'server',
    });
    const other = createHttpsServer({ cert: leaf.certPem, key: leaf.keyPem }, (req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        const reviewIn = JSON.parse(body) as { request: { uid: string } };
        const patch = [
          { op: 'add', path: '/metadata/labels/touched-by', value: 'other' },
          { op: 'add', path: '/spec/nodeSelector/pool', value: 'ecs' },
        ];
        res.setHeader('content-type', 'application/json');
        res.end(
          JSON.stringify({
            apiVersion: 'admission.k8s.io/v1',
            kind: 'AdmissionReview',
            response: {
              uid: reviewIn.request.uid,
              allowed: true,
              patchType: 'JSONPatch',
              patch: Buffer.from(JSON.stringify(patch)).toString('base64'),
            },
          }),
        );
      });
    });
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    const api = cp.kubeConfig.makeApiClient(AdmissionregistrationV1Api);
    const generated = webhookConfiguration({
      name: otherConfig,
      namespace: systemNamespace,
      url: `https://127.0.0.1:${(other.address() as AddressInfo).port}/other`,
      caBundlePem: ca.certPem,
      failurePolicy: 'Fail',
      namespaceMatchLabels: { [otherScope]: 'enabled' },
    });
    generated.webhooks![0]!.name = 'pods.other.example.com';
    generated.webhooks![0]!.reinvocationPolicy = 'Never';
    await api.createMutatingWebhookConfiguration({ body: generated });
    try {
      const namespace = await testNamespace('eci-wh-reinvoke', { [otherScope]: 'enabled' });
      const stored = await eventually('both webhooks in effect', async () => {
        const p = await core.createNamespacedPod({
          namespace,
          body: pod('r', { labels: { eci: 'true' } }),
          dryRun: 'All',
        });
        return p.metadata?.labels?.['touched-by'] === 'other' ? p : undefined;
      });
      // Ours ran, the other added pool=ecs, ours ran again and put the virtual node back.
      assert.deepEqual({ ...stored.spec?.nodeSelector }, { type: 'virtual-kubelet' });
      assert.deepEqual(vkTolerations(stored), [VK_TOLERATION]);
      // The webhook's log lines arrive asynchronously from its stdout: wait for the second one.
      const calls = await eventually(
        'the reinvocation logged',
        async () => {
          const logged = webhook.logs.filter(
            (l) => l.msg === 'admission decision' && l.namespace === namespace,
          );
          return logged.length >= 2 ? logged : undefined;
        },
        10_000,
      );
      assert.ok(calls.length >= 2, `reinvoked (${calls.length} calls)`);
      const last = calls.at(-1);
      assert.equal(last?.ops, 2, 'the reinvocation replaces the nodeSelector and records what it replaced');
      const saved = JSON.parse(
        stored.metadata?.annotations?.[WEBHOOK_ANNOTATIONS.originalNodeConstraints] ?? '{}',
      );
      assert.deepEqual(saved, { nodeSelector: { pool: 'ecs' } });
    } finally {
      await api.deleteMutatingWebhookConfiguration({ name: otherConfig }).catch(() => {});
      other.closeAllConnections();
      await new Promise((resolve) => other.close(resolve));
    }
  });
});

describe('ECI Profile', () => {
  test('selectors are hot-reloaded; a malformed update keeps the previous profile and records an Event', async () => {
    const team = uniqueName('team');
    const namespace = await testNamespace('eci-wh-profile', { team });
    const probe = async () =>
      core.createNamespacedPod({
        namespace,
        body: pod('probe', { labels: { tier: 'batch' } }),
        dryRun: 'All',
      });
    assert.equal(isMutated(await probe()), false, 'no profile yet: built-in rules only');

    const selectors = (spec: string) =>
      JSON.stringify([
        {
          name: 'team-selector',
          namespaceSelector: { matchLabels: { team } },
          objectSelector: { matchExpressions: [{ key: 'tier', operator: 'In', values: ['batch'] }] },
          effect: {
            annotations: { 'k8s.aliyun.com/eci-use-specs': spec },
            labels: { 'created-by-eci': 'true' },
          },
        },
      ]);
    await setProfile({ selectors: selectors('2-4Gi') });
    const first = await eventually('profile selector applied', async () => {
      const p = await probe();
      return isMutated(p) ? p : undefined;
    });
    assert.equal(first.metadata?.annotations?.['k8s.aliyun.com/eci-use-specs'], '2-4Gi');
    assert.equal(first.metadata?.labels?.['created-by-eci'], 'true');
    assert.equal(
      first.metadata?.annotations?.[WEBHOOK_ANNOTATIONS.decision],
      'profile selector team-selector',
    );

    // Edited in place: the next pod sees the new effect without a restart.
    await setProfile({ selectors: selectors('4-8Gi') });
    await eventually('edited effect applied', async () => {
      const p = await probe();
      return p.metadata?.annotations?.['k8s.aliyun.com/eci-use-specs'] === '4-8Gi';
    });

    // Malformed: rejected with an Event naming the key; the previous profile stays in force.
    await setProfile({ selectors: '[{"name": "broken",', enableClusterIp: 'yes' });
    const event = await eventually('InvalidEciProfile event', async () => {
      const events = await core.listNamespacedEvent({
        namespace: systemNamespace,
        fieldSelector: `involvedObject.name=${profileName},reason=InvalidEciProfile`,
      });
      return events.items[0];
    });
    assert.equal(event.type, 'Warning');
    assert.equal(event.involvedObject.kind, 'ConfigMap');
    assert.match(event.message ?? '', /selectors: not valid JSON/);
    assert.match(event.message ?? '', /enableClusterIp: expected "true" or "false"/);
    const still = await probe();
    assert.equal(still.metadata?.annotations?.['k8s.aliyun.com/eci-use-specs'], '4-8Gi');
    const metrics = await get('/metrics');
    assert.match(metrics, /eci_profile_reloads_total\{[^}]*result="rejected"[^}]*\} [1-9]/);
    assert.match(metrics, /eci_profile_valid\{[^}]*\} 0/);

    // Deleted: built-in rules only again.
    await core.deleteNamespacedConfigMap({ name: profileName, namespace: systemNamespace });
    await eventually('profile deletion seen', async () => !isMutated(await probe()));
  });
});

function get(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest({ host: '127.0.0.1', port: webhook.port, path, ca: caPem }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve(body));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('warnings', () => {
  test('a redirected pod using what ECI cannot run is admitted with warnings in the create response', async () => {
    const namespace = await testNamespace('eci-wh-warn', { eci: 'true' });
    const res = await core.createNamespacedPodWithHttpInfo({
      namespace,
      body: {
        ...pod('p', {
          spec: {
            hostNetwork: true,
            initContainers: [
              { name: 'setup', image: 'registry.k8s.io/pause:3.10', securityContext: { privileged: true } },
            ],
            containers: [
              { name: 'main', image: 'registry.k8s.io/pause:3.10', securityContext: { privileged: true } },
            ],
            volumes: [{ name: 'host', hostPath: { path: '/var/log' } }],
          },
        }),
        metadata: { name: 'p', annotations: { 'k8s.aliyun.com/eci-max-pending-minute': 'soon' } },
      },
    });
    assert.equal(res.httpStatusCode, 201);
    const warning = res.headers.warning ?? res.headers.Warning ?? '';
    assert.match(warning, /hostNetwork/);
    assert.match(warning, /spec\.volumes\[host\]\.hostPath/);
    // ECI runs a privileged app container (docs/eci-api.md, "Security context"), not a privileged init container.
    assert.match(warning, /init container setup: privileged init containers are not available on ECI/);
    assert.doesNotMatch(warning, /container main: privileged/);
    assert.match(warning, /annotation k8s\.aliyun\.com\/eci-max-pending-minute: .*soon/);
    assert.ok(isMutated(res.data));
  });
});

describe('reconciler-owned annotations (issue 10 item 1)', () => {
  const claim = {
    'k8s.aliyun.com/eci-instance-id': 'eci-victim',
    'k8s.aliyun.com/eci-instance-spec': 'ecs.c6.large',
  };

  test('a pod created with eci-instance-id: eci-victim is stored without it, with a warning', async () => {
    const namespace = await testNamespace('eci-wh-claim', { eci: 'true' });
    const res = await core.createNamespacedPodWithHttpInfo({
      namespace,
      body: { ...pod('thief'), metadata: { name: 'thief', annotations: { ...claim, team: 'a' } } },
    });
    assert.equal(res.httpStatusCode, 201);
    const stored = await core.readNamespacedPod({ name: 'thief', namespace });
    assert.equal(stored.metadata?.annotations?.['k8s.aliyun.com/eci-instance-id'], undefined);
    assert.equal(stored.metadata?.annotations?.['k8s.aliyun.com/eci-instance-spec'], undefined);
    assert.equal(stored.metadata?.annotations?.team, 'a');
    assert.ok(isMutated(stored));
    const warning = res.headers.warning ?? res.headers.Warning ?? '';
    assert.match(warning, /removed k8s\.aliyun\.com\/eci-instance-id, k8s\.aliyun\.com\/eci-instance-spec/);
  });

  test('pods the webhook does not send to ECI lose the claim too (no label; nodeName set directly)', async () => {
    const namespace = await testNamespace('eci-wh-claim-plain');
    for (const [name, spec] of [
      ['plain', {}],
      ['bound', { nodeName: 'virtual-node-eci-0' }],
    ] as const) {
      await core.createNamespacedPod({
        namespace,
        body: { ...pod(name, { spec }), metadata: { name, annotations: { ...claim } } },
      });
      const stored = await core.readNamespacedPod({ name, namespace });
      assert.equal(stored.metadata?.annotations?.['k8s.aliyun.com/eci-instance-id'], undefined, name);
      assert.equal(stored.metadata?.annotations?.['k8s.aliyun.com/eci-instance-spec'], undefined, name);
    }
    const plain = await core.readNamespacedPod({ name: 'plain', namespace });
    assert.equal(isMutated(plain), false);
    assert.deepEqual(plain.metadata?.annotations ?? {}, {});
  });
});

function post(path: string, body: string | Buffer): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      {
        host: '127.0.0.1',
        port: webhook.port,
        path,
        method: 'POST',
        ca: caPem,
        headers: { 'content-type': 'application/json' },
      },
      (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    // The server may answer 413 and close before reading the whole body.
    req.on('error', reject);
    req.end(body);
  });
}

describe('body limits (issue 10 item 6)', () => {
  test('a body over 3 MiB is a 413, a deeply nested one a 400; the webhook still answers', async () => {
    const tooLarge = await post('/mutate', Buffer.alloc(3 * 1024 * 1024 + 1024, 0x20));
    assert.equal(tooLarge.status, 413, tooLarge.body);
    assert.match(JSON.parse(tooLarge.body).message, /too large/i);
    const deep = await post('/mutate', '['.repeat(100_000) + ']'.repeat(100_000));
    assert.equal(deep.status, 400, deep.body);
    assert.match(JSON.parse(deep.body).message, /JSON nests deeper than 100 levels/);
    assert.match(await get('/healthz'), /ok/);
  });
});

describe('operations', () => {
  test('/readyz is ready and /metrics counts admissions', async () => {
    assert.match(await get('/readyz'), /ready/);
    const metrics = await get('/metrics');
    assert.match(
      metrics,
      /eci_webhook_admissions_total\{decision="eci",reason="namespace-label",outcome="patched"[^}]*\} [1-9]/,
    );
    assert.match(
      metrics,
      /eci_webhook_admissions_total\{decision="skip",reason="none",outcome="unchanged"[^}]*\} [1-9]/,
    );
    const cacheBytes = /^eci_webhook_annotation_cache_bytes(?:\{[^}]*\})? (\S+)$/m.exec(metrics);
    assert.ok(Number(cacheBytes?.[1]) > 0 && Number(cacheBytes?.[1]) <= 8 * 1024 * 1024, cacheBytes?.[0]);
    const expiry = /eci_webhook_certificate_expiry_timestamp_seconds\{[^}]*\} (\S+)/.exec(metrics);
    assert.ok(Number(expiry?.[1]) * 1000 > Date.now() + 300 * 24 * 3600 * 1000, 'a fresh 1-year certificate');
  });

  test('SIGTERM stops the webhook cleanly', async () => {
    const code = await webhook.stop();
    assert.equal(code, 0);
    assert.ok(webhook.logs.some((l) => l.msg === 'stopped'));
  });
});
