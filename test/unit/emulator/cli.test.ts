// CLI flags → emulator options (pure).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseFlags, toEmulatorInput } from '../../../emulator/cli.ts';
import { EMULATOR_DEFAULTS, resolveOptions } from '../../../emulator/options.ts';

describe('emulator CLI flags', () => {
  test('defaults: loopback, free port, default layout, credentials from the environment', () => {
    const input = toEmulatorInput(parseFlags({}), {
      ALIBABA_CLOUD_ACCESS_KEY_ID: 'ak',
      ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'sk',
    });
    const o = resolveOptions(input);
    assert.deepEqual([o.host, o.port, o.accessKeyId, o.accessKeySecret], ['127.0.0.1', 0, 'ak', 'sk']);
    assert.equal(o.regionId, 'cn-hangzhou');
    assert.deepEqual(o.zones, ['cn-hangzhou-h', 'cn-hangzhou-i']);
    assert.equal(o.quotas, true);
  });

  test('flags win over the environment and the config file', () => {
    const f = parseFlags({
      listen: '0.0.0.0:8080',
      'access-key-id': 'flag-ak',
      'access-key-secret': 'flag-sk',
      'no-quotas': true,
    });
    const o = resolveOptions(
      toEmulatorInput(f, { ALIBABA_CLOUD_ACCESS_KEY_ID: 'env-ak' }, { accessKeyId: 'file-ak', quotas: true }),
    );
    assert.deepEqual([o.host, o.port, o.accessKeyId, o.quotas], ['0.0.0.0', 8080, 'flag-ak', false]);
  });

  test('a non-loopback --listen is refused while the well-known default credentials are in use', () => {
    for (const listen of ['0.0.0.0:8080', '192.168.1.10:8080', 'emulator.example.com:80']) {
      assert.throws(
        () => resolveOptions(toEmulatorInput(parseFlags({ listen }), {})),
        /--listen .* is not a loopback address.*--access-key-id and --access-key-secret/,
        listen,
      );
    }
    assert.throws(
      () =>
        resolveOptions(toEmulatorInput(parseFlags({ listen: '0.0.0.0:8080', 'access-key-id': 'mine' }), {})),
      /--listen/,
      'a key id of its own is not enough: the default secret still signs',
    );
    assert.throws(
      () => resolveOptions({ host: '0.0.0.0', accessKeySecret: EMULATOR_DEFAULTS.accessKeySecret }),
      /--listen 0\.0\.0\.0/,
      'set explicitly to the default is still the default',
    );
  });

  test('a non-loopback --listen is fine with credentials set explicitly; loopback always is', () => {
    const flags = resolveOptions(
      toEmulatorInput(
        parseFlags({ listen: '0.0.0.0:8080', 'access-key-id': 'ak', 'access-key-secret': 'sk' }),
        {},
      ),
    );
    assert.equal(flags.host, '0.0.0.0');
    const env = resolveOptions(
      toEmulatorInput(parseFlags({ listen: '10.0.0.1:8080' }), {
        ALIBABA_CLOUD_ACCESS_KEY_ID: 'ak',
        ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'sk',
      }),
    );
    assert.equal(env.host, '10.0.0.1');
    for (const listen of ['127.0.0.1:0', '127.0.0.2:8080', 'localhost:8080']) {
      assert.equal(
        resolveOptions(toEmulatorInput(parseFlags({ listen }), {})).accessKeySecret,
        EMULATOR_DEFAULTS.accessKeySecret,
      );
    }
  });

  test('--region alone gives that region the two-zone layout', () => {
    const o = resolveOptions(toEmulatorInput(parseFlags({ region: 'cn-shanghai' }), {}));
    assert.deepEqual(o.zones, ['cn-shanghai-h', 'cn-shanghai-i']);
    assert.deepEqual(
      o.vSwitches.map((v) => [v.vSwitchId, v.zoneId]),
      [
        ['vsw-emu-h', 'cn-shanghai-h'],
        ['vsw-emu-i', 'cn-shanghai-i'],
      ],
    );
  });

  test('--vswitch ID=ZONE[:CIDR] (repeatable), --security-group and --vpc', () => {
    const f = parseFlags({
      vswitch: ['vsw-a=cn-hangzhou-j:10.1.0.0/24', 'vsw-b=cn-hangzhou-k'],
      'security-group': ['sg-1'],
      vpc: 'vpc-1',
    });
    const o = resolveOptions(toEmulatorInput(f, {}));
    assert.deepEqual(o.zones, ['cn-hangzhou-j', 'cn-hangzhou-k']);
    assert.deepEqual(o.vSwitches[0], {
      vSwitchId: 'vsw-a',
      zoneId: 'cn-hangzhou-j',
      vpcId: 'vpc-1',
      cidr: '10.1.0.0/24',
    });
    assert.equal(o.vSwitches[1]?.cidr, '172.16.16.0/20');
    assert.deepEqual(o.securityGroups, [{ securityGroupId: 'sg-1', vpcId: 'vpc-1' }]);
  });

  test('--tls-cert and --tls-key are read together', () => {
    const files: Record<string, string> = { 'c.pem': 'CERT', 'k.pem': 'KEY' };
    const f = parseFlags({ 'tls-cert': 'c.pem', 'tls-key': 'k.pem' });
    assert.deepEqual(toEmulatorInput(f, {}, {}, (p) => files[p] ?? '').tls, {
      certPem: 'CERT',
      keyPem: 'KEY',
    });
    assert.throws(() => parseFlags({ 'tls-cert': 'c.pem' }), /--tls-cert and --tls-key go together/);
  });

  test('bad flags name themselves', () => {
    assert.throws(() => parseFlags({ listen: 'nonsense' }), /--listen must be HOST:PORT/);
    assert.throws(() => parseFlags({ vswitch: ['no-zone'] }), /--vswitch must be ID=ZONE/);
    assert.throws(() => parseFlags({ 'log-level': 'loud' }), /--log-level must be one of/);
    assert.throws(() => parseFlags({ region: 'Hangzhou' }), /--region must look like/);
  });
});
