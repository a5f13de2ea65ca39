// deploy/helm/eci-virtual-node and deploy/kustomize (issue 15): helm lint, helm template with
// every switch, kubectl kustomize of the base and the example overlay; the chart's defaults
// and the kustomize base are the same objects; in every rendering the names the programs are
// given (virtual nodes, credentials Secret, ECI Profile) are the names their RBAC and
// admission policies grant. Runs the built helm and kubectl; needs no API server (the
// install test applies the chart to one).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CREDENTIAL_KEYS, nodeNamesOf, parseReconcilerConfig } from '../../../reconciler/config.ts';
import { parseWebhookConfig } from '../../../webhook/config.ts';
import {
  CHART,
  DEPLOY,
  find,
  parseManifests,
  renderChart,
  renderKustomize,
  run,
  type Manifest,
} from './render.ts';
import { readFileSync } from 'node:fs';

/** Labels Helm adds to every object (release bookkeeping); the kustomize base has none of them. */
const HELM_LABELS = [
  'helm.sh/chart',
  'app.kubernetes.io/managed-by',
  'app.kubernetes.io/instance',
  'app.kubernetes.io/version',
];

/** Everything switched on or away from its default, to lint and render every template branch. */
const EVERY_SWITCH = [
  '--set=certManager.enabled=true',
  '--set=metrics.serviceMonitor.enabled=true',
  '--set=metrics.serviceMonitor.labels.release=prometheus',
  '--set=privateZone.enabled=true',
  '--set=credentials.existingSecret=',
  '--set=credentials.accessKeyId=id',
  '--set=credentials.accessKeySecret=secret',
  '--set=profile.create=true',
  '--set=profile.data.vSwitchIds=vsw-a\\,vsw-b',
  '--set=profile.data.securityGroupId=sg-a',
  '--set=reconciler.nodes=3',
  '--set=reconciler.replicas=3',
  '--set=reconciler.priorityClassName=system-cluster-critical',
  '--set=webhook.priorityClassName=system-cluster-critical',
  '--set=reconciler.nodeSelector.pool=system',
  '--set=webhook.tolerations[0].key=dedicated',
  '--set=webhook.tolerations[0].operator=Exists',
  '--set=image.tag=0.2.0',
  '--set=image.pullPolicy=Always',
  '--set=imagePullSecrets[0].name=registry',
  '--set=networkPolicy.enabled=true',
  '--set=networkPolicy.apiServer[0].ipBlock.cidr=10.0.0.0/24',
];

function withoutHelmLabels(o: Manifest): Manifest {
  const copy = structuredClone(o);
  for (const labels of [copy.metadata?.labels, copy.spec?.template?.metadata?.labels])
    for (const l of HELM_LABELS) if (labels) delete labels[l];
  return copy;
}

const key = (o: Manifest) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
const byKey = (objects: Manifest[]) => new Map(objects.map((o) => [key(o), o]));

const container = (workload: Manifest) => workload.spec.template.spec.containers[0] as Manifest;
const rulesFor = (role: Manifest, resource: string) =>
  (role.rules as Manifest[]).filter((r) => (r.resources as string[]).includes(resource));

/** The reconciler's flags as the StatefulSet gives them (downward-API fields resolved for replica 0). */
function reconcilerConfig(objects: Manifest[]) {
  const sts = find(objects, 'StatefulSet', 'eci-virtual-node-reconciler');
  const c = container(sts);
  const fields: Record<string, string> = {
    'metadata.name': `${sts.metadata.name}-0`,
    'metadata.namespace': sts.metadata.namespace,
    'status.podIP': '10.0.0.1',
  };
  const env = Object.fromEntries(
    (c.env as Manifest[]).map((e) => [e.name, e.value ?? fields[e.valueFrom.fieldRef.fieldPath]]),
  );
  const parsed = parseReconcilerConfig(c.args, env);
  assert.ok(parsed.ok, parsed.ok ? '' : parsed.error);
  return parsed.config;
}

