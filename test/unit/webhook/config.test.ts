import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseWebhookConfig, splitNamespacedName } from '../../../webhook/config.ts';

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
