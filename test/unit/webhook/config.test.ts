import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseWebhookConfig, splitNamespacedName, USAGE } from '../../../webhook/config.ts';

test('defaults', () => {
  const result = parseWebhookConfig([], {});
  assert.ok(result.ok);
  assert.equal(result.config.port, 8443);
  assert.equal(result.config.host, '0.0.0.0');
  assert.equal(result.config.certDir, undefined);
  assert.equal(result.config.clusterDomain, 'cluster.local');
  assert.equal(result.config.profileConfigMap, 'kube-system/eci-profile');
  assert.equal(result.config.dnsService, 'kube-system/kube-dns');
  assert.deepEqual(result.config.certHosts, []);
});

test('flags win over environment variables', () => {
  const result = parseWebhookConfig(['--port', '9443', '--cert-hosts', '127.0.0.1, webhook.local'], {
    WEBHOOK_PORT: '1234',
    POD_NAMESPACE: 'eci-system',
  });
  assert.ok(result.ok);
  assert.equal(result.config.port, 9443);
  assert.equal(result.config.namespace, 'eci-system');
  assert.deepEqual(result.config.certHosts, ['127.0.0.1', 'webhook.local']);
});

const bad: Array<[string, string[], Record<string, string>, RegExp]> = [
  ['port not a number', ['--port', 'abc'], {}, /^--port: must be a port number/],
  ['port out of range', ['--port', '70000'], {}, /^--port: /],
  ['negative port', ['--port=-1'], {}, /^--port: /],
  ['port from the environment', [], { WEBHOOK_PORT: 'x' }, /^WEBHOOK_PORT \(--port\): /],
  [
    'profile without namespace',
    ['--profile-configmap', 'eci-profile'],
    {},
    /^--profile-configmap: must be <namespace>\/<name>/,
  ],
  ['bad dns service', ['--dns-service', 'Kube/DNS'], {}, /^--dns-service: /],
  [
    'bad cluster domain',
    ['--cluster-domain', 'Cluster Local'],
    {},
    /^--cluster-domain: must be a DNS domain/,
  ],
  ['bad namespace', ['--namespace', 'Eci_System'], {}, /^--namespace: must be a DNS label/],
  ['renew fraction ≥ 1', ['--cert-renew-fraction', '1'], {}, /^--cert-renew-fraction: /],
  ['unknown flag', ['--prot', '1'], {}, /Unknown option '--prot'/],
  ['positional argument', ['extra'], {}, /positional/i],
];
for (const [name, argv, env, message] of bad) {
  test(`bad value: ${name}`, () => {
    const result = parseWebhookConfig(argv, env);
    assert.equal(result.ok, false);
    if (!result.ok) assert.match(result.error, message);
  });
}

test('splitNamespacedName', () => {
  assert.deepEqual(splitNamespacedName('kube-system/eci-profile'), {
    namespace: 'kube-system',
    name: 'eci-profile',
  });
});

test('an unknown flag is named, with the closest known flag as a hint', () => {
  const typo = parseWebhookConfig(['--prot', '1'], {});
  assert.deepEqual(typo, {
    ok: false,
    error: "Unknown option '--prot'; did you mean --port? (--help lists the flags)",
  });
  const far = parseWebhookConfig(['--frobnicate=1'], {});
  assert.equal(far.ok, false);
  if (!far.ok) assert.equal(far.error, "Unknown option '--frobnicate' (--help lists the flags)");
});

test('an empty environment variable counts as unset; a flag given as --flag=value works', () => {
  const result = parseWebhookConfig(['--cluster-domain=corp.local'], { WEBHOOK_PORT: '' });
  assert.ok(result.ok);
  assert.equal(result.config.port, 8443);
  assert.equal(result.config.clusterDomain, 'corp.local');
});

test('--help: every flag with its environment variable, default and a line of help', () => {
  const expected: Array<[string, string | undefined, string | undefined]> = [
    ['kubeconfig', 'KUBECONFIG', undefined],
    ['host', 'WEBHOOK_HOST', '0.0.0.0'],
    ['port', 'WEBHOOK_PORT', '8443'],
    ['cert-dir', 'WEBHOOK_CERT_DIR', undefined],
    ['namespace', 'POD_NAMESPACE', 'eci-virtual-node'],
    ['service-name', undefined, 'eci-webhook'],
    ['cert-secret', undefined, 'eci-webhook-certs'],
    ['cert-hosts', undefined, ''],
    ['webhook-config-name', undefined, 'eci-virtual-node-webhook'],
    ['profile-configmap', undefined, 'kube-system/eci-profile'],
    ['dns-service', undefined, 'kube-system/kube-dns'],
    ['cluster-domain', 'CLUSTER_DOMAIN', 'cluster.local'],
    ['cert-check-interval-ms', undefined, '300000'],
    ['cert-renew-fraction', undefined, '0.33'],
    ['debug-address', undefined, undefined],
    ['debug-token-file', undefined, undefined],
  ];
  const lines = USAGE.split('\n');
  for (const [flag, env, def] of expected) {
    const line = `  --${flag}${env ? ` (env ${env})` : ''}${def !== undefined ? ` default "${def}"` : ''}`;
    const at = lines.indexOf(line);
    assert.ok(at >= 0, `missing: ${line}`);
    assert.match(lines[at + 1]!, /^ {6}\S/, `help text under --${flag}`);
  }
  const documented = lines.filter((l) => /^ {2}--[a-z]/.test(l) && !l.startsWith('  --help'));
  assert.equal(documented.length, expected.length, 'no undocumented or extra flag lines');
});

test('`node webhook/main.ts --help` prints the usage on stdout and exits 0; a bad flag exits 2', () => {
  const main = fileURLToPath(new URL('../../../webhook/main.ts', import.meta.url));
  const help = spawnSync(process.execPath, [main, '--help'], { encoding: 'utf8', timeout: 20_000 });
  assert.equal(help.status, 0, help.stderr);
  assert.match(help.stdout, /^usage: /);
  assert.match(help.stdout, /--port \(env WEBHOOK_PORT\) default "8443"/);
  const bad = spawnSync(process.execPath, [main, '--prot', '1'], { encoding: 'utf8', timeout: 20_000 });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /^eci-webhook: Unknown option '--prot'; did you mean --port\?/);
});
