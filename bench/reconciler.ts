// bench/reconciler: N pods (default 1000, BENCH_PODS) against the emulator's real quota
// (CreateContainerGroup burst 100, 20/s). Prints creates/s as a ratio of the quota, ECI
// calls per pod, status lag p50/p99, the reconciler's peak RSS, duplicates and orphans.
// The reconciler runs as its own process, as in production.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { CoreV1Api, ListWatch, Watch, type V1Pod } from '@kubernetes/client-node';
import { startControlPlane } from '../test/harness/control-plane.ts';
import { freePort } from '../test/harness/ports.ts';
import { startEmulator } from '../emulator/index.ts';
import { EmulatorAdmin } from '../emulator/admin-client.ts';
import { TAG_KEYS } from '../reconciler/ownership.ts';

const N = Number(process.env.BENCH_PODS ?? 1000);
const QUOTA = { burst: 100, perSecond: 20 };
const TIMING = { schedulingMs: 500, pendingMs: 500 };
const nodeName = 'virtual-node-eci-0';
const clusterId = 'bench';

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

const cp = await startControlPlane();
const emu = await startEmulator({ timing: TIMING, logLevel: 'warn' });
const admin = new EmulatorAdmin(emu.url);
const core = cp.kubeConfig.makeApiClient(CoreV1Api);
let peakRss = 0;
let child: ReturnType<typeof spawn> | undefined;
// Peak heap and external memory from the reconciler's own metrics, to tell heap from native memory.
let peakHeapUsed = 0;
let peakHeapTotal = 0;
let peakExternal = 0;
let metricsPort = 0;
const metricsSampler = setInterval(() => {
  if (!child || !metricsPort) return;
  fetch(`http://127.0.0.1:${metricsPort}/metrics`)
    .then((r) => r.text())
    .then((text) => {
      const g = (name: string) =>
        Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)`, 'm').exec(text)?.[1] ?? 0);
      peakHeapUsed = Math.max(peakHeapUsed, g('nodejs_heap_size_used_bytes'));
      peakHeapTotal = Math.max(peakHeapTotal, g('nodejs_heap_size_total_bytes'));
      peakExternal = Math.max(peakExternal, g('nodejs_external_memory_bytes'));
    })
    .catch(() => undefined);
}, 1000);
const sampler = setInterval(() => {
  if (!child) return;
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
    if (m) peakRss = Math.max(peakRss, Number(m[1]) * 1024);
  } catch {
    // exited
  }
}, 500);

try {
  const namespace = 'bench';
  await core.createNamespace({ body: { metadata: { name: namespace } } });
  for (;;) {
    try {
      await core.readNamespacedServiceAccount({ name: 'default', namespace });
      break;
    } catch {
      await sleep(200);
    }
  }
  // Record when each pod is first seen Running in the API.
  const runningAt = new Map<string, number>();
  const informer = new ListWatch<V1Pod>(
    `/api/v1/namespaces/${namespace}/pods`,
    new Watch(cp.kubeConfig),
    () => core.listNamespacedPod({ namespace }),
    false,
  );
  const see = (p: V1Pod) => {
    if (p.status?.phase === 'Running' && p.metadata?.uid && !runningAt.has(p.metadata.uid)) {
      runningAt.set(p.metadata.uid, Date.now());
    }
  };
  informer.on('add', see);
  informer.on('update', see);
  await informer.start();
  await admin.clearCalls();

  // The pods exist and are bound before the reconciler starts, so the run measures the
  // reconciler against the ECI quota, not how fast this machine's API server admits pods.
  const submitStarted = Date.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: 25 }, async () => {
      while (next < N) {
        const i = next++;
        await core.createNamespacedPod({
          namespace,
          body: {
            metadata: { name: `bench-${i}` },
            spec: {
              nodeName,
              tolerations: [{ key: 'virtual-kubelet.io/provider', operator: 'Exists', effect: 'NoSchedule' }],
              containers: [
                {
                  name: 'main',
                  image: 'nginx:1.27',
                  resources: { requests: { cpu: '250m', memory: '512Mi' } },
                },
              ],
            },
          },
        });
      }
    }),
  );
  const submitted = Date.now();
  const healthPort = await freePort();
  metricsPort = healthPort;
  const started = Date.now();
  child = spawn(
    process.execPath,
    [
      // BENCH_NODE_FLAGS: e.g. --max-semi-space-size=… to compare heap settings side by side.
      ...(process.env.BENCH_HEAP_SNAPSHOT ? ['--heapsnapshot-signal=SIGUSR2'] : []),
      ...(process.env.BENCH_NODE_FLAGS ?? '').split(' ').filter(Boolean),
      'reconciler/main.ts',
      '--node-name',
      nodeName,
      '--cluster-id',
      clusterId,
      '--eci-endpoint',
      emu.url,
      '--vswitch-ids',
      'vsw-emu-h,vsw-emu-i',
      '--security-group-id',
      'sg-emu',
      '--health-address',
      `127.0.0.1:${healthPort}`,
      '--workers',
      '20',
      '--kubelet-port',
      '0',
    ],
    {
      stdio: ['ignore', 'ignore', 'inherit'],
      env: {
        ...process.env,
        KUBECONFIG: cp.kubeconfigPath,
        LOG_LEVEL: 'warn',
        ALIBABA_CLOUD_ACCESS_KEY_ID: 'emulator-access-key-id',
        ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'emulator-access-key-secret',
      },
    },
  );

  while (runningAt.size < N && Date.now() - started < 15 * 60_000) await sleep(250);
  const allRunning = Date.now();
  await sleep(3000); // let trailing calls land

  const groups = (await admin.containerGroups()).filter(
    (g) => g.tags.find((t) => t.Key === TAG_KEYS.cluster)?.Value === clusterId,
  );
  const pods = await core.listNamespacedPod({ namespace });
  const uids = new Set(pods.items.map((p) => p.metadata?.uid));
  const perUid = new Map<string, number>();
  for (const g of groups) {
    const uid = g.tags.find((t) => t.Key === TAG_KEYS.podUid)?.Value ?? '';
    perUid.set(uid, (perUid.get(uid) ?? 0) + 1);
  }
  const duplicates = [...perUid.values()].reduce((n, c) => n + (c - 1), 0);
  const orphans = groups.filter(
    (g) => !uids.has(g.tags.find((t) => t.Key === TAG_KEYS.podUid)?.Value),
  ).length;
  const created = groups.map((g) => Date.parse(g.createdAt)).sort((a, b) => a - b);
  const createSpan = ((created.at(-1) ?? 0) - (created[0] ?? 0)) / 1000;
  // The quota allows `burst` at once and then `perSecond`: the fastest possible span for N creates.
  const idealSpan = Math.max(0, (N - QUOTA.burst) / QUOTA.perSecond);
  const ratio = createSpan > 0 ? idealSpan / createSpan : 1;
  const calls = await admin.calls();
  const totalCalls = Object.values(calls).reduce((a, b) => a + b, 0);
  const lags: number[] = [];
  for (const g of groups) {
    const uid = g.tags.find((t) => t.Key === TAG_KEYS.podUid)?.Value ?? '';
    const seen = runningAt.get(uid);
    if (seen === undefined) continue;
    lags.push(seen - (Date.parse(g.createdAt) + TIMING.schedulingMs + TIMING.pendingMs));
  }
  console.log(`bench/reconciler: ${N} pods, quota burst ${QUOTA.burst} + ${QUOTA.perSecond}/s`);
  console.log(
    `  pods created and bound in    ${((submitted - submitStarted) / 1000).toFixed(1)} s (before the reconciler starts)`,
  );
  console.log(
    `  all Running after            ${((allRunning - started) / 1000).toFixed(1)} s (${runningAt.size}/${N})`,
  );
  console.log(`  groups created               ${groups.length} over ${createSpan.toFixed(1)} s`);
  console.log(
    `  creates/s vs quota           ${(N / Math.max(createSpan, 0.001)).toFixed(1)}/s, ratio ${ratio.toFixed(3)} (target >= 0.95; ideal span ${idealSpan.toFixed(1)} s)`,
  );
  console.log(`  ECI calls per pod            ${(totalCalls / N).toFixed(2)}  ${JSON.stringify(calls)}`);
  console.log(`  status lag p50 / p99         ${percentile(lags, 50)} ms / ${percentile(lags, 99)} ms`);
  console.log(`  reconciler peak RSS          ${(peakRss / 2 ** 20).toFixed(0)} MiB`);
  console.log(
    `  reconciler peak heap         used ${(peakHeapUsed / 2 ** 20).toFixed(0)} / total ${(peakHeapTotal / 2 ** 20).toFixed(0)} MiB, external ${(peakExternal / 2 ** 20).toFixed(0)} MiB (sampled each second)`,
  );
  console.log(`  duplicates ${duplicates}, orphans ${orphans}`);
  try {
    const metrics = await (await fetch(`http://127.0.0.1:${healthPort}/metrics`)).text();
    const gauge = (name: string) =>
      Number(new RegExp(`^${name}\\{[^}]*\\} (\\S+)`, 'm').exec(metrics)?.[1] ?? NaN);
    const mib = (n: number) => (n / 2 ** 20).toFixed(0);
    console.log(
      `  reconciler heap used/total   ${mib(gauge('nodejs_heap_size_used_bytes'))} / ${mib(gauge('nodejs_heap_size_total_bytes'))} MiB, external ${mib(gauge('nodejs_external_memory_bytes'))} MiB (at the end)`,
    );
  } catch {
    // metrics are informational
  }
  if (process.env.BENCH_HEAP_SNAPSHOT && child?.pid) {
    // A heap snapshot of the reconciler at the end (taken after a full GC: live objects only).
    child.kill('SIGUSR2');
    await sleep(1000);
    const pattern = new RegExp(`^Heap\\..*\\.${child.pid}\\..*\\.heapsnapshot$`);
    let size = -1;
    for (let i = 0; i < 240; i++) {
      const file = readdirSync('.').find((f) => pattern.test(f));
      const now = file ? statSync(file).size : -1;
      if (file && now > 0 && now === size) {
        console.log(`  heap snapshot                ${file} (${(now / 2 ** 20).toFixed(0)} MiB)`);
        break;
      }
      size = now;
      await sleep(1000);
    }
  }
  await informer.stop();
} finally {
  clearInterval(sampler);
  clearInterval(metricsSampler);
  if (child) {
    child.kill('SIGTERM');
    if (child.exitCode === null) await once(child, 'exit');
  }
  await emu.close();
  await cp.stop();
}