/** The names the programs use are the names their RBAC and admission policy grant. */
function assertNamesAgree(objects: Manifest[]) {
  const config = reconcilerConfig(objects);
  const nodes = nodeNamesOf(config);
  const clusterRole = find(objects, 'ClusterRole', 'eci-virtual-node:reconciler');
  for (const resource of ['nodes', 'nodes/status']) {
    const scoped = rulesFor(clusterRole, resource).filter((r) => r.resourceNames);
    assert.ok(scoped.length > 0);
    for (const r of scoped) assert.deepEqual(r.resourceNames, nodes, resource);
  }
  const leases = find(objects, 'Role', 'eci-virtual-node:reconciler-leases');
  for (const r of rulesFor(leases, 'leases').filter((x) => x.resourceNames))
    assert.deepEqual(r.resourceNames, nodes, 'node leases');
  const policy = find(objects, 'ValidatingAdmissionPolicy', 'eci-virtual-node.reconciler');
  const variable = (policy.spec.variables as Manifest[]).find((v) => v.name === 'virtualNodes')!;
  assert.equal(variable.expression, JSON.stringify(nodes).replaceAll('"', "'"));

  const grants = (namespace: string, resource: string, name: string, verbs: string[]) =>
    objects.some(
      (o) =>
        o.kind === 'Role' &&
        o.metadata.namespace === namespace &&
        rulesFor(o, resource).some(
          (r) => r.resourceNames?.includes(name) && verbs.every((v) => r.verbs.includes(v)),
        ),
    );
  const [secretNs, secretName] = config.credentialsSecret.split('/') as [string, string];
  assert.ok(grants(secretNs, 'secrets', secretName, ['get', 'list', 'watch']), 'the credentials Secret');
  const [profileNs, profileName] = config.profileConfigMap.split('/') as [string, string];
  assert.ok(grants(profileNs, 'configmaps', profileName, ['list', 'watch']), 'the ECI Profile (reconciler)');

  const webhook = find(objects, 'Deployment', 'eci-webhook');
  const parsed = parseWebhookConfig(container(webhook).args, { POD_NAMESPACE: webhook.metadata.namespace });
  assert.ok(parsed.ok, parsed.ok ? '' : parsed.error);
  assert.equal(parsed.config.profileConfigMap, config.profileConfigMap, 'both programs watch one profile');
  const [dnsNs, dnsName] = parsed.config.dnsService.split('/') as [string, string];
  assert.ok(grants(dnsNs, 'services', dnsName, ['list', 'watch']), 'the DNS Service');
  const sa = (name: string) => find(objects, 'ServiceAccount', name);
  assert.equal(sts(objects).spec.template.spec.serviceAccountName, sa('eci-reconciler').metadata.name);
  assert.equal(webhook.spec.template.spec.serviceAccountName, sa('eci-webhook').metadata.name);
}
const sts = (objects: Manifest[]) => find(objects, 'StatefulSet', 'eci-virtual-node-reconciler');

