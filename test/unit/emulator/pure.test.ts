// Pure helpers of the emulator: parameter unflattening, spec rounding, the
// command simulation, token buckets and fault decisions.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { unflatten, wirePath, parseParams } from '../../../emulator/params.ts';
import { roundUpSpec, isSupportedSpec, SPECS } from '../../../emulator/specs.ts';
import { planRun, programOf, splitScript } from '../../../emulator/simulation.ts';
import { QuotaTable, TokenBucket } from '../../../emulator/quotas.ts';
import { FaultTable, faultSchema } from '../../../emulator/faults.ts';
import { REDACTED, redactRequest } from '../../../emulator/redact.ts';
import { ApiError } from '../../../emulator/errors.ts';
import {
  createContainerGroupSchema,
  checkCreateRules,
  requestedResources,
} from '../../../emulator/validate-create.ts';
import { resolveOptions, EMULATOR_DEFAULTS } from '../../../emulator/options.ts';

describe('unflatten', () => {
  test('rebuilds nested arrays with numeric (not lexical) order and sparse indices', () => {
    const flat: Record<string, string> = {
      'Container.10.Name': 'ten',
      'Container.2.Name': 'two',
      'Container.1.Name': 'one',
      'Container.1.Arg.3': 'c',
      'Container.1.Arg.1': 'a',
      'Container.1.EnvironmentVar.1.FieldRef.FieldPath': 'status.podIP',
      RegionId: 'cn-hangzhou',
    };
    assert.deepEqual(unflatten(flat), {
      Container: [
        { Name: 'one', Arg: ['a', 'c'], EnvironmentVar: [{ FieldRef: { FieldPath: 'status.podIP' } }] },
        { Name: 'two' },
        { Name: 'ten' },
      ],
      RegionId: 'cn-hangzhou',
    });
  });

  test('wirePath is 1-based like the SDK', () => {
    assert.equal(wirePath(['Container', 0, 'VolumeMount', 2, 'Name']), 'Container.1.VolumeMount.3.Name');
  });
});

function apiCode(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof ApiError, String(e));
    return `${e.code} ${e.message}`;
  }
  return 'ok';
}

describe('create validation', () => {
  const base = {
    SecurityGroupId: 'sg-emu',
    VSwitchId: 'vsw-emu-h',
    ContainerGroupName: 'ok-name',
    Container: [{ Name: 'c', Image: 'busybox', Cpu: '0.5', Memory: '1' }],
  };
  const check = (p: unknown) => () => checkCreateRules(parseParams(createContainerGroupSchema, p));

  test('missing required parameters name the field', () => {
    assert.match(
      apiCode(check({ ...base, SecurityGroupId: undefined })),
      /^MissingParameter .*"SecurityGroupId"/,
    );
    assert.match(
      apiCode(check({ ...base, Container: [{ Name: 'c' }] })),
      /^MissingParameter .*"Container\.1\.Image"/,
    );
  });

  test('ContainerGroupName: 2–128 lowercase letters, digits, hyphens, no leading/trailing hyphen', () => {
    for (const bad of ['a', 'Web', '-web', 'web-', 'we_b', 'x'.repeat(129)]) {
      assert.match(
        apiCode(check({ ...base, ContainerGroupName: bad })),
        /^InvalidParameter .*ContainerGroupName/,
        bad,
      );
    }
    for (const good of ['ab', 'web-1', '0a', 'x'.repeat(128)]) {
      assert.equal(apiCode(check({ ...base, ContainerGroupName: good })), 'ok', good);
    }
  });

  test('numbers, enums, counts and references are checked', () => {
    assert.match(
      apiCode(check({ ...base, Container: [{ Name: 'c', Image: 'i', Cpu: 'two' }] })),
      /Container\.1\.Cpu/,
    );
    assert.match(apiCode(check({ ...base, RestartPolicy: 'Sometimes' })), /RestartPolicy/);
    const many = Array.from({ length: 21 }, (_, i) => ({ Name: `c${i}`, Image: 'i' }));
    assert.match(apiCode(check({ ...base, Container: many })), /"Container"/);
    const vols = Array.from({ length: 21 }, (_, i) => ({ Name: `v${i}`, Type: 'EmptyDirVolume' }));
    assert.match(apiCode(check({ ...base, Volume: vols })), /"Volume"/);
    assert.match(
      apiCode(check({ ...base, Volume: [{ Name: 'v', Type: 'HostPathVolume' }] })),
      /Volume\.1\.Type/,
    );
    const mount = [{ Name: 'c', Image: 'i', VolumeMount: [{ Name: 'nope', MountPath: '/x' }] }];
    assert.match(apiCode(check({ ...base, Container: mount })), /Container\.1\.VolumeMount\.1\.Name/);
    assert.match(apiCode(check({ ...base, ClientToken: 'x'.repeat(65) })), /ClientToken/);
    assert.match(apiCode(check({ ...base, ClientToken: 'tök' })), /ClientToken/);
    const dup = [
      { Name: 'c', Image: 'i' },
      { Name: 'c', Image: 'j' },
    ];
    assert.match(apiCode(check({ ...base, Container: dup })), /Container\.2\.Name/);
  });

  test('requested resources: group level wins, else the sum, ignoring marked sidecars', () => {
    const p = (x: object) => parseParams(createContainerGroupSchema, { ...base, ...x });
    assert.deepEqual(requestedResources(p({ Cpu: '2', Memory: '4' })), { cpu: 2, memory: 4 });
    const sidecar = {
      Name: 's',
      Image: 'i',
      Cpu: '0.25',
      Memory: '0.5',
      EnvironmentVar: [{ Key: '__ECI_RESOURCE_IGNORE__', Value: 'TRUE' }],
    };
    const two = [
      { Name: 'a', Image: 'i', Cpu: '2', Memory: '4' },
      { Name: 'b', Image: 'i', Cpu: '2', Memory: '4' },
    ];
    assert.deepEqual(requestedResources(p({ Container: [...two, sidecar] })), { cpu: 4, memory: 8 });
    assert.equal(requestedResources(p({ Container: [{ Name: 'a', Image: 'i' }] })), undefined);
  });
});

