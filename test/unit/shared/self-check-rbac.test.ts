// The shipped RBAC (deploy/*/rbac.yaml, deploy/reconciler/rbac-privatezone.yaml) grants every
// permission the start-up self-check asks for (shared/permissions/), with the configuration the
// shipped workloads give the programs: a rule dropped from the manifests, or a row added to a
// table without its rule, fails here before an install fails at start.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { describePermission, type Permission } from '../../../shared/permissions/check.ts';
import { reconcilerPermissions } from '../../../shared/permissions/reconciler.ts';
import { webhookPermissions } from '../../../shared/permissions/webhook.ts';
import { nodeNamesOf, parseReconcilerConfig } from '../../../reconciler/config.ts';
import { parseWebhookConfig } from '../../../webhook/config.ts';
import { loadManifests, one, type Manifest } from '../deploy/load.ts';

interface Rule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  resourceNames?: string[];
}

/** Pure: whether RBAC roles (all bound to the program's account) allow `p`, as the RBAC authorizer decides. */
function granted(roles: Manifest[], p: Permission): boolean {
  const resource = p.subresource ? `${p.resource}/${p.subresource}` : p.resource;
  return roles.some((role) => {
    // A Role grants only in its namespace; a cluster-wide request needs a ClusterRole.
    if (role.kind === 'Role' && role.metadata.namespace !== p.namespace) return false;
    return (role.rules as Rule[]).some(
      (r) =>
        r.apiGroups.includes(p.group ?? '') &&
        r.resources.includes(resource) &&
        r.verbs.includes(p.verb) &&
        (r.resourceNames === undefined || (p.name !== undefined && r.resourceNames.includes(p.name))),
    );
  });
}

/** Built-in ClusterRoles the manifests bind (their rules as the API server bootstraps them). */
const BUILT_IN: Record<string, Rule[]> = {
  'system:auth-delegator': [
    { apiGroups: ['authentication.k8s.io'], resources: ['tokenreviews'], verbs: ['create'] },
    { apiGroups: ['authorization.k8s.io'], resources: ['subjectaccessreviews'], verbs: ['create'] },
  ],
};

/** The roles of the manifests, and the built-in ClusterRoles they bind cluster-wide. */
const rolesOf = (manifests: Manifest[]) => [
  ...manifests.filter((m) => m.kind === 'Role' || m.kind === 'ClusterRole'),
  ...manifests
    .filter((m) => m.kind === 'ClusterRoleBinding' && BUILT_IN[m.roleRef.name])
    .map((m) => ({
      kind: 'ClusterRole',
      metadata: { name: m.roleRef.name },
      rules: BUILT_IN[m.roleRef.name],
    })),
];

/** The program's container in its workload (a Deployment, or the reconciler's StatefulSet). */
function containerOf(file: string, kind: 'Deployment' | 'StatefulSet') {
  return one(loadManifests(file), kind).spec.template.spec.containers[0];
}

function envOf(container: Manifest): Record<string, string> {
  return Object.fromEntries(
    ((container.env ?? []) as Manifest[]).map((e) => [
      e.name,
      e.value ?? (e.name === 'POD_NAMESPACE' ? 'eci-virtual-node' : '10.0.0.1'),
    ]),
  ) as Record<string, string>;
}

const missing = (roles: Manifest[], table: Permission[]) =>
  table.filter((p) => !granted(roles, p)).map(describePermission);

describe('the shipped RBAC grants what the self-check asks', () => {
  test('reconciler: every required row; with rbac-privatezone.yaml also every PrivateZone row', () => {
    const container = containerOf('reconciler/statefulset.yaml', 'StatefulSet');
    const parsed = parseReconcilerConfig(container.args, envOf(container));
    assert.ok(parsed.ok, parsed.ok ? '' : parsed.error);
    const input = { ...parsed.config, nodeNames: nodeNamesOf(parsed.config) };
    const base = rolesOf(loadManifests('reconciler/rbac.yaml'));
    assert.deepEqual(missing(base, reconcilerPermissions({ ...input, privateZone: false })), []);
    const withZone = [...base, ...rolesOf(loadManifests('reconciler/rbac-privatezone.yaml'))];
    assert.deepEqual(missing(withZone, reconcilerPermissions({ ...input, privateZone: true })), []);
    // The check itself can fail: without rbac-privatezone.yaml the PrivateZone rows are refused.
    assert.ok(missing(base, reconcilerPermissions({ ...input, privateZone: true })).length > 0);
  });

  test('webhook: every row', () => {
    const container = containerOf('webhook/deployment.yaml', 'Deployment');
    const parsed = parseWebhookConfig(container.args, envOf(container));
    assert.ok(parsed.ok, parsed.ok ? '' : parsed.error);
    assert.deepEqual(
      missing(rolesOf(loadManifests('webhook/rbac.yaml')), webhookPermissions(parsed.config)),
      [],
    );
  });
});
