// Every manifest in deploy/ is accepted by a real API server as an operator applies it:
// server-side dry run with strict field validation, so an unknown or misspelt field (which a
// client-side check or a lenient server would drop silently) fails here.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { installDeployRbac, type Installed } from './installed.ts';
import { renderChart } from './render.ts';

const DEPLOY = fileURLToPath(new URL('../../../deploy/', import.meta.url));
const MANIFESTS = ['', 'reconciler/', 'webhook/'].flatMap((dir) =>
  readdirSync(DEPLOY + dir)
    .filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml')
    .map((f) => dir + f),
);

let installed: Installed;

before(async () => {
  // The namespace must exist for a dry run of the objects in it.
  installed = await installDeployRbac();
});

after(async () => {
  await installed?.uninstall();
});

test('deploy/ holds the expected manifests', () => {
  for (const f of [
    'network-policies.yaml',
    'reconciler/rbac.yaml',
    'reconciler/admission-policy.yaml',
    'reconciler/statefulset.yaml',
    'webhook/rbac.yaml',
    'webhook/admission-policy.yaml',
    'webhook/deployment.yaml',
    'webhook/mutatingwebhookconfiguration.yaml',
  ]) {
    assert.ok(MANIFESTS.includes(f), f);
  }
  for (const dir of ['webhook', 'reconciler', 'kustomize/base', 'kustomize/overlays/example'])
    assert.ok(existsSync(`${DEPLOY}${dir}/kustomization.yaml`), dir);
});

for (const file of MANIFESTS) {
  test(`${file} passes server-side dry run with strict field validation`, async () => {
    const r = await installed.kubectl([
      'apply',
      '--dry-run=server',
      '--validate=strict',
      '-f',
      DEPLOY + file,
    ]);
    assert.equal(r.code, 0, r.stderr);
  });
}

for (const dir of ['kustomize/base', 'kustomize/overlays/example']) {
  test(`kubectl apply -k deploy/${dir} passes server-side dry run with strict field validation`, async () => {
    const r = await installed.kubectl(['apply', '--dry-run=server', '--validate=strict', '-k', DEPLOY + dir]);
    assert.equal(r.code, 0, r.stderr);
  });
}

test('the chart with every switch but the CRD-based objects passes server-side dry run with strict field validation', async () => {
  const objects = renderChart([
    '--set=privateZone.enabled=true',
    '--set=credentials.existingSecret=',
    '--set=credentials.accessKeyId=id',
    '--set=credentials.accessKeySecret=secret',
    '--set=profile.create=true',
    '--set=profile.data.vSwitchIds=vsw-a',
    '--set=reconciler.nodes=3',
    '--set=reconciler.priorityClassName=system-cluster-critical',
    '--set=webhook.tolerations[0].key=dedicated',
    '--set=webhook.tolerations[0].operator=Exists',
  ]);
  const r = await installed.kubectl(
    ['apply', '--dry-run=server', '--validate=strict', '-f', '-'],
    JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }),
  );
  assert.equal(r.code, 0, r.stderr);
});
