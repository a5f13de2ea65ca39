// The node port's authentication and authorization against the real API server (TokenReview
// and SubjectAccessReview are real), calling the node directly as an attacker or a scraper
// would: no credentials 401, a ServiceAccount without nodes/proxy 403, one with it 200, and a
// client certificate signed by the cluster CA for a user with rights 200.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:https';
import { CoreV1Api, RbacAuthorizationV1Api } from '@kubernetes/client-node';
import { controlPlane, type SharedControlPlane } from '../../harness/shared.ts';
import { createNamespace, deleteNamespace } from '../helpers.ts';
import { startFakeNode, type FakeNode } from './node-fixture.ts';

let cp: SharedControlPlane;
let node: FakeNode;
let ns: string;
const tokens: Record<string, string> = {};
const roleName = `kubelet-api-test-proxy-${process.pid}`;

function get(
  path: string,
  o: { token?: string; cert?: string; key?: string; method?: string; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const r = request(
      {
        host: node.host,
        port: node.port,
        path,
        method: o.method ?? 'GET',
        rejectUnauthorized: false,
        cert: o.cert,
        key: o.key,
        headers: { ...(o.token ? { authorization: `Bearer ${o.token}` } : {}), ...o.headers },
      },
      (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    r.on('error', reject);
    r.end();
  });
}

before(async () => {
  cp = await controlPlane();
  node = await startFakeNode(cp.kubeConfig, (nodeName) => ({
    auth: { nodeName, clientCaPem: cp.caPem, kubeConfig: cp.kubeConfig },
  }));
  ns = await createNamespace(cp.kubeConfig, 'kubelet-auth');
  const core = cp.kubeConfig.makeApiClient(CoreV1Api);
  const rbac = cp.kubeConfig.makeApiClient(RbacAuthorizationV1Api);
  await rbac.createClusterRole({
    body: {
      metadata: { name: roleName },
      rules: [{ apiGroups: [''], resources: ['nodes/proxy'], verbs: ['get', 'create'] }],
    },
  });
  for (const sa of ['reader', 'prober']) {
    await core.createNamespacedServiceAccount({ namespace: ns, body: { metadata: { name: sa } } });
    const tr = await core.createNamespacedServiceAccountToken({
      name: sa,
      namespace: ns,
      body: { spec: { audiences: [], expirationSeconds: 3600 } },
    });
    tokens[sa] = tr.status?.token ?? assert.fail(`no token for ${sa}`);
  }
  await rbac.createClusterRoleBinding({
    body: {
      metadata: { name: roleName },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: roleName },
      subjects: [{ kind: 'ServiceAccount', name: 'prober', namespace: ns }],
    },
  });
});

after(async () => {
  const rbac = cp.kubeConfig.makeApiClient(RbacAuthorizationV1Api);
  await rbac.deleteClusterRoleBinding({ name: roleName }).catch(() => undefined);
  await rbac.deleteClusterRole({ name: roleName }).catch(() => undefined);
  if (ns) await deleteNamespace(cp.kubeConfig, ns);
  await node?.stop();
});

test('no credentials: 401, on plain requests and on exec upgrades alike', async () => {
  assert.deepEqual(await get('/healthz'), { status: 401, body: 'Unauthorized' });
  assert.deepEqual(await get('/containerLogs/a/b/c'), { status: 401, body: 'Unauthorized' });
  const upgrade = await get('/exec/a/b/c?output=1&command=ls', {
    method: 'POST',
    headers: { connection: 'Upgrade', upgrade: 'SPDY/3.1' },
  }).catch((err: Error) => ({ status: -1, body: err.message }));
  assert.equal(upgrade.status, 401, upgrade.body);
  assert.deepEqual(await get('/healthz', { token: 'not-a-real-token' }), {
    status: 401,
    body: 'Unauthorized',
  });
});

test('a ServiceAccount token without nodes/proxy: 403 naming the missing right', async () => {
  assert.deepEqual(await get('/containerLogs/a/b/c', { token: tokens.reader }), {
    status: 403,
    body: `Forbidden (user=system:serviceaccount:${ns}:reader, verb=get, resource=nodes, subresource=proxy)`,
  });
});

test('a ServiceAccount token with nodes/proxy: let in (healthz 200; a log request reaches the handler)', async () => {
  assert.deepEqual(await get('/healthz', { token: tokens.prober }), { status: 200, body: 'ok' });
  const logs = await get('/containerLogs/a/b/c', { token: tokens.prober });
  assert.equal(logs.status, 400);
  assert.match(logs.body, /has no container group/);
});

test('a client certificate signed by the cluster CA (the admin, system:masters): 200', async () => {
  const user = cp.kubeConfig.getCurrentUser()!;
  const pem = (b64?: string) => Buffer.from(b64 ?? '', 'base64').toString('utf8');
  assert.deepEqual(await get('/healthz', { cert: pem(user.certData), key: pem(user.keyData) }), {
    status: 200,
    body: 'ok',
  });
});

test("through the API server's node proxy: its kubelet client certificate (kubelet-api-admin) is let in; the node's routable address is allowed", async () => {
  const { execFile } = await import('node:child_process');
  const out = await new Promise<string>((resolve, reject) =>
    execFile(
      cp.kubectlPath,
      ['--kubeconfig', cp.kubeconfigPath, 'get', '--raw', `/api/v1/nodes/${node.name}/proxy/healthz`],
      (err, stdout, stderr) => (err ? reject(new Error(stderr || err.message)) : resolve(stdout)),
    ),
  );
  assert.equal(out, 'ok');
});
