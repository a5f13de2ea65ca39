// The system under test for the conformance run: the local control plane, the ECI
// emulator (its own process, real containers where the machine allows), the webhook
// and the reconciler, wired as scripts/demo.ts wires them, plus an ECI Profile
// selector that sends every pod of the e2e framework's namespaces to the virtual node.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  AdmissionregistrationV1Api,
  CoreV1Api,
  PatchStrategy,
  setHeaderOptions,
} from '@kubernetes/client-node';
import { VIRTUAL_NODE } from '../../shared/annotation-names.ts';
import {
  kubeletServingFlags,
  startControlPlane,
  type ControlPlane,
} from '../../test/harness/control-plane.ts';
import { resolveNodeIp } from '../../reconciler/kubelet/node-address.ts';
import { freePort } from '../../test/harness/ports.ts';
import { webhookConfiguration } from '../../webhook/webhook-config.ts';
import { routedDestinations, vSwitchFlags } from './vswitches.ts';

export const NODE = 'virtual-node-eci-0';
const SYSTEM_NS = 'eci-virtual-node';
/** The label the e2e framework puts on every namespace it creates (framework.CreateTestingNS). */
export const E2E_NAMESPACE_LABEL = 'e2e-framework';

export interface Stack {
  cp: ControlPlane;
  /** What the emulator said about its containers: `process (…)` or `simulation (…)`. */
  containers: string;
  stop(): Promise<void>;
}

type LogLine = Record<string, unknown>;

/** An ECI Profile selector (shared/profile.ts): namespaces that carry the e2e label, whatever its value. */
export function e2eProfileSelectors(): string {
  return JSON.stringify([
    {
      name: 'e2e-framework-namespaces',
      namespaceSelector: { matchExpressions: [{ key: E2E_NAMESPACE_LABEL, operator: 'Exists' }] },
    },
  ]);
}

async function until<T>(
  what: string,
  check: () => Promise<T | undefined | false>,
  timeoutMs = 180_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      last = err;
    }
    await sleep(500);
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
}

export interface StackOptions {
  /** Remove the virtual node's NoSchedule taint once it is Ready (see below). */
  untaint: boolean;
}