describe('spec rounding (docs/eci-api.md, Specs and rounding)', () => {
  test('every listed spec is kept as is', () => {
    for (const [cpu, mems] of SPECS) {
      for (const m of mems) {
        assert.deepEqual(roundUpSpec(cpu, m), { cpu, memory: m });
        assert.ok(isSupportedSpec(cpu, m));
      }
    }
  });

  test('other requests round up to the smallest covering spec', () => {
    assert.deepEqual(roundUpSpec(0.1, 0.1), { cpu: 0.25, memory: 0.5 });
    assert.deepEqual(roundUpSpec(0.3, 0.6), { cpu: 0.5, memory: 1 });
    assert.deepEqual(roundUpSpec(1, 5), { cpu: 1, memory: 8 });
    assert.deepEqual(roundUpSpec(1, 9), { cpu: 2, memory: 16 });
    assert.deepEqual(roundUpSpec(7, 13), { cpu: 8, memory: 16 });
    assert.deepEqual(roundUpSpec(4.5, 1), { cpu: 8, memory: 4 });
    assert.deepEqual(roundUpSpec(0.25, 2), { cpu: 0.5, memory: 2 });
    assert.deepEqual(roundUpSpec(52, 400), { cpu: 64, memory: 512 });
    assert.equal(roundUpSpec(65, 1), undefined);
    assert.equal(roundUpSpec(1, 513), undefined);
    assert.equal(isSupportedSpec(7, 13), false);
  });
});

describe('command simulation', () => {
  test('splits on ; && and newlines outside quotes', () => {
    assert.deepEqual(splitScript("echo 'a;b' && sleep 1; exit 3\necho x"), [
      "echo 'a;b'",
      'sleep 1',
      'exit 3',
      'echo x',
    ]);
  });

  test('sh -c scripts, bare commands and image defaults', () => {
    assert.deepEqual(programOf(['sh', '-c'], ['echo "hi there"; exit 4']), [
      { kind: 'echo', text: 'hi there' },
      { kind: 'exit', code: 4 },
    ]);
    assert.deepEqual(programOf(['/bin/sh', '-c', 'sleep 2'], []), [{ kind: 'sleep', seconds: 2 }]);
    assert.deepEqual(programOf(['bash', '-c', 'nginx -g daemon'], []), [{ kind: 'forever' }]);
    assert.deepEqual(programOf([], []), [{ kind: 'forever' }]);
    assert.deepEqual(programOf(['nginx'], ['-g', 'daemon off;']), [{ kind: 'forever' }]);
    assert.deepEqual(programOf(['echo', 'a', 'b'], []), [{ kind: 'echo', text: 'a b' }]);
    assert.deepEqual(programOf(['false'], []), [{ kind: 'exit', code: 1 }]);
  });

  test('planRun times lines and the exit; no exit means 0, a forever step never exits', () => {
    const steps = programOf(['sh', '-c', 'echo a; sleep 2; echo b; exit 7; echo never'], []);
    assert.deepEqual(planRun(steps, 1), {
      lines: [
        { atMs: 0, text: 'a' },
        { atMs: 2000, text: 'b' },
      ],
      exitAfterMs: 2000,
      exitCode: 7,
    });
    assert.deepEqual(planRun(programOf(['sh', '-c', 'sleep 1'], []), 0.5), {
      lines: [],
      exitAfterMs: 500,
      exitCode: 0,
    });
    const forever = planRun(programOf(['sh', '-c', 'echo up; serve'], []), 1);
    assert.equal(forever.exitAfterMs, undefined);
    assert.deepEqual(forever.lines, [{ atMs: 0, text: 'up' }]);
  });
});

describe('token buckets', () => {
  test('a burst of 150 at one instant gets exactly 100; 20 tokens come back per second', () => {
    const b = new TokenBucket({ burst: 100, refillPerSec: 20 }, 0);
    let ok = 0;
    for (let i = 0; i < 150; i++) if (b.take(0)) ok++;
    assert.equal(ok, 100);
    let later = 0;
    for (let i = 0; i < 50; i++) if (b.take(1000)) later++;
    assert.equal(later, 20);
  });

  test('the quota table applies per action and ignores unlimited actions', () => {
    const q = new QuotaTable({ A: { burst: 1, refillPerSec: 1 } });
    assert.equal(q.allow('A', 0), true);
    assert.equal(q.allow('A', 0), false);
    assert.equal(q.allow('B', 0), true);
    q.reset();
    assert.equal(q.allow('A', 0), true);
  });
});

