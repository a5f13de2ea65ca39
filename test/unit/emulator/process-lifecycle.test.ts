// Process mode's lifecycle as a kubelet would report it (issue 18): a container is Running only
// once its process exec'd the command, runAsNonRoot refuses a container that would run as
// root, the nonroot image runs as its own USER, ECI's launch and exit priorities order the
// containers, and a deleted group's real containers run until their processes exit.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { advance } from '../../../emulator/lifecycle.ts';
import {
  newContainerRuntime,
  shownGroupStatus,
  shownReady,
  shownState,
} from '../../../emulator/lifecycle/container-state.ts';
import { beginDelete } from '../../../emulator/lifecycle/operations.ts';
import { dueToStop, exitPriority, launchPriority } from '../../../emulator/priorities.ts';
import { DEFAULT_TIMING } from '../../../emulator/options.ts';
import { renderGroup, renderPodStatus } from '../../../emulator/render.ts';
import { imageBacking, imageUser } from '../../../emulator/process/image-table.ts';
import { containerUser, nonRootRefusal } from '../../../emulator/process/security-context.ts';
import { inStartChain } from '../../../emulator/process/container-script.ts';
import type { ContainerGroup } from '../../../emulator/model.ts';
import type { CreateContainerGroupParams } from '../../../emulator/validate-create.ts';

const timing = { ...DEFAULT_TIMING, schedulingMs: 10, pendingMs: 10, terminatingMs: 10 };
const NONROOT = 'registry.k8s.io/e2e-test-images/nonroot:1.5';
const BUSYBOX = 'registry.k8s.io/e2e-test-images/busybox:1.37.0-1';

type Spec = CreateContainerGroupParams['Container'][number];

function processGroup(containers: Spec[], extra: Partial<CreateContainerGroupParams> = {}): ContainerGroup {
  const request: CreateContainerGroupParams = {
    SecurityGroupId: 'sg-emu',
    VSwitchId: 'vsw-emu-h',
    ContainerGroupName: 'my-pod',
    Container: containers,
    RestartPolicy: 'Never',
    TerminationGracePeriodSeconds: 5,
    ...extra,
  };
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
    restartPolicy: request.RestartPolicy ?? 'Always',
    spotStrategy: 'NoSpot',
    spotPriceLimit: 0,
    tags: [],
    request,
    containers: containers.map((c) => newContainerRuntime(c.Name, false)),
    initContainers: [],
    events: [],
    eventSeq: 0,
    runtime: 'process',
  };
}

type Status = { PodStatus: { ContainerStatuses: { Ready: boolean; Started: boolean; State: object }[] } };

describe('a process container is Running once its command runs', () => {
  test('until the runtime has seen the PID it shows its waiting state and is not ready', () => {
    const g = processGroup([{ Name: 'app', Image: 'busybox', Command: ['sleep', '100'] }]);
    advance(g, 1000, timing);
    const c = g.containers[0]!;
    assert.equal(c.current.state, 'Running'); // the runtime starts a process for it
    assert.equal(shownState(c).state, 'Waiting');
    assert.equal(shownState(c).reason, 'ContainerCreating');
    assert.equal(shownReady(c), false);
    const before = (renderPodStatus(g) as Status).PodStatus.ContainerStatuses[0]!;
    assert.deepEqual([before.Ready, before.Started, Object.keys(before.State)], [false, false, ['Waiting']]);
    c.launching = undefined; // the runtime read the PID file: the command is exec'd
    const after = (renderPodStatus(g) as Status).PodStatus.ContainerStatuses[0]!;
    assert.deepEqual([after.Ready, after.Started, Object.keys(after.State)], [true, true, ['Running']]);
  });

  test("the group shows Pending while its containers are first being launched, Running once one runs (ECI's Pending: started, none running)", () => {
    const g = processGroup([
      { Name: 'app', Image: 'busybox', Command: ['sleep', '100'] },
      { Name: 'side', Image: 'busybox', Command: ['sleep', '100'] },
    ]);
    advance(g, 1000, timing);
    assert.equal(g.status, 'Running');
    const shown = () => [
      shownGroupStatus(g),
      renderGroup(g, false).Status,
      (renderPodStatus(g) as { Status: string; PodStatus: { Phase: string } }).PodStatus.Phase,
    ];
    assert.deepEqual(shown(), ['Pending', 'Pending', 'Pending']);
    g.containers[1]!.launching = undefined; // one command exec'd
    assert.deepEqual(shown(), ['Running', 'Running', 'Running']);
    // A container launched again after it ended is restarting: the group stays Running.
    g.containers[1]!.launching = {
      ...g.containers[1]!.current,
      state: 'Waiting',
      reason: 'ContainerCreating',
    };
    g.containers[1]!.previous = { ...g.containers[1]!.current, state: 'Terminated', exitCode: 1 };
    assert.deepEqual(shown(), ['Running', 'Running', 'Running']);
    g.status = 'Terminating';
    assert.equal(shownGroupStatus(g), 'Terminating');
  });

  test('the command runs once PID 1 has left the start chain (script, chroot, setpriv, env -i -C)', () => {
    const script = '/run/eci/g/app-1/start.sh';
    const rows: [string[], boolean][] = [
      [[], true],
      [['sh', script], true],
      [['chroot', '/run/eci/g/app-1/root', 'setpriv'], true],
      [['setpriv', '--reuid=1000', '--'], true],
      [['env', '-i', '-C', '/', 'PATH=/bin', 'sh'], true],
      [['sh', '-c', 'echo container is alive; sleep 10000'], false],
      [['env'], false],
      [['/agnhost', 'pause'], false],
    ];
    for (const [cmdline, chain] of rows)
      assert.equal(inStartChain(cmdline, script), chain, cmdline.join(' '));
  });

  test('simulated containers run at once', () => {
    const g = processGroup([{ Name: 'app', Image: 'redis:7', Command: ['sleep', '100'] }]);
    advance(g, 1000, timing);
    assert.equal(shownState(g.containers[0]!).state, 'Running');
  });
});

