// Issue 18: a privileged container goes to ECI (Container.N.SecurityContextPrivileged,
// docs/eci-api.md "Security context") instead of being refused. Through the API server with
// the built kubectl, the reconciler in-process, the emulator in process mode: the privileged
// container of a pod has every capability this machine has (its logs and kubectl exec show
// CapEff equal to the host's bounding set) and can do what needs one (add a network link),
// while the plain container beside it keeps a runtime's default set. A privileged init
// container, which ECI cannot run, is refused with the pod rules' words. Whether a pod may be
// privileged stays the cluster's Pod Security Admission's call (docs/security.md, control 12).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import type { V1Container, V1Pod } from '@kubernetes/client-node';
import { createNamespace, deleteNamespace, eventually } from '../helpers.ts';
import { eciPod, startStack, type Stack } from '../reconciler/stack.ts';
import { skipUnlessProcessMode } from './helpers.ts';

const run = promisify(execFile);

let stack: Stack;
let ns = '';

const kubectl = async (args: string[], input?: string, namespace = ns) => {
  const p = run(stack.cp.kubectlPath, ['--kubeconfig', stack.cp.kubeconfigPath, '-n', namespace, ...args], {
    timeout: 120_000,
  });
  if (input !== undefined) p.child.stdin?.end(input);
  return (await p).stdout;
};

/** The capability mask a /proc/PID/status line names (`CapEff:\t000001ffffffffff`). */
function mask(status: string, field: 'CapEff' | 'CapBnd'): bigint {
  const m = new RegExp(`^${field}:\\s*([0-9a-f]+)$`, 'm').exec(status);
  assert.ok(m, `no ${field} in ${JSON.stringify(status)}`);
  return BigInt(`0x${m[1]}`);
}
const has = (caps: bigint, bit: number) => ((caps >> BigInt(bit)) & 1n) === 1n;
const CAP_NET_ADMIN = 12;
const CAP_SYS_ADMIN = 21;
/** Every capability this machine grants, what "all of them" means for a process here. */
const HOST_BOUNDING = mask(readFileSync('/proc/self/status', 'utf8'), 'CapBnd');

const SCRIPT = [
  'grep -E "^Cap(Eff|Bnd):" /proc/self/status',
  'ip link add v0 type veth peer name v1 2>/dev/null && echo link-added && ip link del v0 || echo link-refused',
  'sleep 3600',
].join('; ');

function shell(name: string, securityContext?: V1Container['securityContext']): V1Container {
  return {
    name,
    image: 'busybox:1.36',
    command: ['sh', '-c', SCRIPT],
    resources: { requests: { cpu: '250m', memory: '256Mi' } },
    ...(securityContext ? { securityContext } : {}),
  };
}

function podWith(name: string, containers: V1Container[], initContainers?: V1Container[]): V1Pod {
  const p = eciPod(stack, name);
  p.apiVersion = 'v1';
  p.kind = 'Pod';
  p.spec!.containers = containers;
  if (initContainers) p.spec!.initContainers = initContainers;
  return p;
}

async function logsOf(pod: string, container: string): Promise<string> {
  let out = '';
  await eventually(
    `${pod}/${container} printed its capabilities and the link attempt`,
    async () => {
      out = await kubectl(['logs', pod, '-c', container]).catch(() => '');
      return /link-(added|refused)/.test(out);
    },
    120_000,
    500,
  );
  return out;
}