describe('fault table', () => {
  test('the error rate is compared with the random draw; latency is reported', () => {
    const draws = [0.1, 0.9];
    const f = new FaultTable(() => draws.shift() ?? 0);
    f.set({ action: 'X', errorRate: 0.5, code: 'ServiceUnavailable', httpStatus: 503, latencyMs: 7 });
    const first = f.decide('X');
    assert.equal(first.error?.code, 'ServiceUnavailable');
    assert.equal(first.error?.httpStatus, 503);
    assert.equal(first.latencyMs, 7);
    assert.equal(f.decide('X').error, undefined);
    assert.deepEqual(f.decide('Y'), { latencyMs: 0 });
    f.clear('X');
    assert.deepEqual(f.decide('X'), { latencyMs: 0 });
    f.set({ action: '*', errorRate: 1, code: 'InternalError', httpStatus: 500, latencyMs: 0 });
    assert.equal(f.decide('Anything').error?.code, 'InternalError', "'*' applies to every action");
    f.clear();
    assert.deepEqual(f.list(), []);
  });
});

describe('connection faults and request redaction', () => {
  test('kind reset / hang is returned as the drop to inflict, at the error rate', () => {
    const draws = [0.1, 0.9];
    const f = new FaultTable(() => draws.shift() ?? 0);
    f.set(faultSchema.parse({ action: 'X', errorRate: 0.5, kind: 'reset' }));
    assert.deepEqual(f.decide('X'), { latencyMs: 0, drop: 'reset' });
    assert.deepEqual(f.decide('X'), { latencyMs: 0 });
    f.set(faultSchema.parse({ action: 'Y', errorRate: 1, kind: 'hang', latencyMs: 3 }));
    assert.deepEqual(f.decide('Y'), { latencyMs: 3, drop: 'hang' });
    assert.equal(faultSchema.parse({ action: 'Z' }).kind, 'error', 'an error answer by default');
    assert.equal(faultSchema.safeParse({ action: 'Z', kind: 'boom' }).success, false);
  });

  test('redactRequest replaces secret leaves only, and copies', () => {
    const request = {
      ClientToken: 'uid',
      Container: [{ Name: 'c', EnvironmentVar: [{ Key: 'PASSWORD', Value: 'v' }, { Key: 'X' }] }],
      InitContainer: [{ Name: 'i', EnvironmentVar: [{ Key: 'A', Value: 'w' }] }],
      Volume: [{ ConfigFileVolume: { ConfigFileToPath: [{ Path: 'p', Content: 'c', Mode: 384 }] } }],
      ImageRegistryCredential: [{ Server: 's', UserName: 'u', Password: 'p' }],
      AcrRegistryInfo: [{ InstanceId: 'cri-1' }],
      SomethingSecretAccessKey: 'k',
      Tag: [{ Key: 'team', Value: 'a' }],
    };
    const before = structuredClone(request);
    assert.deepEqual(redactRequest(request), {
      ClientToken: 'uid',
      Container: [{ Name: 'c', EnvironmentVar: [{ Key: 'PASSWORD', Value: REDACTED }, { Key: 'X' }] }],
      InitContainer: [{ Name: 'i', EnvironmentVar: [{ Key: 'A', Value: REDACTED }] }],
      Volume: [{ ConfigFileVolume: { ConfigFileToPath: [{ Path: 'p', Content: REDACTED, Mode: 384 }] } }],
      ImageRegistryCredential: [{ Server: 's', UserName: 'u', Password: REDACTED }],
      AcrRegistryInfo: [{ InstanceId: 'cri-1' }],
      SomethingSecretAccessKey: REDACTED,
      Tag: [{ Key: 'team', Value: 'a' }],
    });
    assert.deepEqual(request, before, 'the stored request is not changed');
  });
});

describe('options', () => {
  test('defaults and validation naming the field', () => {
    const o = resolveOptions({ timing: { schedulingMs: 5 } });
    assert.equal(o.timing.schedulingMs, 5);
    assert.equal(o.timing.pendingMs, EMULATOR_DEFAULTS.timing.pendingMs);
    assert.deepEqual(
      o.vSwitches.map((v) => [v.vSwitchId, v.zoneId]),
      [
        ['vsw-emu-h', 'cn-hangzhou-h'],
        ['vsw-emu-i', 'cn-hangzhou-i'],
      ],
    );
    assert.throws(() => resolveOptions({ port: 70000 }), /port/);
    assert.throws(
      () =>
        resolveOptions({
          vSwitches: [{ vSwitchId: 'v', zoneId: 'nowhere', vpcId: 'p', cidr: '10.0.0.0/24' }],
        }),
      /vSwitches\.0\.zoneId/,
    );
  });
});
