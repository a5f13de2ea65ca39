// The webhook program runs under exactly deploy/'s RBAC and admission policy (issue 10 item 5,
// "sufficient"): with the service account's own token and the names the Deployment uses, it
// creates its certificate Secret, patches its CA into its configuration, watches namespaces,
// the ECI Profile and the DNS Service, records a Warning Event on a bad profile, and mutates a
// pod; no API request it makes is refused.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { AdmissionregistrationV1Api, CoreV1Api, type V1Pod } from '@kubernetes/client-node';
import { webhookConfiguration } from '../../../webhook/webhook-config.ts';
import { freePort } from '../../harness/ports.ts';
import { createNamespace, deleteNamespace, eventually, uniqueName } from '../helpers.ts';
import { startWebhook, type WebhookProcess } from '../webhook/process.ts';
import { installDeployRbac, NAMESPACE, refusedRequests, type Installed } from './installed.ts';

// The names deploy/webhook/deployment.yaml gives (flag defaults), which the RBAC grants.
const CONFIG_NAME = 'eci-virtual-node-webhook';
const PROFILE = { namespace: 'kube-system', name: 'eci-profile' };

let installed: Installed;
let webhook: WebhookProcess | undefined;
const namespaces: string[] = [];
const scope = uniqueName('eci-rbac-wh'); // namespace label that scopes the webhook to this file

before(async () => {
  installed = await installDeployRbac();
});

after(async () => {
  await webhook?.stop();
  const { cp } = installed;
  await cp.kubeConfig
    .makeApiClient(AdmissionregistrationV1Api)
    .deleteMutatingWebhookConfiguration({ name: CONFIG_NAME })
    .catch(() => {});
  await cp.kubeConfig
    .makeApiClient(CoreV1Api)
    .deleteNamespacedConfigMap(PROFILE)
    .catch(() => {});
  for (const ns of namespaces) await deleteNamespace(cp.kubeConfig, ns);
  await installed?.uninstall();
});

test('the webhook serves under these permissions: certificates, caBundle, profile, Events, mutation; no request is refused', async () => {
  const { cp } = installed;
  const core = cp.kubeConfig.makeApiClient(CoreV1Api);
  const admission = cp.kubeConfig.makeApiClient(AdmissionregistrationV1Api);
  // A profile the webhook rejects, so it writes its InvalidEciProfile Event (events create).
  await core.createNamespacedConfigMap({
    namespace: PROFILE.namespace,
    body: { metadata: { name: PROFILE.name }, data: { privilegedAnnotations: 'not json' } },
  });
  const port = await freePort();
  await admission.createMutatingWebhookConfiguration({
    body: webhookConfiguration({
      name: CONFIG_NAME,
      namespace: NAMESPACE,
      url: `https://127.0.0.1:${port}/mutate`,
      failurePolicy: 'Fail',
      namespaceMatchLabels: { [scope]: 'enabled' },
    }),
  });
  const { path } = await installed.serviceAccountKubeConfig('eci-webhook');
  webhook = await startWebhook([
    '--kubeconfig',
    path,
    '--host',
    '127.0.0.1',
    '--port',
    String(port),
    '--namespace',
    NAMESPACE,
    '--cert-hosts',
    '127.0.0.1',
    '--webhook-config-name',
    CONFIG_NAME,
  ]);

  // Created by the webhook itself (secrets create, allowed by the admission policy).
  const secret = await core.readNamespacedSecret({ name: 'eci-webhook-certs', namespace: NAMESPACE });
  assert.ok(secret.data?.['ca.crt'], 'the certificate Secret holds the CA');
  await eventually('the CA patched into the configuration (get, patch)', async () => {
    const config = await admission.readMutatingWebhookConfiguration({ name: CONFIG_NAME });
    return !!config.webhooks?.[0]?.clientConfig.caBundle;
  });
  await eventually('the InvalidEciProfile Event in kube-system (events create)', async () => {
    const events = await core.listNamespacedEvent({ namespace: PROFILE.namespace });
    return events.items.some(
      (e) => e.reason === 'InvalidEciProfile' && e.involvedObject.name === PROFILE.name,
    );
  });

  // Selection by namespace label: the namespace informer (list, watch) feeds it.
  const ns = await createNamespace(cp.kubeConfig, 'rbac-wh', {
    [scope]: 'enabled',
    'alibabacloud.com/eci': 'true',
  });
  namespaces.push(ns);
  const pod: V1Pod = {
    metadata: { name: 'selected' },
    spec: { containers: [{ name: 'main', image: 'registry.k8s.io/pause:3.10' }] },
  };
  const mutated = await eventually('a pod in an eci=true namespace mutated', async () => {
    const p = await core.createNamespacedPod({ namespace: ns, body: pod, dryRun: 'All' });
    return p.spec?.nodeSelector?.type === 'virtual-kubelet' ? p : undefined;
  });
  assert.ok(mutated.spec?.tolerations?.some((t) => t.key === 'virtual-kubelet.io/provider'));

  const refused = refusedRequests(webhook.logs.map((l) => JSON.stringify(l)));
  assert.deepEqual(refused, [], 'no API request of the webhook was refused');
});
