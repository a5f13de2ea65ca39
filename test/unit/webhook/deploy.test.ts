// deploy/webhook must agree with the code: the generated configuration, the names the
// program uses by default, and the RBAC those names need.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { webhookConfiguration, webhookConfigurationYaml } from '../../../webhook/webhook-config.ts';
import { parseWebhookConfig } from '../../../webhook/config.ts';

const dir = new URL('../../../deploy/webhook/', import.meta.url);
const load = (file: string) =>
  parseAllDocuments(readFileSync(new URL(file, dir), 'utf8')).map((d) => d.toJSON() as Record<string, any>); // eslint-disable-line @typescript-eslint/no-explicit-any

const DEFAULTS = { namespace: 'eci-virtual-node', service: { name: 'eci-webhook' } };

test('mutatingwebhookconfiguration.yaml is the generator output (regenerate with node webhook/render-config.ts)', () => {
  const text = readFileSync(new URL('mutatingwebhookconfiguration.yaml', dir), 'utf8');
  assert.equal(text, webhookConfigurationYaml(DEFAULTS));
  assert.deepEqual(
    load('mutatingwebhookconfiguration.yaml')[0],
    JSON.parse(JSON.stringify(webhookConfiguration(DEFAULTS))),
  );
});

test('the Deployment, Service and RBAC use the names the program and the configuration use', () => {
  const config = webhookConfiguration(DEFAULTS);
  const [deployment, service] = load('deployment.yaml');
  assert.equal(deployment?.kind, 'Deployment');
  const container = deployment?.spec.template.spec.containers[0];
  const parsed = parseWebhookConfig(container.args, { POD_NAMESPACE: deployment?.metadata.namespace });
  assert.ok(parsed.ok, parsed.ok ? '' : parsed.error);
  assert.equal(parsed.config.webhookConfigName, config.metadata?.name);
  assert.equal(parsed.config.serviceName, config.webhooks?.[0]?.clientConfig.service?.name);
  assert.equal(deployment?.metadata.namespace, config.webhooks?.[0]?.clientConfig.service?.namespace);
  assert.equal(container.ports[0].containerPort, parsed.config.port);

  assert.equal(service?.kind, 'Service');
  assert.equal(service?.metadata.name, parsed.config.serviceName);
  assert.equal(service?.spec.ports[0].port, config.webhooks?.[0]?.clientConfig.service?.port);

  const rbac = load('rbac.yaml');
  const clusterRole = rbac.find((r) => r.kind === 'ClusterRole');
  const mwcRule = clusterRole?.rules.find((r: { resources: string[] }) =>
    r.resources.includes('mutatingwebhookconfigurations'),
  );
  assert.deepEqual(mwcRule.resourceNames, [parsed.config.webhookConfigName]);
  const certRole = rbac.find(
    (r) => r.kind === 'Role' && r.metadata.namespace === deployment?.metadata.namespace,
  );
  assert.ok(
    certRole?.rules.some((r: { resourceNames?: string[] }) =>
      r.resourceNames?.includes(parsed.config.certSecret),
    ),
  );
  const profileRole = rbac.find((r) => r.kind === 'Role' && r.metadata.namespace === 'kube-system');
  assert.ok(profileRole?.rules.some((r: { resources: string[] }) => r.resources.includes('configmaps')));
  assert.ok(profileRole?.rules.some((r: { resources: string[] }) => r.resources.includes('events')));
  const sa = rbac.find((r) => r.kind === 'ServiceAccount');
  assert.equal(deployment?.spec.template.spec.serviceAccountName, sa?.metadata.name);
});

test('`node webhook/render-config.ts` prints that file; a bad flag exits 2 naming it', () => {
  const script = fileURLToPath(new URL('../../../webhook/render-config.ts', import.meta.url));
  const run = (args: string[]) =>
    spawnSync(process.execPath, [script, ...args], { encoding: 'utf8', timeout: 20_000 });
  const out = run([]);
  assert.equal(out.status, 0, out.stderr);
  assert.equal(out.stdout, readFileSync(new URL('mutatingwebhookconfiguration.yaml', dir), 'utf8'));
  const bad = run(['--failure-policy', 'Maybe']);
  assert.equal(bad.status, 2);
  assert.equal(bad.stderr.trim(), 'render-config: --failure-policy: must be Ignore or Fail');
  const typo = run(['--urll', 'https://x']);
  assert.equal(typo.status, 2);
  assert.match(typo.stderr, /Unknown option '--urll'; did you mean --url\?/);
  assert.match(run(['--help']).stdout, /^ {2}--failure-policy default "Ignore"$/m);
});