describe(
  'privileged containers on ECI (process mode, through kubectl)',
  { skip: skipUnlessProcessMode },
  () => {
    before(async () => {
      stack = await startStack({
        emulator: {
          containers: 'process',
          quotas: false, // logs are polled faster than the per-minute log quota
          vSwitches: [
            { vSwitchId: 'vsw-emu-h', zoneId: 'cn-hangzhou-h', vpcId: 'vpc-emu', cidr: '10.247.0.0/24' },
            { vSwitchId: 'vsw-emu-i', zoneId: 'cn-hangzhou-i', vpcId: 'vpc-emu', cidr: '10.248.0.0/24' },
          ],
        },
      });
      await stack.startReconciler();
      ns = await createNamespace(stack.cp.kubeConfig, 'privileged');
    });

    let enforced = '';
    after(async () => {
      if (ns) await deleteNamespace(stack.cp.kubeConfig, ns);
      if (enforced) await deleteNamespace(stack.cp.kubeConfig, enforced);
      await stack?.stop();
    });

    test('the privileged container has every capability, the plain one beside it a runtime’s default set', async () => {
      const pod = podWith('mixed', [shell('priv', { privileged: true }), shell('plain')]);
      await kubectl(['apply', '-f', '-'], JSON.stringify(pod));
      await eventually(
        'mixed Running',
        async () =>
          (await stack.core.readNamespacedPod({ name: 'mixed', namespace: ns })).status?.phase === 'Running',
        180_000,
        500,
      );

      const priv = await logsOf('mixed', 'priv');
      assert.equal(mask(priv, 'CapEff'), HOST_BOUNDING, priv);
      assert.equal(mask(priv, 'CapBnd'), HOST_BOUNDING, priv);
      assert.ok(has(mask(priv, 'CapEff'), CAP_SYS_ADMIN), priv);
      assert.match(priv, /link-added/, 'a privileged command works');

      const plain = await logsOf('mixed', 'plain');
      const plainCaps = mask(plain, 'CapEff');
      assert.notEqual(plainCaps, HOST_BOUNDING, plain);
      assert.equal(has(plainCaps, CAP_SYS_ADMIN), false, plain);
      assert.equal(has(plainCaps, CAP_NET_ADMIN), false, plain);
      assert.match(plain, /link-refused/);

      // kubectl exec runs with the container's own set, as a runtime's exec does.
      const execPriv = await kubectl([
        'exec',
        'mixed',
        '-c',
        'priv',
        '--',
        'grep',
        'CapEff',
        '/proc/self/status',
      ]);
      assert.equal(mask(execPriv, 'CapEff'), HOST_BOUNDING, execPriv);
      const execPlain = await kubectl([
        'exec',
        'mixed',
        '-c',
        'plain',
        '--',
        'grep',
        'CapEff',
        '/proc/self/status',
      ]);
      assert.equal(mask(execPlain, 'CapEff'), plainCaps, execPlain);
    });

    test('a privileged init container is refused with the reason, before anything reaches ECI', async () => {
      const pod = podWith(
        'init-priv',
        [shell('app')],
        [{ ...shell('setup', { privileged: true }), command: ['true'] }],
      );
      pod.spec!.restartPolicy = 'Never';
      await kubectl(['apply', '-f', '-'], JSON.stringify(pod));
      let message = '';
      await eventually(
        'init-priv refused',
        async () => {
          const p = await stack.core.readNamespacedPod({ name: 'init-priv', namespace: ns });
          message = p.status?.message ?? '';
          return p.status?.phase === 'Failed';
        },
        120_000,
        500,
      );
      assert.match(
        message,
        /spec\.initContainers\[0\]\.securityContext\.privileged: privileged init containers are not available on ECI/,
      );
      const groups = await stack.admin.containerGroups();
      assert.equal(
        groups.some((g) => g.tags.some((t) => t.Value === 'init-priv')),
        false,
        'no group was created',
      );
    });

    test('in a namespace whose Pod Security Admission forbids it, the API server refuses the pod before the reconciler sees it', async () => {
      enforced = await createNamespace(stack.cp.kubeConfig, 'psa-baseline', {
        'pod-security.kubernetes.io/enforce': 'baseline',
      });
      const pod = podWith('psa-priv', [shell('priv', { privileged: true })]);
      await assert.rejects(kubectl(['apply', '-f', '-'], JSON.stringify(pod), enforced), (err: Error) => {
        assert.match(err.message, /violates PodSecurity "baseline:latest": privileged/);
        return true;
      });
      const groups = await stack.admin.containerGroups();
      assert.equal(
        groups.some((g) => g.tags.some((t) => t.Value === 'psa-priv')),
        false,
        'no group was created',
      );
    });
  },
);
