import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  credentialsFromSecretData,
  eciEndpointOf,
  nodeNamesOf,
  parseReconcilerConfig,
  USAGE,
  wantsHelp,
} from '../../../reconciler/config.ts';

function ok(argv: string[], env: Record<string, string> = {}) {
  const r = parseReconcilerConfig(argv, env);
  if (!r.ok) assert.fail(r.error);
  return r.config;
}

test('defaults', () => {
  const c = ok([]);
  assert.equal(c.regionId, 'cn-hangzhou');
  assert.equal(c.clusterId, 'default');
  assert.deepEqual(nodeNamesOf(c), ['virtual-node-eci-0']);
  assert.deepEqual([c.nodeCpu, c.nodeMemory, c.nodePods], ['1000', '4Ti', 1000]);
  assert.deepEqual(c.vSwitchIds, []);
  assert.equal(c.credentialsSecret, 'kube-system/alibaba-addon-secret');
  assert.equal(c.leaseDurationSeconds, 40);
  assert.equal(c.renewIntervalMs, 10_000);
  assert.equal(c.accessKeyId, undefined);
});

test('flags win over the environment; lists are comma separated', () => {
  const c = ok(['--vswitch-ids', 'vsw-a, vsw-b', '--region', 'cn-beijing', '--nodes', '3'], {
    ECI_VSWITCH: 'vsw-env',
    ECI_REGION: 'cn-shanghai',
    ALIYUN_CLUSTERID: 'c-42',
  });
  assert.deepEqual(c.vSwitchIds, ['vsw-a', 'vsw-b']);
  assert.equal(c.regionId, 'cn-beijing');
  assert.equal(c.clusterId, 'c-42');
  assert.deepEqual(nodeNamesOf(c), ['virtual-node-eci-0', 'virtual-node-eci-1', 'virtual-node-eci-2']);
  assert.deepEqual(nodeNamesOf(ok(['--node-name', 'vn-a,vn-b'])), ['vn-a', 'vn-b']);
});

test('credentials come only from the environment', () => {
  const c = ok([], { ALIBABA_CLOUD_ACCESS_KEY_ID: 'id', ALIBABA_CLOUD_ACCESS_KEY_SECRET: 's' });
  assert.deepEqual([c.accessKeyId, c.accessKeySecret], ['id', 's']);
  const legacy = ok([], { ECI_ACCESS_KEY: 'id2', ECI_SECRET_KEY: 's2' });
  assert.deepEqual([legacy.accessKeyId, legacy.accessKeySecret], ['id2', 's2']);
  const r = parseReconcilerConfig(['--access-key-secret', 'x'], {});
  assert.equal(r.ok, false);
});

test('errors name the flag and variable in one line', () => {
  const cases: [string[], Record<string, string>, RegExp][] = [
    [['--nodes', 'zero'], {}, /^--nodes \(env ECI_NODES\): /],
    [['--node-memory', 'lots'], {}, /^--node-memory \(env ECI_QUOTA_MEMORY\): must be a Kubernetes quantity/],
    [[], { ECI_REGION: 'Hangzhou' }, /^--region \(env ECI_REGION\): must be a region id/],
    [['--node-ip', 'not-an-ip'], {}, /^--node-ip/],
    [['--credentials-secret', 'nonamespace'], {}, /^--credentials-secret: must be <namespace>\/<name>/],
    [['--bogus', '1'], {}, /bogus/],
  ];
  for (const [argv, env, re] of cases) {
    const r = parseReconcilerConfig(argv, env);
    assert.equal(r.ok, false, argv.join(' '));
    if (!r.ok) {
      assert.match(r.error, re);
      assert.doesNotMatch(r.error, /\n/);
    }
  }
});

test('eci endpoint: region default, host:port, or URL with scheme', () => {
  assert.deepEqual(eciEndpointOf({ regionId: 'cn-hangzhou' }), {
    host: 'eci.cn-hangzhou.aliyuncs.com',
    protocol: 'https',
  });
  assert.deepEqual(eciEndpointOf({ regionId: 'x-y', eciEndpoint: 'http://127.0.0.1:4000' }), {
    host: '127.0.0.1:4000',
    protocol: 'http',
  });
  assert.deepEqual(eciEndpointOf({ regionId: 'x-y', eciEndpoint: 'https://eci.example.com/' }), {
    host: 'eci.example.com',
    protocol: 'https',
  });
});

test('credentials from the Secret; a missing key is named, the value never', () => {
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  const good = credentialsFromSecretData(
    { 'access-key-id': b64('AKID'), 'access-key-secret': b64('TOPSECRET\n') },
    'kube-system/alibaba-addon-secret',
  );
  assert.deepEqual(good, { ok: true, credentials: { accessKeyId: 'AKID', accessKeySecret: 'TOPSECRET' } });
  const missing = credentialsFromSecretData({ 'access-key-id': b64('AKID') }, 'kube-system/s');
  assert.deepEqual(missing, { ok: false, error: 'Secret kube-system/s: key access-key-secret is missing' });
  const empty = credentialsFromSecretData(
    { 'access-key-id': b64(''), 'access-key-secret': b64('x') },
    'ns/s',
  );
  assert.equal(empty.ok, false);
  if (!empty.ok) assert.match(empty.error, /access-key-id is empty/);
  assert.equal(credentialsFromSecretData(undefined, 'ns/s').ok, false);
});