export async function startStack(
  logDir: string,
  step: (msg: string) => void,
  options: StackOptions = { untaint: true },
): Promise<Stack> {
  const children: ChildProcess[] = [];
  let cp: ControlPlane | undefined;

  const stop = async () => {
    for (const child of [...children].reverse()) {
      if (child.exitCode !== null || child.signalCode !== null) continue;
      child.kill('SIGTERM');
      // The emulator removes namespaces, veths and its bridge on SIGTERM: give it time.
      await Promise.race([new Promise((r) => child.once('exit', r)), sleep(30_000)]);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
    await cp?.stop().catch(() => {});
  };

  /** Starts `node <args>` and resolves once an output line satisfies `ready` (JSON lines are parsed). */
  const startProgram = (
    name: string,
    args: string[],
    env: Record<string, string>,
    ready: (line: string, entry: LogLine | undefined) => boolean,
  ): Promise<{ child: ChildProcess; lines: string[] }> => {
    const child = spawn(process.execPath, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, LOG_LEVEL: 'info', ...env },
    });
    children.push(child);
    const logFile = createWriteStream(join(logDir, `${name}.log`));
    child.stdout?.pipe(logFile);
    child.stderr?.pipe(logFile);
    const lines: string[] = [];
    let stderr = '';
    child.stderr?.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-4000)));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${name} did not start within 120 s: ${stderr}`)),
        120_000,
      );
      createInterface({ input: child.stdout! }).on('line', (line) => {
        if (lines.length < 50) lines.push(line);
        let entry: LogLine | undefined;
        try {
          entry = JSON.parse(line) as LogLine;
        } catch {
          // a plain line
        }
        if (ready(line, entry)) {
          clearTimeout(timer);
          resolve({ child, lines });
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`${name} exited with ${code}: ${stderr.trim()}`));
      });
    });
  };

  try {
    step('starting the control plane (etcd, kube-apiserver, kube-controller-manager, kube-scheduler)');
    cp = await startControlPlane({ startTimeoutMs: 180_000 });
    const kc = cp.kubeConfig;
    const core = kc.makeApiClient(CoreV1Api);
    const env = { KUBECONFIG: cp.kubeconfigPath };

    step('starting the ECI emulator (--containers auto: real processes when root and namespaces allow)');
    const emulatorArgs = [
      'emulator/main.ts',
      '--listen',
      '127.0.0.1:0',
      '--containers',
      'auto',
      '--log-level',
      'info',
    ];
    for (const v of vSwitchFlags(routedDestinations(readFileSync('/proc/net/route', 'utf8'))))
      emulatorArgs.push('--vswitch', v);
    const emulator = await startProgram('emulator', emulatorArgs, {}, (line) =>
      line.startsWith('eci-emulator listening on '),
    );
    const emulatorUrl = emulator.lines.at(-1)!.slice('eci-emulator listening on '.length).trim();
    const containers =
      emulator.lines
        .map((l) => {
          try {
            return (JSON.parse(l) as LogLine).msg;
          } catch {
            return undefined;
          }
        })
        .find((m): m is string => typeof m === 'string' && m.startsWith('containers: '))
        ?.slice('containers: '.length) ?? 'unknown';
    step(`    ${emulatorUrl}, containers: ${containers}`);

    step('installing the add-on: namespace, credentials Secret, ECI Profile with the e2e selector');
    await core.createNamespace({ body: { metadata: { name: SYSTEM_NS } } });
    await core.createNamespacedSecret({
      namespace: 'kube-system',
      body: {
        metadata: { name: 'alibaba-addon-secret' },
        stringData: {
          'access-key-id': 'emulator-access-key-id',
          'access-key-secret': 'emulator-access-key-secret',
        },
      },
    });
    await core.createNamespacedConfigMap({
      namespace: 'kube-system',
      body: {
        metadata: { name: 'eci-profile' },
        data: {
          vSwitchIds: 'vsw-emu-h,vsw-emu-i',
          securityGroupId: 'sg-emu',
          vpcId: 'vpc-emu',
          selectors: e2eProfileSelectors(),
        },
      },
    });
    await core.createNamespacedService({
      namespace: 'kube-system',
      body: { metadata: { name: 'kube-dns' }, spec: { ports: [{ name: 'dns', port: 53, protocol: 'UDP' }] } },
    });

    step('starting the webhook');
    const port = await freePort();
    await kc.makeApiClient(AdmissionregistrationV1Api).createMutatingWebhookConfiguration({
      body: webhookConfiguration({ namespace: SYSTEM_NS, url: `https://127.0.0.1:${port}/mutate` }),
    });
    await startProgram(
      'webhook',
      [
        'webhook/main.ts',
        '--host',
        '127.0.0.1',
        '--port',
        String(port),
        '--namespace',
        SYSTEM_NS,
        '--cert-hosts',
        '127.0.0.1',
      ],
      env,
      (_line, e) => e?.msg === 'listening',
    );

    step(`starting the reconciler (virtual node ${NODE})`);
    await startProgram(
      'reconciler',
      [
        'reconciler/main.ts',
        '--eci-endpoint',
        emulatorUrl,
        '--health-address',
        '127.0.0.1:0',
        '--cluster-id',
        'conformance',
        '--kubelet-port',
        '0',
        // A serving certificate the API server verifies (it runs with --kubelet-certificate-authority).
        ...(await kubeletServingFlags([resolveNodeIp(undefined, process.env)])),
      ],
      env,
      (_line, e) => e?.msg === 'reconciler started',
    );
    await until('the virtual node to be Ready and schedulable', async () => {
      const n = await core.readNode({ name: NODE });
      const ready = n.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
      return ready && !(n.spec?.taints ?? []).some((t) => t.key === 'node.kubernetes.io/not-ready');
    });

    if (options.untaint) {
      // The e2e framework's node pickers (e2enode.GetReadySchedulableNodes, used by the
      // lifecycle-hook, node-lease and resize specs) ignore --non-blocking-taints and want an
      // untainted node. Here the virtual node is the only node and the webhook still gives
      // every e2e pod the toleration and nodeSelector, so the taint protects nothing.
      step(`removing the taint ${VIRTUAL_NODE.taintKey} from ${NODE} (the only node)`);
      const n = await core.readNode({ name: NODE });
      const taints = (n.spec?.taints ?? []).filter((t) => t.key !== VIRTUAL_NODE.taintKey);
      await core.patchNode(
        { name: NODE, body: [{ op: 'replace', path: '/spec/taints', value: taints }] },
        setHeaderOptions('Content-Type', PatchStrategy.JsonPatch),
      );
    }

    // The apiserver and the webhook pick up configuration through informers: wait until
    // a pod of a namespace labelled like the e2e ones is sent to the virtual node.
    const probeNs = 'conformance-selector-check';
    await core.createNamespace({
      body: { metadata: { name: probeNs, labels: { [E2E_NAMESPACE_LABEL]: 'check' } } },
    });
    await until('the webhook to send e2e namespaces to the virtual node', async () => {
      const canary = await core.createNamespacedPod({
        namespace: probeNs,
        dryRun: 'All',
        body: { metadata: { name: 'canary' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } },
      });
      return canary.spec?.nodeSelector?.type === 'virtual-kubelet';
    });
    await core.deleteNamespace({ name: probeNs });
    return { cp, containers, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