describe('runAsNonRoot', () => {
  const nonRoot = (image: string, RunAsUser?: number): Spec => ({
    Name: 'app',
    Image: image,
    Command: ['id', '-u'],
    SecurityContextRunAsNonRoot: true,
    ...(RunAsUser === undefined ? {} : { SecurityContext: { RunAsUser } }),
  });

  test('a container whose image runs as root waits in CreateContainerConfigError, with a Failed event and no Started', () => {
    const g = processGroup([nonRoot(BUSYBOX)]);
    advance(g, 1000, timing);
    const c = g.containers[0]!;
    assert.equal(c.current.state, 'Waiting');
    assert.equal(c.current.reason, 'CreateContainerConfigError');
    assert.match(c.current.message, /container has runAsNonRoot and image will run as root/);
    const reasons = g.events.filter((e) => e.object === 'app').map((e) => e.reason);
    assert.ok(reasons.includes('Failed'));
    assert.ok(!reasons.includes('Started'));
    assert.notEqual(g.status, 'Succeeded'); // it is retried, not given up
    advance(g, 600_000, timing);
    assert.equal(c.current.reason, 'CreateContainerConfigError');
    assert.equal(c.restartCount, 0);
    assert.ok((g.events.find((e) => e.reason === 'Failed')?.count ?? 0) > 1);
  });

  test('RunAsUser 0 is refused with the kubelet message for an explicit root user', () => {
    assert.match(
      nonRootRefusal(nonRoot(NONROOT, 0), imageUser(NONROOT), 'p') ?? '',
      /runAsUser breaks non-root/,
    );
  });

  test("a non-root RunAsUser, or the nonroot image's USER, may start", () => {
    assert.equal(nonRootRefusal(nonRoot(BUSYBOX, 1000), imageUser(BUSYBOX), 'p'), undefined);
    assert.equal(nonRootRefusal(nonRoot(NONROOT), imageUser(NONROOT), 'p'), undefined);
    const g = processGroup([nonRoot(NONROOT)]);
    advance(g, 1000, timing);
    assert.equal(g.containers[0]!.current.state, 'Running');
  });

  test('without runAsNonRoot nothing is checked', () => {
    assert.equal(nonRootRefusal({ Name: 'app' }, 0, 'p'), undefined);
  });
});

describe('the nonroot image', () => {
  test('is a shell image whose command runs as its USER 1234 unless RunAsUser says otherwise', () => {
    assert.equal(imageBacking(NONROOT), 'shell');
    assert.deepEqual(containerUser({}, imageUser(NONROOT)), { uid: 1234, gid: 0 });
    assert.deepEqual(containerUser({ SecurityContext: { RunAsUser: 5 } }, imageUser(NONROOT)), {
      uid: 5,
      gid: 0,
    });
    assert.equal(containerUser({}, imageUser(BUSYBOX)), undefined);
  });
});

const withPriority = (name: string, launch?: number, exit?: number, extra: Partial<Spec> = {}): Spec => ({
  Name: name,
  Image: 'busybox',
  Command: ['sleep', '100'],
  EnvironmentVar: [
    ...(launch === undefined ? [] : [{ Key: 'ECI_CONTAINER_LAUNCH_PRIORITY', Value: String(launch) }]),
    ...(exit === undefined ? [] : [{ Key: 'ECI_CONTAINER_EXIT_PRIORITY', Value: String(exit) }]),
  ],
  ...extra,
});