test('--help: the usage lists every flag with its environment variable and default', () => {
  assert.ok(wantsHelp(['--help']));
  assert.ok(wantsHelp(['--nodes', '2', '-h']));
  assert.ok(!wantsHelp(['--nodes', '2']));
  assert.match(USAGE, /^ {2}--kubelet-port \(env KUBELET_PORT\) default "10250"$/m);
  assert.match(USAGE, /^ {2}--region \(env ECI_REGION\) default "cn-hangzhou"$/m);
  assert.match(USAGE, /^ {2}--kubeconfig \(env KUBECONFIG\)$/m);
  assert.match(USAGE, /^ {2}--create-qps default "20"$/m);
  assert.match(USAGE, /ALIBABA_CLOUD_ACCESS_KEY_ID/);
  // Every flag the parser accepts is documented.
  for (const flag of ['node-name', 'vswitch-ids', 'credentials-secret', 'eci-timeout-ms', 'gc-interval-ms']) {
    assert.match(USAGE, new RegExp(`^ {2}--${flag}\\b`, 'm'));
  }
  const flagLines = USAGE.split('\n').filter((l) => /^ {2}--[a-z]/.test(l) && !l.includes('--help'));
  for (const line of flagLines) {
    const flag = /--([a-z-]+)/.exec(line)![1]!;
    // Each documented flag is one the parser takes (a bogus value fails validation, not parsing).
    const r = parseReconcilerConfig([`--${flag}`, 'x'], {});
    assert.ok(r.ok || !/Unknown option/.test(r.error), `--${flag} is not a known option`);
  }
});

test('`node reconciler/main.ts --help` prints the usage on stdout and exits 0', () => {
  const out = spawnSync(
    process.execPath,
    [fileURLToPath(new URL('../../../reconciler/main.ts', import.meta.url)), '--help'],
    {
      encoding: 'utf8',
      timeout: 20_000,
    },
  );
  assert.equal(out.status, 0, out.stderr);
  assert.match(out.stdout, /^usage: /);
  assert.match(out.stdout, /--kubelet-port \(env KUBELET_PORT\) default "10250"/);
  assert.doesNotMatch(out.stderr, /Unknown option/);
});

test('an unknown flag exits 2 with one line naming it', () => {
  const out = spawnSync(
    process.execPath,
    [fileURLToPath(new URL('../../../reconciler/main.ts', import.meta.url)), '--bogus'],
    {
      encoding: 'utf8',
      timeout: 20_000,
    },
  );
  assert.equal(out.status, 2);
  assert.match(out.stderr, /^eci-reconciler: Unknown option '--bogus'/);
});

test('--help: each flag line is followed by its help text; a misspelt flag gets a hint', () => {
  const lines = USAGE.split('\n');
  const flagLines = lines.filter((l) => /^ {2}--[a-z]/.test(l));
  assert.ok(flagLines.length >= 28, `${flagLines.length} flags documented`);
  for (const line of flagLines) assert.match(lines[lines.indexOf(line) + 1]!, /^ {6}\S/, line);
  const r = parseReconcilerConfig(['--create-qsp', '5'], {});
  assert.equal(r.ok, false);
  if (!r.ok) assert.match(r.error, /^Unknown option '--create-qsp'; did you mean --create-qps\?/);
});

test('--allowed-unsafe-sysctls: the kubelet flag, names and prefix* patterns; none by default', () => {
  assert.deepEqual(ok([]).allowedUnsafeSysctls, []);
  assert.deepEqual(ok(['--allowed-unsafe-sysctls', 'kernel.msg*, net.core.somaxconn']).allowedUnsafeSysctls, [
    'kernel.msg*',
    'net.core.somaxconn',
  ]);
  assert.deepEqual(
    ok(['--allowed-unsafe-sysctls', 'fs.mqueue.*,kernel.sem,net/ipv4/*']).allowedUnsafeSysctls,
    ['fs.mqueue.*', 'kernel.sem', 'net/ipv4/*'],
  );
});

test('--allowed-unsafe-sysctls: a malformed or not namespaced entry is refused in one line naming the flag', () => {
  const cases: [string, RegExp][] = [
    ['Kernel.Msgmax', /sysctl "Kernel\.Msgmax" must have at most 253 characters/],
    ['net.core.*.x', /must have at most 253 characters and be a sysctl name or a pattern ending in \*/],
    ['vm.swappiness', /the sysctls "vm\.swappiness" are not known to be namespaced/],
    ['kernel.*', /the sysctls "kernel\." are not known to be namespaced/],
  ];
  for (const [value, re] of cases) {
    const r = parseReconcilerConfig(['--allowed-unsafe-sysctls', value], {});
    assert.equal(r.ok, false, value);
    if (!r.ok) {
      assert.match(r.error, /^--allowed-unsafe-sysctls: /);
      assert.match(r.error, re);
      assert.doesNotMatch(r.error, /\n/);
    }
  }
});
