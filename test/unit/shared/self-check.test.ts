// The start-up permission self-check's pure parts: the line per permission, which refusals
// stop the program, and the two programs' tables (shared/permissions/).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { describePermission, selfCheckReport, type Permission } from '../../../shared/permissions/check.ts';
import {
  reconcilerPermissions,
  type ReconcilerPermissionInput,
} from '../../../shared/permissions/reconciler.ts';
import { webhookPermissions } from '../../../shared/permissions/webhook.ts';

describe('describePermission', () => {
  const cases: [Permission, string][] = [
    [{ verb: 'list', resource: 'pods', neededBy: 'x' }, 'list pods (cluster-wide)'],
    [
      { verb: 'patch', resource: 'nodes', subresource: 'status', name: 'vn-0', neededBy: 'x' },
      'patch nodes/status vn-0 (cluster-wide)',
    ],
    [
      {
        verb: 'patch',
        resource: 'leases',
        group: 'coordination.k8s.io',
        namespace: 'kube-node-lease',
        name: 'vn-0',
        neededBy: 'x',
      },
      'patch leases.coordination.k8s.io vn-0 in kube-node-lease',
    ],
  ];
  for (const [permission, line] of cases) {
    test(line, () => assert.equal(describePermission(permission), line));
  }
});

describe('selfCheckReport', () => {
  const list: Permission = { verb: 'list', resource: 'pods', neededBy: 'the pod informer' };
  const slices: Permission = {
    verb: 'watch',
    resource: 'endpointslices',
    group: 'discovery.k8s.io',
    neededBy: 'PrivateZone',
    optional: true,
  };

  test('everything allowed: nothing to say, not fatal', () => {
    assert.deepEqual(
      selfCheckReport([
        { permission: list, allowed: true },
        { permission: slices, allowed: true },
      ]),
      { fatal: false, errors: [], warnings: [] },
    );
  });

  test('a refused required permission: one named line, fatal', () => {
    assert.deepEqual(selfCheckReport([{ permission: list, allowed: false }]), {
      fatal: true,
      errors: ['missing permission: list pods (cluster-wide), needed by the pod informer'],
      warnings: [],
    });
  });

  test('a refused optional permission: a warning, not fatal', () => {
    const report = selfCheckReport([
      { permission: list, allowed: true },
      { permission: slices, allowed: false },
    ]);
    assert.equal(report.fatal, false);
    assert.deepEqual(report.errors, []);
    assert.deepEqual(report.warnings, [
      'missing optional permission: watch endpointslices.discovery.k8s.io (cluster-wide), needed by PrivateZone (the feature will fail)',
    ]);
  });
});

describe('the reconciler table', () => {
  const input: ReconcilerPermissionInput = {
    nodeNames: ['vn-0', 'vn-1'],
    credentialsSecret: 'kube-system/creds',
    profileConfigMap: 'kube-system/profile',
    authorizationMode: 'Webhook',
    clientCaFile: '/etc/ca.pem',
    leaderElect: false,
    leaseNamespace: 'eci-virtual-node',
    privateZone: false,
  };

  test('--leader-elect adds the replica Leases of its namespace', () => {
    const without = reconcilerPermissions(input).map(describePermission);
    const withLeases = reconcilerPermissions({ ...input, leaderElect: true }).map(describePermission);
    assert.deepEqual(
      withLeases.filter((l) => !without.includes(l)),
      ['list', 'create', 'update', 'delete'].map(
        (v) => `${v} leases.coordination.k8s.io in eci-virtual-node`,
      ),
    );
  });

  test('each virtual node gets its node, status and lease rows; the kube-system objects by name', () => {
    const lines = reconcilerPermissions(input).map(describePermission);
    for (const node of input.nodeNames) {
      assert.ok(lines.includes(`patch nodes/status ${node} (cluster-wide)`), node);
      assert.ok(lines.includes(`patch leases.coordination.k8s.io ${node} in kube-node-lease`), node);
    }
    assert.ok(lines.includes('watch secrets creds in kube-system'));
    assert.ok(lines.includes('watch configmaps profile in kube-system'));
    assert.ok(lines.includes('list pods (cluster-wide)'));
    assert.equal(new Set(lines).size, lines.length, 'no row twice');
  });

  test('the kubelet API: TokenReview always, SubjectAccessReview with Webhook authorization, the client CA (optional) without --client-ca-file', () => {
    const lines = (i: Partial<ReconcilerPermissionInput>) =>
      reconcilerPermissions({ ...input, ...i }).map(describePermission);
    const caRead = 'get configmaps extension-apiserver-authentication in kube-system';
    assert.ok(lines({}).includes('create tokenreviews.authentication.k8s.io (cluster-wide)'));
    assert.ok(lines({}).includes('create subjectaccessreviews.authorization.k8s.io (cluster-wide)'));
    assert.ok(
      !lines({ authorizationMode: 'AlwaysAllow' }).includes(
        'create subjectaccessreviews.authorization.k8s.io (cluster-wide)',
      ),
    );
    assert.ok(!lines({}).includes(caRead));
    const withoutCa = reconcilerPermissions({ ...input, clientCaFile: undefined });
    assert.equal(withoutCa.find((p) => describePermission(p) === caRead)?.optional, true);
  });

  test('PrivateZone rows only while it is enabled, and only optional', () => {
    const off = reconcilerPermissions(input);
    const on = reconcilerPermissions({ ...input, privateZone: true });
    assert.ok(
      off.every((p) => !p.optional),
      'with --client-ca-file nothing is optional',
    );
    const extra = on.filter((p) => !off.some((q) => describePermission(q) === describePermission(p)));
    assert.deepEqual(extra.map(describePermission).sort(), [
      'list endpointslices.discovery.k8s.io (cluster-wide)',
      'watch endpointslices.discovery.k8s.io (cluster-wide)',
      'watch services (cluster-wide)',
    ]);
    assert.ok(extra.every((p) => p.optional));
    const lines = on.map(describePermission);
    assert.equal(new Set(lines).size, lines.length, 'no row twice');
  });
});

describe('the webhook table', () => {
  const input = {
    namespace: 'eci-virtual-node',
    certSecret: 'eci-webhook-certs',
    webhookConfigName: 'eci-virtual-node-webhook',
    profileConfigMap: 'kube-system/eci-profile',
    dnsService: 'kube-system/kube-dns',
  };

  test('a self-managed certificate needs its Secret and the caBundle patch; a --cert-dir does not', () => {
    const selfManaged = webhookPermissions(input).map(describePermission);
    const fromDir = webhookPermissions({ ...input, certDir: '/certs' }).map(describePermission);
    for (const line of [
      'update secrets eci-webhook-certs in eci-virtual-node',
      'patch mutatingwebhookconfigurations.admissionregistration.k8s.io eci-virtual-node-webhook (cluster-wide)',
    ]) {
      assert.ok(selfManaged.includes(line), line);
      assert.ok(!fromDir.includes(line), line);
    }
    assert.ok(fromDir.includes('watch namespaces (cluster-wide)'));
    assert.ok(fromDir.includes('list services kube-dns in kube-system'));
  });
});
