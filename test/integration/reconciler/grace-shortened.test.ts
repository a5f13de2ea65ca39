// A pod's grace period shortened while it terminates, and a force delete (issue 18, the
// "Lifecycle Sleep Hook ... reduce GracePeriodSeconds during runtime" spec): through the API
// server with kubectl, against the emulator in process mode, where a preStop sleep really
// sleeps. The group was created with a long TerminationGracePeriodSeconds, which is all a
// plain DeleteContainerGroup lets ECI go by; the pod's shorter grace is kept by a forced
// delete at its deadline (reconciler/controller/termination.ts).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { V1Pod } from '@kubernetes/client-node';
import { createNamespace, deleteNamespace, eventually } from '../helpers.ts';
import { skipUnlessProcessMode } from '../process/helpers.ts';
import { eciPod, startStack, type Stack } from './stack.ts';
import { TAG_KEYS } from '../../../reconciler/ownership.ts';

const run = promisify(execFile);
const FINALIZER = 'test.eci-virtual-node/keep';
/** Far longer than any wait below: a container still in its preStop is one nobody forced. */
const PRESTOP_SECONDS = 300;

let stack: Stack;
let ns = '';

const kubectl = (...args: string[]) =>
  run(stack.cp.kubectlPath, ['--kubeconfig', stack.cp.kubeconfigPath, '-n', ns, ...args]);
const readPod = (name: string) => stack.core.readNamespacedPod({ name, namespace: ns });

function sleepyPod(name: string, finalizers?: string[]): V1Pod {
  const p = eciPod(stack, name, {
    image: 'busybox',
    command: ['sh', '-c', 'trap "exit 0" TERM; while true; do sleep 0.2; done'],
  });
  p.metadata!.finalizers = finalizers;
  p.spec!.terminationGracePeriodSeconds = 2 * PRESTOP_SECONDS;
  p.spec!.containers[0]!.lifecycle = { preStop: { sleep: { seconds: PRESTOP_SECONDS } } };
  return p;
}

async function groupOf(name: string) {
  return (await stack.admin.containerGroups()).find(
    (g) =>
      g.tags.some((t) => t.Key === TAG_KEYS.podName && t.Value === name) &&
      g.tags.some((t) => t.Key === TAG_KEYS.namespace && t.Value === ns),
  );
}

async function startRunning(p: V1Pod): Promise<void> {
  await stack.core.createNamespacedPod({ namespace: ns, body: p });
  const name = p.metadata!.name!;
  await eventually(
    `${name} Running`,
    async () => (await readPod(name)).status?.phase === 'Running',
    180_000,
    500,
  );
}

describe('a grace period shortened while the pod terminates', { skip: skipUnlessProcessMode }, () => {
  before(async () => {
    stack = await startStack({
      emulator: {
        containers: 'process',
        quotas: false,
        vSwitches: [
          { vSwitchId: 'vsw-emu-h', zoneId: 'cn-hangzhou-h', vpcId: 'vpc-emu', cidr: '10.251.0.0/24' },
          { vSwitchId: 'vsw-emu-i', zoneId: 'cn-hangzhou-i', vpcId: 'vpc-emu', cidr: '10.252.0.0/24' },
        ],
      },
    });
    await stack.startReconciler();
    ns = await createNamespace(stack.cp.kubeConfig, 'grace');
  });

  after(async () => {
    if (ns) {
      await kubectl(
        'patch',
        'pod',
        'shortened',
        '--type=merge',
        '-p',
        '{"metadata":{"finalizers":null}}',
      ).catch(() => {});
      await deleteNamespace(stack.cp.kubeConfig, ns);
    }
    await stack?.stop();
  });

  test('kubectl delete --grace-period twice: the container is killed at the shorter deadline, in its preStop', async () => {
    await startRunning(sleepyPod('shortened', [FINALIZER]));
    await kubectl('delete', 'pod', 'shortened', `--grace-period=${PRESTOP_SECONDS}`, '--wait=false');
    // ECI got the plain delete: the group terminates, the preStop sleep runs.
    await eventually(
      'the group Terminating',
      async () => (await groupOf('shortened'))?.status === 'Terminating',
    );
    await kubectl('delete', 'pod', 'shortened', '--grace-period=5', '--wait=false');
    const deadline = (await readPod('shortened')).metadata?.deletionTimestamp;
    assert.ok(deadline, 'the API server keeps the pod (finalizer) with the shorter deadline');
    const terminated = await eventually(
      'the container terminated on the pod',
      async () => (await readPod('shortened')).status?.containerStatuses?.[0]?.state?.terminated,
      120_000,
      500,
    );
    // Killed by ECI (Force), not written off as unknown, and not before the shortened grace ran out.
    assert.equal(terminated.exitCode, 137, JSON.stringify(terminated));
    assert.notEqual(terminated.reason, 'ContainerStatusUnknown');
    assert.ok(terminated.finishedAt, JSON.stringify(terminated));
    assert.ok(
      new Date(terminated.finishedAt).getTime() >= new Date(deadline).getTime(),
      `finished ${terminated.finishedAt.toISOString()} before the deadline ${new Date(deadline).toISOString()}`,
    );
    await eventually(
      'the group gone from ECI',
      async () => (await groupOf('shortened')) === undefined,
      60_000,
      500,
    );
  });

  test('kubectl delete --grace-period=0 --force: the pod is gone at once and its group stopped, preStop or not', async () => {
    await startRunning(sleepyPod('forced'));
    await kubectl('delete', 'pod', 'forced', '--grace-period=0', '--force', '--wait=false');
    await eventually(
      'the group gone from ECI',
      async () => (await groupOf('forced')) === undefined,
      120_000,
      500,
    );
  });
});
