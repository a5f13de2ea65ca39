// Process mode's lifecycle as a kubelet would report it (issue 18): a container is Running only
// once its process exec'd the command, runAsNonRoot refuses a container that would run as
// root, and the nonroot image runs as its own USER.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { advance, newContainerRuntime, shownReady, shownState } from '../../../emulator/lifecycle.ts';
import { DEFAULT_TIMING } from '../../../emulator/options.ts';
import { renderPodStatus } from '../../../emulator/render.ts';
import { imageBacking, imageUser } from '../../../emulator/process/image-table.ts';
import { containerUser, nonRootRefusal } from '../../../emulator/process/security-context.ts';
import type { ContainerGroup } from '../../../emulator/model.ts';
import type { CreateContainerGroupParams } from '../../../emulator/validate-create.ts';

const timing = { ...DEFAULT_TIMING, schedulingMs: 10, pendingMs: 10, terminatingMs: 10 };
const NONROOT = 'registry.k8s.io/e2e-test-images/nonroot:1.5';
const BUSYBOX = 'registry.k8s.io/e2e-test-images/busybox:1.37.0-1';

type Spec = CreateContainerGroupParams['Container'][number];

function processGroup(
  containers: Spec[],
  extra: Partial<CreateContainerGroupParams> = {},
): ContainerGroup {
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
