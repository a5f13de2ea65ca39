// `make demo`: the whole system on one machine. Starts a real control plane, the ECI
// emulator, the webhook and the reconciler; applies examples/; waits until the pods run
// on virtual-node-eci-0 and the Job completes; prints nodes and pods and how to explore
// with kubectl; stays up until Ctrl-C (or exits at once with DEMO_EXIT=1). Every process
// it started is stopped on the way out.
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { AdmissionregistrationV1Api, BatchV1Api, CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { kubeletServingFlags, startControlPlane, type ControlPlane } from '../test/harness/control-plane.ts';
import { resolveNodeIp } from '../reconciler/kubelet/node-address.ts';
import { freePort } from '../test/harness/ports.ts';
import {
  metricsServerBinary,
  startMetricsServer,
  type MetricsServerHandle,
} from '../test/harness/metrics-server.ts';
import { startEmulator, type EmulatorHandle } from '../emulator/index.ts';
import { webhookConfiguration } from '../webhook/webhook-config.ts';

const NODE = 'virtual-node-eci-0';
const SYSTEM_NS = 'eci-virtual-node';
const EXIT_AT_ONCE = process.env.DEMO_EXIT === '1';
const LOG_DIR = join(tmpdir(), 'eci-virtual-node-demo');
mkdirSync(LOG_DIR, { recursive: true });
const children: ChildProcess[] = [];
let cp: ControlPlane | undefined;
let emu: EmulatorHandle | undefined;
let metricsServer: MetricsServerHandle | undefined;

const step = (msg: string) => console.log(`==> ${msg}`);
const execFileAsync = promisify(execFile);

async function cleanup(): Promise<void> {
  for (const child of children.reverse()) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await Promise.race([new Promise((r) => child.once('exit', r)), sleep(10_000)]);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  }
  await metricsServer?.stop().catch(() => {});
  await emu?.close().catch(() => {});
  await cp?.stop().catch(() => {});
}

/** Starts a program of this repo and resolves once a JSON log line satisfies `ready`. */
function startProgram(
  name: string,
  args: string[],
  env: Record<string, string>,
  ready: (entry: Record<string, unknown>) => boolean,
): Promise<ChildProcess> {
  const child = spawn(process.execPath, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    // Readiness is read from info-level log lines, so children log at info at least.
    env: {
      ...process.env,
      LOG_LEVEL: /^(debug|trace)$/.test(process.env.LOG_LEVEL ?? '') ? process.env.LOG_LEVEL : 'info',
      ...env,
    },
  });
  children.push(child);
  const logFile = createWriteStream(join(LOG_DIR, `${name}.log`));
  child.stdout?.pipe(logFile);
  child.stderr?.pipe(logFile);
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start within 90 s: ${stderr}`)), 90_000);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      try {
        if (ready(JSON.parse(line) as Record<string, unknown>)) {
          clearTimeout(timer);
          resolve(child);
        }
      } catch {
        // not a log line
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited with ${code}: ${stderr.trim()}`));
    });
  });
}

async function until<T>(
  what: string,
  check: () => Promise<T | undefined | false>,
  timeoutMs = 180_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v;
    } catch {
      // not yet
    }
    await sleep(500);
  }
  throw new Error(`timed out waiting for ${what}`);
}

