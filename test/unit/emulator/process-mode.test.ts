// Process mode's pure parts (issue 11): the --containers option, the image table,
// the files a group gets from its request, the container start script, subnets,
// and how the lifecycle hands exits to real processes.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseFlags, toEmulatorInput } from '../../../emulator/cli.ts';
import { resolveOptions } from '../../../emulator/options.ts';
import { imageBacking, imageBaseName, shellFor } from '../../../emulator/process/image-table.ts';
import {
  containerEnv,
  DEFAULT_PATH,
  hostnameOf,
  hostsFile,
  resolvConf,
  volumeFiles,
  volumeMounts,
} from '../../../emulator/process/group-files.ts';
import { containerScript, shQuote } from '../../../emulator/process/container-script.ts';
import { staleBridges, subnetFor, subnetOf } from '../../../emulator/process/network.ts';
import { nsenterArgs } from '../../../emulator/process/exec.ts';
import { newTracker, probeSettings, record } from '../../../emulator/process/probe-tracker.ts';
import { parseStat, usageFromSamples } from '../../../emulator/process/usage.ts';
import { lifecycleHooks } from '../../../emulator/process/hooks.ts';
import { advance } from '../../../emulator/lifecycle.ts';
import { isProcessBacked, newContainerRuntime } from '../../../emulator/lifecycle/container-state.ts';
import { beginDelete } from '../../../emulator/lifecycle/operations.ts';
import { DEFAULT_TIMING } from '../../../emulator/options.ts';
import type { ContainerGroup } from '../../../emulator/model.ts';
import type { CreateContainerGroupParams } from '../../../emulator/validate-create.ts';

const req = (extra: Partial<CreateContainerGroupParams> = {}): CreateContainerGroupParams => ({
  SecurityGroupId: 'sg-emu',
  VSwitchId: 'vsw-emu-h',
  ContainerGroupName: 'my-pod',
  Container: [{ Name: 'app', Image: 'busybox:1.36' }],
  ...extra,
});

describe('--containers', () => {
  test('defaults to simulation; simulation, process and auto are accepted from flags and the config file', () => {
    assert.equal(resolveOptions({}).containers, 'simulation');
    for (const mode of ['simulation', 'process', 'auto'] as const) {
      assert.equal(resolveOptions(toEmulatorInput(parseFlags({ containers: mode }), {})).containers, mode);
    }
    assert.equal(
      resolveOptions(toEmulatorInput(parseFlags({}), {}, { containers: 'auto' })).containers,
      'auto',
    );
  });

  test('anything else is refused, naming the flag or the option', () => {
    assert.throws(
      () => parseFlags({ containers: 'docker' }),
      /--containers must be simulation, process or auto/,
    );
    assert.throws(
      () => resolveOptions({ containers: 'docker' as never }),
      /invalid emulator option containers: must be simulation, process or auto/,
    );
  });
});

describe('image table', () => {
  test('shell images run the host userland, web servers the built-in HTTP server', () => {
    for (const image of [
      'busybox',
      'busybox:1.36',
      'docker.io/library/alpine:3.20',
      'debian@sha256:abc',
      'ubuntu:24.04',
    ]) {
      assert.equal(imageBacking(image), 'shell', image);
    }
    for (const image of ['nginx', 'nginx:1.25', 'registry.example.com:5000/library/httpd:2']) {
      assert.equal(imageBacking(image), 'http', image);
    }
  });

  test('does-not-exist still fails to pull; unknown images stay simulated', () => {
    assert.equal(imageBacking('registry.example.com/does-not-exist:1'), 'pull-fails');
    assert.equal(imageBacking('busybox-does-not-exist'), 'pull-fails');
    assert.equal(imageBacking('redis:7'), 'simulated');
    assert.equal(imageBacking('registry.k8s.io/e2e-test-images/glibc-dns-testing:2.0.0'), 'shell');
    assert.equal(imageBaseName('registry.example.com:5000/a/b/Nginx:1.2@sha256:ff'), 'nginx');
  });
});