describe('ECI container start and exit priorities', () => {
  test('priorities are read from the env, clamped to -1000..1000, 0 by default or when not a number', () => {
    const env = (v: string) => ({ EnvironmentVar: [{ Key: 'ECI_CONTAINER_LAUNCH_PRIORITY', Value: v }] });
    assert.deepEqual(
      ['5', '-3', '5000', 'x', ''].map((v) => launchPriority(env(v))),
      [5, -3, 1000, 0, 0],
    );
    assert.equal(launchPriority(undefined), 0);
    assert.equal(exitPriority({ EnvironmentVar: [{ Key: 'ECI_CONTAINER_EXIT_PRIORITY', Value: '2' }] }), 2);
  });

  test("a higher launch priority starts first; the next once it runs (process: exec'd) and its readiness probe passed", () => {
    const g = processGroup([
      withPriority('app'),
      withPriority('sidecar', 1, 1, { ReadinessProbe: { Exec: { Command: ['true'] } } }),
    ]);
    advance(g, 1000, timing);
    const [app, sidecar] = g.containers;
    assert.equal(sidecar!.current.state, 'Running');
    assert.equal(app!.current.state, 'Waiting');
    assert.equal(g.status, 'Running');
    sidecar!.launching = undefined; // its process exec'd, but it is not ready yet
    advance(g, 1100, timing);
    assert.equal(app!.current.state, 'Waiting');
    sidecar!.ready = true; // its readiness probe passed
    advance(g, 1200, timing);
    assert.equal(app!.current.state, 'Running');
    assert.equal(app!.current.startTime, 1200);
  });

  test('without priorities every container starts at once', () => {
    const g = processGroup([withPriority('a'), withPriority('b')]);
    advance(g, 1000, timing);
    assert.deepEqual(
      g.containers.map((c) => c.current.state),
      ['Running', 'Running'],
    );
  });

  test('a simulated group plays the order at once (its containers are up as they start)', () => {
    const g = processGroup([
      withPriority('app', 0, 0, { Image: 'redis' }),
      withPriority('side', 3, 0, { Image: 'redis' }),
    ]);
    advance(g, 1000, timing);
    assert.deepEqual(
      g.containers.map((c) => c.current.state),
      ['Running', 'Running'],
    );
  });

  test('on delete the lowest exit priority is stopped first, the next once those have exited', () => {
    const running = [
      { name: 'app', spec: withPriority('app') },
      { name: 'proxy', spec: withPriority('proxy', 2, 2) },
      { name: 'logs', spec: withPriority('logs', 1, 1) },
    ];
    assert.deepEqual(
      dueToStop(running).map((r) => r.name),
      ['app'],
    );
    assert.deepEqual(
      dueToStop(running.slice(1)).map((r) => r.name),
      ['logs'],
    );
    assert.deepEqual(dueToStop([]), []);
  });
});

describe('a deleted process group', () => {
  test('keeps its real containers Running until their processes exit, then shows their exit code', () => {
    const g = processGroup([withPriority('app'), withPriority('sidecar', 1, 1)], { RestartPolicy: 'Always' });
    advance(g, 1000, timing);
    for (const c of g.containers) c.launching = undefined;
    advance(g, 1100, timing);
    beginDelete(g, 2000, timing);
    assert.equal(g.status, 'Terminating');
    // Two exit priorities: the group may take two grace periods of 5 s.
    assert.equal(g.phaseEndsAt, 2000 + 11_000);
    const [app, sidecar] = g.containers;
    assert.deepEqual(
      g.containers.map((c) => c.current.state),
      ['Running', 'Running'],
    );
    assert.ok(g.events.some((e) => e.reason === 'Killing' && e.object === 'app'));
    // The runtime reports the app's exit after SIGTERM.
    app!.exitAt = 3000;
    app!.plannedExitCode = 143;
    advance(g, 3500, timing);
    assert.deepEqual(
      [app!.current.state, app!.current.exitCode, app!.current.reason],
      ['Terminated', 143, 'Error'],
    );
    assert.equal(app!.restartAt, undefined); // nothing restarts while the group is deleted
    assert.equal(sidecar!.current.state, 'Running');
    sidecar!.exitAt = 4000;
    sidecar!.plannedExitCode = 0;
    advance(g, 4500, timing);
    assert.deepEqual([sidecar!.current.state, sidecar!.current.reason], ['Terminated', 'Completed']);
    assert.equal(g.status, 'Terminating');
  });

  test('simulated containers still stop at once', () => {
    const g = processGroup([withPriority('app', 0, 0, { Image: 'redis' })]);
    advance(g, 1000, timing);
    beginDelete(g, 2000, timing);
    assert.equal(g.containers[0]!.current.state, 'Terminated');
  });
});