function kubectl(kubeconfig: string, args: string[]): string {
  const r = spawnSync(cp!.kubectlPath, ['--kubeconfig', kubeconfig, ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`kubectl ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

async function main(): Promise<void> {
  step('starting the control plane (etcd, kube-apiserver, kube-controller-manager, kube-scheduler)');
  cp = await startControlPlane();
  const kc: KubeConfig = cp.kubeConfig;
  const core = kc.makeApiClient(CoreV1Api);
  const env = { KUBECONFIG: cp.kubeconfigPath };

  step('starting the ECI emulator');
  // auto: real processes in Linux namespaces where this machine allows it (root), else the simulation.
  emu = await startEmulator({ logLevel: 'warn', containers: 'auto' });
  console.log(`    ${emu.url} (containers: ${emu.containers})`);

  step('installing the add-on: namespace, credentials Secret, ECI Profile');
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
      data: { vSwitchIds: 'vsw-emu-h,vsw-emu-i', securityGroupId: 'sg-emu', vpcId: 'vpc-emu' },
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
    (e) => e.msg === 'listening',
  );

  step(`starting the reconciler (virtual node ${NODE})`);
  await startProgram(
    'reconciler',
    [
      'reconciler/main.ts',
      '--eci-endpoint',
      emu.url,
      '--health-address',
      '127.0.0.1:0',
      '--cluster-id',
      'demo',
      // A free port (the node advertises it), so the demo never collides with anything on 10250.
      '--kubelet-port',
      '0',
      // A serving certificate the API server verifies (it runs with --kubelet-certificate-authority).
      ...(await kubeletServingFlags([resolveNodeIp(undefined, process.env)])),
    ],
    env,
    (e) => e.msg === 'reconciler started',
  );
  await until('the virtual node to be Ready and schedulable', async () => {
    const n = await core.readNode({ name: NODE });
    const ready = n.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
    return ready && !(n.spec?.taints ?? []).some((t) => t.key === 'node.kubernetes.io/not-ready');
  });
  // The apiserver picks up new webhook configurations through an informer: wait for it.
  await until('the webhook to be in effect', async () => {
    const canary = await core.createNamespacedPod({
      namespace: 'default',
      dryRun: 'All',
      body: {
        metadata: { name: 'canary', labels: { eci: 'true' } },
        spec: { containers: [{ name: 'c', image: 'nginx' }] },
      },
    });
    return canary.spec?.nodeSelector?.type === 'virtual-kubelet';
  });

  if (metricsServerBinary()) {
    step('starting metrics-server (kubectl top scrapes the virtual node)');
    metricsServer = await startMetricsServer({
      kubeconfigPath: cp.kubeconfigPath,
      kubectlPath: cp.kubectlPath,
      clusterCaPem: cp.caPem,
      kubeletCaPem: cp.caPem,
    });
  } else console.log('    metrics-server is not built (make control-plane builds it): no kubectl top');

  step('applying examples/');
  console.log(kubectl(cp.kubeconfigPath, ['apply', '-f', 'examples/']).trimEnd().replace(/^/gm, '    '));

  step('waiting for the pods to run on the virtual node and the Job to complete');
  const batch = kc.makeApiClient(BatchV1Api);
  await until('pods Running on the virtual node', async () => {
    const pods = await core.listPodForAllNamespaces({ fieldSelector: `spec.nodeName=${NODE}` });
    const running = pods.items
      .filter((p) => p.status?.phase === 'Running')
      .map((p) => p.metadata?.name ?? '');
    return running.includes('hello-eci') && running.filter((n) => n.startsWith('web-')).length === 2;
  });
  await until('Job hello-job to complete', async () => {
    const job = await batch.readNamespacedJob({ name: 'hello-job', namespace: 'default' });
    return (job.status?.succeeded ?? 0) >= 1;
  });

  if (emu.containers === 'process') {
    step('the web pods are real processes: HTTP to their pod IPs from this machine');
    const pods = await core.listPodForAllNamespaces({ fieldSelector: `spec.nodeName=${NODE}` });
    for (const pod of pods.items.filter((p) => p.metadata?.name?.startsWith('web-') && p.status?.podIP)) {
      const url = `http://${pod.status?.podIP}:80/`;
      const answer = await fetch(url, { signal: AbortSignal.timeout(5000) })
        .then((r) => r.text())
        .catch((e: unknown) => `no answer: ${(e as Error).message}`);
      console.log(`    GET ${url} → ${answer.trim()}`);
    }
    step('kubectl logs job/hello-job (what the real shell printed)');
    // Asynchronously: the emulator serving these logs runs in this process's event loop.
    const { stdout } = await execFileAsync(cp.kubectlPath, [
      '--kubeconfig',
      cp.kubeconfigPath,
      'logs',
      'job/hello-job',
    ]);
    console.log(stdout.trimEnd().replace(/^/gm, '    '));
  }

  step('kubectl get nodes -o wide');
  process.stdout.write(kubectl(cp.kubeconfigPath, ['get', 'nodes', '-o', 'wide']));
  step('kubectl get pods -A -o wide');
  process.stdout.write(kubectl(cp.kubeconfigPath, ['get', 'pods', '-A', '-o', 'wide']));
  console.log('');
  console.log('Explore further with kubectl (valid while the demo runs):');
  console.log(`export KUBECONFIG=${cp.kubeconfigPath}`);
  console.log(`alias kubectl=${cp.kubectlPath}`);
  console.log(
    'try: kubectl get events -A; kubectl logs <running pod> (served by the virtual node from DescribeContainerLog)',
  );
  if (emu.containers === 'process') {
    console.log('containers are real processes: kubectl logs job/hello-job shows what the shell printed');
  }
  if (metricsServer) {
    console.log('kubectl top pod -A: ECI pods measured through metrics-server (20 s after they start)');
  }
  console.log(`ECI emulator admin API: ${emu.url}/_emulator/container-groups`);
  console.log(`Logs of the webhook and the reconciler: ${LOG_DIR}/`);
}

let exiting = false;
async function exit(code: number): Promise<never> {
  if (!exiting) {
    exiting = true;
    console.log('==> stopping every process of the demo');
    await cleanup();
  }
  process.exit(code);
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.removeAllListeners(signal);
  process.on(signal, () => void exit(0));
}

try {
  await main();
} catch (err) {
  console.error(`demo failed: ${(err as Error).message}`);
  if (cp) {
    try {
      console.error(kubectl(cp.kubeconfigPath, ['get', 'pods', '-A', '-o', 'wide']));
      console.error(
        kubectl(cp.kubeconfigPath, ['get', 'events', '-A', '--sort-by=.lastTimestamp']).slice(-4000),
      );
    } catch {
      // best effort
    }
  }
  await exit(1);
}
if (EXIT_AT_ONCE) await exit(0);
console.log('Press Ctrl-C to stop.');
setInterval(() => {}, 1 << 30);