describe('group files from the request', () => {
  test('hostname: HostName when given, else the group name, at most 63 characters', () => {
    assert.equal(hostnameOf(req()), 'my-pod');
    assert.equal(hostnameOf(req({ HostName: 'custom' })), 'custom');
    assert.equal(hostnameOf(req({ ContainerGroupName: `${'a'.repeat(62)}-b` })), 'a'.repeat(62));
  });

  test('/etc/hosts has the pod IP and the HostAliases', () => {
    const hosts = hostsFile(
      req({ HostAliase: [{ Ip: '10.1.1.1', Hostname: ['a', 'b'] }, { Ip: '10.2.2.2' }] }),
      '172.16.0.5',
    );
    assert.match(hosts, /^172\.16\.0\.5\tmy-pod$/m);
    assert.match(hosts, /^10\.1\.1\.1\ta\tb$/m);
    assert.doesNotMatch(hosts, /10\.2\.2\.2/);
  });

  test('resolv.conf from DnsConfig, else the host’s', () => {
    assert.equal(resolvConf(req(), 'nameserver 1.1.1.1\n'), 'nameserver 1.1.1.1\n');
    assert.equal(
      resolvConf(
        req({
          DnsConfig: {
            NameServer: ['10.96.0.10'],
            Search: ['a.svc', 'svc'],
            Option: [{ Name: 'ndots', Value: '5' }, { Name: 'edns0' }],
          },
        }),
        'ignored',
      ),
      'nameserver 10.96.0.10\nsearch a.svc svc\noptions ndots:5 edns0\n',
    );
  });

  test('config-file volumes decode base64 with their modes; paths cannot leave the volume', () => {
    const v = volumeFiles(
      req({
        Volume: [
          { Name: 'scratch', Type: 'EmptyDirVolume' },
          {
            Name: 'cfg',
            Type: 'ConfigFileVolume',
            ConfigFileVolume: {
              DefaultMode: 0o640,
              ConfigFileToPath: [
                { Path: 'dir/a.conf', Content: Buffer.from('A=1').toString('base64') },
                { Path: 'key', Content: Buffer.from('secret').toString('base64'), Mode: 0o400 },
                { Path: '../../etc/passwd', Content: 'eA==' },
              ],
            },
          },
        ],
      }),
    );
    assert.deepEqual(v.dirs, ['volumes/scratch', 'volumes/cfg']);
    assert.deepEqual(
      v.files.map((f) => [f.path, f.content.toString(), f.mode]),
      [
        ['volumes/cfg/dir/a.conf', 'A=1', 0o640],
        ['volumes/cfg/key', 'secret', 0o400],
      ],
    );
  });

  test('mounts bind the group’s volume directories (SubPath inside the volume)', () => {
    assert.deepEqual(
      volumeMounts('/g', [
        { Name: 'cfg', MountPath: '/etc/app/', ReadOnly: true },
        { Name: 'cfg', MountPath: 'x/y', SubPath: 'dir/a.conf' },
      ]),
      [
        { source: '/g/volumes/cfg', target: '/etc/app', readOnly: true },
        { source: '/g/volumes/cfg/dir/a.conf', target: '/x/y', readOnly: false },
      ],
    );
  });

  test('a FieldRef of status.podIP is the group address, as ECI resolves it at run time', () => {
    assert.deepEqual(
      containerEnv(
        [
          { Key: 'POD_IP', FieldRef: { FieldPath: 'status.podIP' } },
          { Key: 'OTHER', FieldRef: { FieldPath: 'status.unknown' } },
        ],
        'h',
        '10.0.0.9',
      ),
      [
        ['PATH', DEFAULT_PATH],
        ['POD_IP', '10.0.0.9'],
        ['OTHER', ''],
        ['HOSTNAME', 'h'],
      ],
    );
  });

  test('env exactly as requested, with PATH and HOSTNAME only when not given', () => {
    assert.deepEqual(containerEnv([{ Key: 'A', Value: 'x y' }, { Key: 'B' }], 'h', '10.0.0.9'), [
      ['PATH', DEFAULT_PATH],
      ['A', 'x y'],
      ['B', ''],
      ['HOSTNAME', 'h'],
    ]);
    assert.deepEqual(
      containerEnv(
        [
          { Key: 'PATH', Value: '/bin' },
          { Key: 'HOSTNAME', Value: 'n' },
        ],
        'h',
        '10.0.0.9',
      ),
      [
        ['PATH', '/bin'],
        ['HOSTNAME', 'n'],
      ],
    );
  });
});

