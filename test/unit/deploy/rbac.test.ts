// deploy/*/rbac.yaml and admission-policy.yaml, read statically (issue 10 item 5): the names
// they scope to agree with what the Deployment and the StatefulSet make the programs use, and no rule is broader
// than the calls listed in their comments. test/integration/deploy/rbac.test.ts proves the
// same on a real API server.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { nodeNamesOf, parseReconcilerConfig } from '../../../reconciler/config.ts';
import { containerEnv, loadManifests, one, type Manifest } from './load.ts';

const reconcilerRbac = loadManifests('reconciler/rbac.yaml');
const webhookRbac = loadManifests('webhook/rbac.yaml');
const reconcilerPolicy = loadManifests('reconciler/admission-policy.yaml');
const reconcilerWorkload = one(loadManifests('reconciler/statefulset.yaml'), 'StatefulSet');

interface Rule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  resourceNames?: string[];
}

const rulesOf = (role: Manifest): Rule[] => role.rules as Rule[];
const rulesFor = (role: Manifest, resource: string) =>
  rulesOf(role).filter((r) => r.resources.includes(resource));

function reconcilerConfig() {
  const container = reconcilerWorkload.spec.template.spec.containers[0];
  const parsed = parseReconcilerConfig(container.args, containerEnv(reconcilerWorkload, container));
  assert.ok(parsed.ok, parsed.ok ? '' : parsed.error);
  return parsed.config;
}

describe('reconciler RBAC', () => {
  const clusterRole = one(reconcilerRbac, 'ClusterRole', 'eci-virtual-node:reconciler');
  const leases = one(reconcilerRbac, 'Role', undefined, 'kube-node-lease');
  const kubeSystem = one(reconcilerRbac, 'Role', 'eci-virtual-node:reconciler', 'kube-system');

  test('no wildcard, and the cluster-wide rules never list or watch Secrets or ConfigMaps', () => {
    for (const role of reconcilerRbac.filter((m) => m.kind === 'ClusterRole' || m.kind === 'Role')) {
      for (const r of rulesOf(role)) {
        assert.ok(![...r.apiGroups, ...r.resources, ...r.verbs].includes('*'), JSON.stringify(r));
      }
    }
    for (const resource of ['secrets', 'configmaps']) {
      for (const r of rulesFor(clusterRole, resource)) assert.deepEqual(r.verbs, ['get'], resource);
    }
    for (const r of rulesFor(clusterRole, 'serviceaccounts/token')) assert.deepEqual(r.verbs, ['create']);
  });

  test('nodes, node status and node leases are scoped to the virtual nodes the StatefulSet serves, and so is the admission policy', () => {
    const names = nodeNamesOf(reconcilerConfig());
    assert.deepEqual(names, ['virtual-node-eci-0']);
    const unscoped = (r: Rule) => r.resourceNames === undefined;
    for (const [role, resource] of [
      [clusterRole, 'nodes'],
      [clusterRole, 'nodes/status'],
      [leases, 'leases'],
    ] as const) {
      for (const r of rulesFor(role, resource)) {
        if (unscoped(r)) assert.deepEqual(r.verbs, ['create'], `${resource}: only create is unscoped`);
        else assert.deepEqual(r.resourceNames, names, resource);
      }
    }
    const policy = one(reconcilerPolicy, 'ValidatingAdmissionPolicy');
    const variable = policy.spec.variables.find((v: Manifest) => v.name === 'virtualNodes');
    assert.equal(variable.expression, JSON.stringify(names).replaceAll('"', "'"));
    assert.equal(
      policy.spec.matchConditions[0].expression,
      "request.userInfo.username == 'system:serviceaccount:eci-virtual-node:eci-reconciler'",
    );
    assert.equal(
      one(reconcilerPolicy, 'ValidatingAdmissionPolicyBinding').spec.policyName,
      policy.metadata.name,
    );
  });

  test('kube-system: only the credentials Secret and the ECI Profile the StatefulSet names, by resourceNames', () => {
    const config = reconcilerConfig();
    const [secretNs, secretName] = config.credentialsSecret.split('/');
    const [profileNs, profileName] = config.profileConfigMap.split('/');
    assert.equal(secretNs, 'kube-system');
    assert.equal(profileNs, 'kube-system');
    for (const r of rulesOf(kubeSystem)) {
      assert.ok(r.resourceNames && r.resourceNames.length === 1, JSON.stringify(r));
    }
    assert.deepEqual(rulesFor(kubeSystem, 'secrets')[0]?.resourceNames, [secretName]);
    assert.deepEqual(rulesFor(kubeSystem, 'configmaps')[0]?.resourceNames, [profileName]);
  });

  test('the bindings name the service account the StatefulSet runs as', () => {
    const sa = one(reconcilerRbac, 'ServiceAccount');
    assert.equal(reconcilerWorkload.spec.template.spec.serviceAccountName, sa.metadata.name);
    for (const b of reconcilerRbac.filter((m) => m.kind.endsWith('Binding'))) {
      assert.deepEqual(b.subjects, [
        { kind: 'ServiceAccount', name: sa.metadata.name, namespace: sa.metadata.namespace },
      ]);
    }
  });
});

describe('webhook RBAC', () => {
  test('kube-system: the ECI Profile and the DNS Service by name, list and watch only', () => {
    const kubeSystem = one(webhookRbac, 'Role', undefined, 'kube-system');
    assert.deepEqual(rulesFor(kubeSystem, 'configmaps'), [
      {
        apiGroups: [''],
        resources: ['configmaps'],
        resourceNames: ['eci-profile'],
        verbs: ['list', 'watch'],
      },
    ]);
    assert.deepEqual(rulesFor(kubeSystem, 'services'), [
      { apiGroups: [''], resources: ['services'], resourceNames: ['kube-dns'], verbs: ['list', 'watch'] },
    ]);
  });

  test('the only unscoped Secret verb is create, and the admission policy limits it to the certificate Secret', () => {
    const certs = one(webhookRbac, 'Role', undefined, 'eci-virtual-node');
    for (const r of rulesFor(certs, 'secrets')) {
      if (!r.resourceNames) assert.deepEqual(r.verbs, ['create']);
      else assert.deepEqual(r.resourceNames, ['eci-webhook-certs']);
    }
    const policy = one(loadManifests('webhook/admission-policy.yaml'), 'ValidatingAdmissionPolicy');
    assert.match(policy.spec.validations[0].expression, /'eci-webhook-certs'/);
  });
});