describe('helm chart', () => {
  test('helm lint --strict passes with the defaults and with every switch turned', () => {
    for (const args of [[], EVERY_SWITCH]) {
      const r = run('helm', ['lint', '--strict', CHART, ...args]);
      assert.equal(r.status, 0, `${args.join(' ')}\n${r.stdout}${r.stderr}`);
    }
  });

  test('the default output and the kustomize base are the same objects (Helm labels aside; the namespace is helm install --create-namespace)', () => {
    const chart = renderChart().map(withoutHelmLabels);
    const base = renderKustomize('kustomize/base');
    const namespaces = base.filter((o) => o.kind === 'Namespace');
    assert.deepEqual(
      namespaces.map((n) => n.metadata.name),
      ['eci-virtual-node'],
    );
    const kustomized = byKey(base.filter((o) => o.kind !== 'Namespace'));
    const helm = byKey(chart);
    assert.deepEqual([...helm.keys()].sort(), [...kustomized.keys()].sort());
    for (const [k, o] of helm) assert.deepEqual(o, kustomized.get(k), k);
    for (const o of renderChart())
      for (const l of HELM_LABELS) assert.ok(o.metadata.labels?.[l], `${key(o)} carries ${l}`);
  });

  test('names agree: defaults, three nodes with another prefix and other Secret/Profile names, every switch', () => {
    assertNamesAgree(renderChart());
    assertNamesAgree(
      renderChart([
        '--set=reconciler.nodes=3',
        '--set=reconciler.nodePrefix=eci-',
        '--set=credentials.existingSecret=my-keys',
        '--set=credentials.namespace=eci-secrets',
        '--set=profile.name=my-profile',
        '--set=profile.namespace=eci-config',
        '--set=webhook.dnsService=kube-system/coredns',
      ]),
    );
    const every = renderChart(EVERY_SWITCH);
    assertNamesAgree(every);
    assert.deepEqual(
      nodeNamesOf(reconcilerConfig(every)),
      [0, 1, 2].map((i) => `virtual-node-eci-${i}`),
    );
  });

  test('cert-manager on: a Certificate for the Service, CA injection, --cert-dir, and the webhook loses the certificate RBAC', () => {
    const objects = renderChart(['--set=certManager.enabled=true']);
    const cert = find(objects, 'Certificate', 'eci-webhook');
    assert.deepEqual(cert.spec.dnsNames, [
      'eci-webhook.eci-virtual-node.svc',
      'eci-webhook.eci-virtual-node.svc.cluster.local',
    ]);
    assert.deepEqual(cert.spec.issuerRef, { kind: 'Issuer', name: 'eci-webhook-selfsigned' });
    assert.deepEqual(find(objects, 'Issuer', 'eci-webhook-selfsigned').spec, { selfSigned: {} });
    const config = find(objects, 'MutatingWebhookConfiguration', 'eci-virtual-node-webhook');
    assert.equal(
      config.metadata.annotations['cert-manager.io/inject-ca-from'],
      'eci-virtual-node/eci-webhook',
    );
    const webhook = find(objects, 'Deployment', 'eci-webhook');
    assert.ok(container(webhook).args.includes('--cert-dir=/certs'));
    const certVolume = (webhook.spec.template.spec.volumes as Manifest[]).find((v) => v.name === 'certs');
    assert.equal(certVolume?.secret.secretName, cert.spec.secretName);
    assert.ok(!objects.some((o) => o.metadata.name === 'eci-virtual-node:webhook-certs'));
    assert.ok(!objects.some((o) => o.metadata.name === 'eci-virtual-node.webhook'));
    const clusterRole = find(objects, 'ClusterRole', 'eci-virtual-node:webhook');
    assert.deepEqual(rulesFor(clusterRole, 'mutatingwebhookconfigurations'), []);
    const own = renderChart([
      '--set=certManager.enabled=true',
      '--set=certManager.issuerRef.kind=ClusterIssuer',
      '--set=certManager.issuerRef.name=corp-ca',
    ]);
    assert.deepEqual(find(own, 'Certificate', 'eci-webhook').spec.issuerRef, {
      kind: 'ClusterIssuer',
      name: 'corp-ca',
    });
    assert.ok(!own.some((o) => o.kind === 'Issuer'));
  });

  test('ServiceMonitors scrape ports the Services expose', () => {
    const objects = renderChart(['--set=metrics.serviceMonitor.enabled=true']);
    for (const [monitor, service] of [
      ['eci-webhook', 'eci-webhook'],
      ['eci-virtual-node-reconciler', 'eci-virtual-node-reconciler'],
    ] as const) {
      const sm = find(objects, 'ServiceMonitor', monitor);
      const svc = find(objects, 'Service', service);
      assert.deepEqual(sm.spec.selector.matchLabels, svc.spec.selector);
      for (const e of sm.spec.endpoints as Manifest[]) {
        assert.ok(
          (svc.spec.ports as Manifest[]).some((p) => p.name === e.port),
          `${monitor}: port ${e.port}`,
        );
        assert.equal(e.path, '/metrics');
      }
    }
    const webhookTls = find(objects, 'ServiceMonitor', 'eci-webhook').spec.endpoints[0].tlsConfig;
    assert.deepEqual(webhookTls.ca.secret, { name: 'eci-webhook-certs', key: 'ca.crt' });
  });

  test('credentials: the chart writes the Secret when given the pair, and refuses to render with neither that nor an existing Secret', () => {
    const objects = renderChart(EVERY_SWITCH);
    const secret = find(objects, 'Secret', 'alibaba-addon-secret');
    assert.equal(secret.metadata.namespace, 'kube-system');
    assert.deepEqual(secret.stringData, { [CREDENTIAL_KEYS.id]: 'id', [CREDENTIAL_KEYS.secret]: 'secret' });
    assert.ok(!renderChart().some((o) => o.kind === 'Secret'), 'by default the operator brings the Secret');
    const r = run('helm', ['template', 'x', CHART, '--set=credentials.existingSecret=']);
    assert.notEqual(r.status, 0);
    assert.match(
      r.stderr,
      /credentials: set credentials.existingSecret .* or give credentials.accessKeyId and credentials.accessKeySecret/,
    );
  });

  test('the ECI Profile from values, the scheduling values and the image on both workloads', () => {
    const objects = renderChart(EVERY_SWITCH);
    const profile = find(objects, 'ConfigMap', 'eci-profile');
    assert.deepEqual(profile.data, { vSwitchIds: 'vsw-a,vsw-b', securityGroupId: 'sg-a' });
    const reconciler = sts(objects).spec.template.spec;
    const webhook = find(objects, 'Deployment', 'eci-webhook').spec.template.spec;
    assert.equal(reconciler.priorityClassName, 'system-cluster-critical');
    assert.deepEqual(reconciler.nodeSelector, { pool: 'system' });
    assert.deepEqual(webhook.tolerations, [{ key: 'dedicated', operator: 'Exists' }]);
    for (const spec of [reconciler, webhook]) {
      assert.equal(spec.containers[0].image, 'ghcr.io/eci-virtual-node/eci-virtual-node:0.2.0');
      assert.equal(spec.containers[0].imagePullPolicy, 'Always');
      assert.deepEqual(spec.imagePullSecrets, [{ name: 'registry' }]);
    }
    assert.equal(sts(objects).spec.replicas, 3);
    assert.ok(find(objects, 'ClusterRole', 'eci-virtual-node:reconciler-privatezone'));
    const pdbsOff = renderChart(['--set=webhook.pdb.enabled=false', '--set=reconciler.pdb.enabled=false']);
    assert.ok(!pdbsOff.some((o) => o.kind === 'PodDisruptionBudget'));
  });

  test('networkPolicy.enabled renders deploy/network-policies.yaml (Helm labels aside), with the API server peers from values', () => {
    const policies = (args: string[]) =>
      renderChart(['--set=networkPolicy.enabled=true', ...args])
        .filter((o) => o.kind === 'NetworkPolicy')
        .map(withoutHelmLabels);
    const plain = parseManifests(readFileSync(`${DEPLOY}network-policies.yaml`, 'utf8'));
    assert.deepEqual(byKey(policies([])), byKey(plain));
    assert.ok(!renderChart().some((o) => o.kind === 'NetworkPolicy'), 'off by default');
    const konnectivity = policies([
      '--set=networkPolicy.apiServer[0].podSelector.matchLabels.k8s-app=konnectivity-agent',
      '--set=networkPolicy.apiServer[0].namespaceSelector.matchLabels.kubernetes\\.io/metadata\\.name=kube-system',
    ]);
    const webhook = find(konnectivity, 'NetworkPolicy', 'eci-webhook');
    assert.deepEqual(webhook.spec.ingress[0].from, [
      {
        podSelector: { matchLabels: { 'k8s-app': 'konnectivity-agent' } },
        namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } },
      },
    ]);
  });

  test('the chart carries the ImageCache CRD of deploy/crds unchanged (helm install applies crds/ first)', () => {
    const file = 'imagecaches.eci.alibabacloud.com.yaml';
    assert.equal(
      readFileSync(`${CHART}/crds/${file}`, 'utf8'),
      readFileSync(`${DEPLOY}crds/${file}`, 'utf8'),
    );
    const r = run('helm', ['template', 'x', CHART, '--include-crds']);
    assert.equal(r.status, 0, r.stderr);
    assert.ok(find(parseManifests(r.stdout), 'CustomResourceDefinition', 'imagecaches.eci.alibabacloud.com'));
  });

  test('a bad value is refused by the schema with the field named', () => {
    const r = run('helm', ['template', 'x', CHART, '--set=reconciler.nodes=0']);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /reconciler[./]nodes/);
  });
});

describe('kustomize', () => {
  test('the example overlay builds: two virtual nodes everywhere, the credentials Secret and the ECI Profile, its image', () => {
    const objects = renderKustomize('kustomize/overlays/example');
    assertNamesAgree(objects);
    assert.deepEqual(nodeNamesOf(reconcilerConfig(objects)), ['virtual-node-eci-0', 'virtual-node-eci-1']);
    const secret = find(objects, 'Secret', 'alibaba-addon-secret');
    assert.deepEqual(Object.keys(secret.data).sort(), [CREDENTIAL_KEYS.id, CREDENTIAL_KEYS.secret].sort());
    assert.ok(find(objects, 'ConfigMap', 'eci-profile').data.vSwitchIds);
    for (const o of objects.filter((x) => x.spec?.template))
      assert.match(container(o).image, /^registry\.example\.com\//);
  });
});