describe('the shell of a shell image', () => {
  test('busybox and alpine get bash as sh (ash passes non-identifier variable names on; dash drops them)', () => {
    assert.equal(shellFor('registry.k8s.io/e2e-test-images/busybox:1.37.0-1'), 'bash');
    assert.equal(shellFor('alpine:3.20'), 'bash');
    assert.equal(shellFor('debian:12'), undefined);
  });

  test('the link is made in the overlay, before the command runs', () => {
    const base = {
      containerDir: '/g/c/a.1',
      pidFile: '/g/c/a.1/pid',
      etcFiles: [],
      mounts: [],
      hostPaths: [],
      terminationLog: { source: '/g/c/a.1/t', target: '/dev/termination-log' },
      env: [] as [string, string][],
      workingDir: '/',
      argv: ['sh', '-c', 'env'],
    };
    assert.match(containerScript({ ...base, sh: 'bash' }), /\nln -sf 'bash' '\/g\/c\/a\.1\/root\/bin\/sh'\n/);
    assert.doesNotMatch(containerScript(base), /ln -sf/);
  });

  test('a SubPath missing from its volume is made as a directory before it is mounted', () => {
    const withMount = containerScript({
      containerDir: '/g/c/a.1',
      pidFile: '/g/c/a.1/pid',
      etcFiles: [],
      mounts: [{ source: '/g/volumes/work/pod-a', target: '/logs', readOnly: false }],
      hostPaths: [],
      terminationLog: { source: '/g/c/a.1/t', target: '/dev/termination-log' },
      env: [],
      workingDir: '/',
      argv: ['true'],
    });
    assert.match(
      withMount,
      /\[ -e '\/g\/volumes\/work\/pod-a' \] \|\| mkdir -p '\/g\/volumes\/work\/pod-a'\nif \[ -d/,
    );
  });
});

describe('container start script', () => {
  const script = containerScript({
    containerDir: '/g/containers/app.1',
    pidFile: '/g/containers/app.1/pid',
    etcFiles: [{ source: '/g/etc/hosts', target: '/etc/hosts' }],
    mounts: [{ source: '/g/volumes/cfg', target: '/etc/app', readOnly: true }],
    hostPaths: [],
    terminationLog: { source: '/g/containers/app.1/termination-log', target: '/dev/termination-log' },
    env: [['MSG', "it's"]],
    workingDir: '/srv',
    argv: ['sh', '-c', 'echo "$MSG" > /tmp/x; exit 3'],
  });

  test('the host root is the read-only lower layer under a tmpfs, with private /dev, /proc, /tmp', () => {
    assert.match(
      script,
      /mount -t overlay overlay -o 'lowerdir=\/,upperdir=\/g\/containers\/app\.1\/rw\/upper,/,
    );
    assert.match(script, /mount -t proc proc '\/g\/containers\/app\.1\/root\/proc'/);
    assert.match(script, /mount -t tmpfs -o mode=0755 tmpfs '\/g\/containers\/app\.1\/root\/dev'/);
    assert.match(script, /mount --make-rprivate \//);
  });

  test('volumes are bind-mounted (read-only when asked) and the command runs with exactly the env and cwd', () => {
    assert.match(
      script,
      /mount --bind '\/g\/volumes\/cfg' '\/g\/containers\/app\.1\/root\/etc\/app'\nmount -o remount,bind,ro/,
    );
    assert.match(
      script,
      /mount --bind '\/g\/containers\/app\.1\/termination-log' '\/g\/containers\/app\.1\/root\/dev\/termination-log'/,
    );
    const lines = script.trim().split('\n');
    const last = lines.pop();
    // The PID is published only once everything is mounted: exec, probes and hooks wait for it.
    assert.match(
      lines.pop() ?? '',
      /^read -r hostpid _ <\/proc\/self\/stat; echo "\$hostpid" >'\/g\/containers\/app\.1\/pid'$/,
    );
    assert.equal(
      last,
      `exec chroot '/g/containers/app.1/root' env -i -C '/srv' 'MSG=it'\\''s' 'sh' '-c' 'echo "$MSG" > /tmp/x; exit 3'`,
    );
    assert.equal(shQuote("a'b"), `'a'\\''b'`);
  });

  test('exec enters every namespace of the container with its environment', () => {
    assert.deepEqual(nsenterArgs(42, ['A=1'], ['ls', '-l']), [
      '-t',
      '42',
      '-m',
      '-u',
      '-i',
      '-n',
      '-p',
      '-r',
      '-w',
      '--',
      'env',
      '-i',
      'A=1',
      'ls',
      '-l',
    ]);
  });
});

describe('subnets', () => {
  test('the gateway is the network address + 1; an IP finds its vSwitch', () => {
    assert.deepEqual(subnetOf('172.16.16.0/20'), {
      cidr: '172.16.16.0/20',
      gateway: '172.16.16.1',
      prefix: 20,
    });
    assert.equal(subnetOf('10.0.5.7/24').gateway, '10.0.5.1');
    const vsws = [
      { vSwitchId: 'h', zoneId: 'z', vpcId: 'v', cidr: '172.16.0.0/20' },
      { vSwitchId: 'i', zoneId: 'z', vpcId: 'v', cidr: '172.16.16.0/20' },
    ];
    assert.equal(subnetFor(vsws, '172.16.17.3')?.gateway, '172.16.16.1');
    assert.equal(subnetFor(vsws, '172.16.15.255')?.gateway, '172.16.0.1');
    assert.equal(subnetFor(vsws, '10.0.0.1'), undefined);
  });
});

describe('lifecycle in process mode', () => {
  function group(runtime?: 'process', image = 'busybox'): ContainerGroup {
    const request = req({
      Container: [{ Name: 'app', Image: image, Command: ['sh', '-c', 'exit 3'] }],
      RestartPolicy: 'Never',
      TerminationGracePeriodSeconds: 5,
    });
    return {
      id: 'eci-1',
      name: 'my-pod',
      regionId: 'r',
      zoneId: 'z',
      vSwitchId: 'h',
      vpcId: 'v',
      securityGroupId: 's',
      intranetIp: '172.16.0.2',
      eniId: 'e',
      status: 'Scheduling',
      createdAt: 0,
      updatedAt: 0,
      phaseEndsAt: 10,
      cpu: 1,
      memory: 1,
      instanceType: '',
      restartPolicy: 'Never',
      spotStrategy: 'NoSpot',
      spotPriceLimit: 0,
      tags: [],
      request,
      containers: [newContainerRuntime('app', false)],
      initContainers: [],
      events: [],
      eventSeq: 0,
      ...(runtime ? { runtime } : {}),
    };
  }
  const timing = { ...DEFAULT_TIMING, schedulingMs: 10, pendingMs: 10, terminatingMs: 10 };

  test('a process-backed container runs until its process reports the exit, code and message', () => {
    const g = group('process');
    assert.equal(isProcessBacked(g, g.containers[0]!), true);
    advance(g, 1000, timing);
    assert.equal(g.status, 'Running'); // the simulation would have played `exit 3` already
    const c = g.containers[0]!;
    c.exitAt = 1500;
    c.plannedExitCode = 3;
    c.plannedMessage = 'bad config';
    advance(g, 2000, timing);
    assert.equal(g.status, 'Failed');
    assert.deepEqual([c.current.exitCode, c.current.message], [3, 'bad config']);
  });

  test('unknown images and simulation-mode groups keep the simulation', () => {
    assert.equal(isProcessBacked(group('process', 'redis'), newContainerRuntime('app', false)), false);
    const sim = group();
    advance(sim, 1000, timing);
    assert.equal(sim.status, 'Failed');
  });

  test('a deleted process group may stay Terminating for its grace period', () => {
    const g = group('process');
    advance(g, 1000, timing);
    beginDelete(g, 1000, timing);
    assert.equal(g.phaseEndsAt, 1000 + 6000);
    const sim = group();
    beginDelete(sim, 1000, timing);
    assert.equal(sim.phaseEndsAt, 1010);
  });
});

describe('probe bookkeeping', () => {
  test('defaults are the kubelet’s; thresholds count consecutive results', () => {
    const s = probeSettings({});
    assert.deepEqual(s, {
      initialDelayMs: 0,
      periodMs: 10_000,
      timeoutMs: 1000,
      successThreshold: 1,
      failureThreshold: 3,
    });
    const readiness = newTracker();
    assert.equal(record(readiness, true, s), 'passed');
    assert.equal(record(readiness, false, s), undefined);
    assert.equal(record(readiness, true, s), undefined); // failures reset, still passing
    assert.equal(record(readiness, false, s), undefined);
    assert.equal(record(readiness, false, s), undefined);
    assert.equal(record(readiness, false, s), 'failed');
    const two = probeSettings({ SuccessThreshold: 2, FailureThreshold: 1 });
    assert.equal(record(readiness, true, two), undefined);
    assert.equal(record(readiness, true, two), 'passed');
  });

  test('a probe that never passed fails once its threshold is reached (startup kills the container)', () => {
    const s = probeSettings({ FailureThreshold: 2 });
    const startup = newTracker();
    assert.equal(record(startup, false, s), undefined);
    assert.equal(record(startup, false, s), 'failed');
    assert.equal(record(startup, false, s), undefined);
  });
});

describe('measured usage', () => {
  test('/proc/PID/stat: utime+stime and RSS, even with spaces and parentheses in the name', () => {
    const fields = Array.from({ length: 50 }, (_, i) => String(i));
    // After "pid (comm) ", fields[0] is the state; utime, stime and rss are fields 14, 15 and 24 of the line.
    fields[11] = '150';
    fields[12] = '50';
    fields[21] = '300';
    const s = parseStat(`42 (a (b) c) ${fields.join(' ')}`);
    assert.ok(s);
    assert.ok(s.cpuNs > 0 && s.rssBytes > 0);
    assert.equal(s.rssBytes % 300, 0);
  });

  test('figures at a time: the newest sample then, its rate against the one before', () => {
    const samples = [
      { t: 1000, cpuNs: 0, rssBytes: 100 },
      { t: 2000, cpuNs: 5e8, rssBytes: 200 },
      { t: 3000, cpuNs: 1.5e9, rssBytes: 300 },
    ];
    const u = usageFromSamples(samples, 2500, 0, 2, 1000);
    assert.deepEqual(u?.cpu, { Limit: 2000, Load: 25, UsageNanoCores: 5e8, UsageCoreNanoSeconds: 5e8 });
    assert.deepEqual(u?.memory, {
      AvailableBytes: 800,
      UsageBytes: 200,
      WorkingSet: 200,
      Rss: 200,
      Cache: 0,
    });
    assert.equal(usageFromSamples(samples, 3000, 0, 2, 1000)?.cpu.UsageNanoCores, 1e9);
    assert.equal(usageFromSamples(samples, 999, 0, 2, 1000), undefined);
  });
});

describe('lifecycle hooks from the request', () => {
  test('exec, httpGet and tcpSocket handlers in the probe shape; none when absent', () => {
    assert.deepEqual(
      lifecycleHooks({
        LifecyclePostStartHandlerExec: ['sh', '-c', 'echo hi'],
        LifecyclePreStopHandlerHttpGetPort: 8080,
        LifecyclePreStopHandlerHttpGetPath: '/drain',
      }),
      {
        postStart: { Exec: { Command: ['sh', '-c', 'echo hi'] } },
        preStop: { HttpGet: { Port: 8080, Path: '/drain', Scheme: undefined, Host: undefined } },
      },
    );
    assert.deepEqual(lifecycleHooks({ LifecyclePreStopHandlerTcpSocketPort: 5432 }), {
      preStop: { TcpSocket: { Port: 5432, Host: undefined } },
    });
    assert.deepEqual(lifecycleHooks({ Name: 'app', LifecyclePostStartHandlerExec: [] }), {});
  });
});

describe('leftovers of emulators that died', () => {
  test('a bridge is stale when the emulator named in its alias is gone', () => {
    const out = [
      '7: eciemu0a1b2c: <BROADCAST> mtu 1500 \\    link/ether 56:cc brd ff \\    alias eci-emulator:pid=111',
      '8: eciemu3d4e5f: <BROADCAST> mtu 1500 \\    link/ether 56:cd brd ff \\    alias eci-emulator:pid=222',
      '9: eciemu777777: <BROADCAST> mtu 1500 \\    link/ether 56:ce brd ff',
      '10: eth0: <BROADCAST> mtu 1500 \\    alias eci-emulator:pid=111',
    ].join('\n');
    assert.deepEqual(
      staleBridges(out, (pid) => pid === 222),
      ['eciemu0a1b2c'],
    );
  });
});
