// bench/scale: N pods (SCALE_PODS, default 1000) on M virtual nodes (SCALE_NODES, 3) served by
// R reconciler replica processes (SCALE_REPLICAS, 3) sharing them through Leases, against a
// private control plane and the emulator. The emulator's quotas are RAISED for this run (the
// create-ratio benchmark, bench/reconciler.ts, keeps the real ones): it measures the
// reconcilers, not ECI's rate limits. Pods are bound with spec.nodeName, round-robin, so the
// scheduler is not what is measured. With SCALE_KILL=1 (default) the holder of the first node
// is killed -9 once half the pods run: the takeover time, duplicates and orphans are reported.
// Per replica: peak and final RSS, heap used, CPU seconds; then status lag p50/p99, ECI status
// calls per pod per tick in a quiet window, and the API server's requests by verb.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { request } from 'node:https';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { CoordinationV1Api, CoreV1Api, type V1Pod, type V1PodList } from '@kubernetes/client-node';
import { pino } from 'pino';
import { watchObjects } from '../shared/profile-watcher.ts';
import { startControlPlane } from '../test/harness/control-plane.ts';
import { startEmulator } from '../emulator/index.ts';
import { EmulatorAdmin } from '../emulator/admin-client.ts';
import { TAG_KEYS } from '../reconciler/ownership.ts';
import { listInPages } from '../shared/paged-list.ts';
import { nodeLeaseName } from '../reconciler/leases/lease-rules.ts';
import { SPOT_ANNOTATIONS, STEADY_STRIDE, steadyLags } from './scale-steady.ts';

const N = Number(process.env.SCALE_PODS ?? 1000);
const M = Number(process.env.SCALE_NODES ?? 3);
const R = Number(process.env.SCALE_REPLICAS ?? 3);
const KILL = process.env.SCALE_KILL !== '0';
/** SCALE_KILL_AT: the Running count at which the kill happens (default half the pods; a capped run may never get there). */
const KILL_AT = Number(process.env.SCALE_KILL_AT ?? N / 2);
/** SCALE_HEAP_SNAPSHOT=1: a heap snapshot of each replica before the first pod and at the end (bench/heap-summary.ts reads them). */
const SNAPSHOT = process.env.SCALE_HEAP_SNAPSHOT === '1';
/** SCALE_NODE_FLAGS: node flags of the replicas, e.g. --max-old-space-size=200, to compare side by side. */
const NODE_FLAGS = (process.env.SCALE_NODE_FLAGS ?? '').split(' ').filter(Boolean);
/** SCALE_CAP_MIN: wall-clock cap of the burst (minutes, default 20); the report says how far it got. */
const CAP_MS = Number(process.env.SCALE_CAP_MIN ?? 20) * 60_000;
const TIMING = { schedulingMs: 500, pendingMs: 500 };
const STATUS_INTERVAL_MS = 1000;
const LEASE = { duration: 15, deadline: 10, retry: 2 };
const clusterId = 'scale';
const nodes = Array.from({ length: M }, (_, i) => `virtual-node-eci-${i}`);
const leaseNamespace = 'kube-system';
const big = { burst: 1_000_000, refillPerSec: 100_000 };

interface Replica {
  id: string;
  child: ChildProcess;
  healthUrl: string;
  peakRss: number;
  /** Peaks of the V8 heap's size and of external (Buffer) memory, from /metrics each second: heap vs native. */
  peakHeapTotal: number;
  peakExternal: number;
  /** Log lines at level error or above (pino level >= 50). */
  errors: number;
  killed?: boolean;
}

/**
 * An emulator admin call, retried: the emulator serves from this process, whose event loop a
 * run of tens of thousands of pods can hold past undici's 10 s connect timeout (a 50,000-pod
 * run lost its whole report to one such timeout).
 */
async function retried<T>(what: string, call: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      if (attempt >= 6) throw err;
      console.log(`  (${what} failed, attempt ${attempt}: ${(err as Error).message}; retrying)`);
      await sleep(5000);
    }
  }
}

const percentile = (values: number[], p: number) =>
  [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((p / 100) * values.length))] ??
  NaN;
const mib = (n: number) => `${(n / 2 ** 20).toFixed(0)} MiB`;
const proc = (pid: number, file: string) => {
  try {
    return readFileSync(`/proc/${pid}/${file}`, 'utf8');
  } catch {
    return '';
  }
};
const kb = (status: string, key: string) =>
  Number(new RegExp(`${key}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0) * 1024;
/** utime + stime in seconds (clock ticks of 1/100 s on Linux). */
const cpuSeconds = (pid: number) => {
  const fields = proc(pid, 'stat').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11] ?? 0) + Number(fields[12] ?? 0)) / 100;
};
const gauge = (text: string, name: string) =>
  Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)`, 'm').exec(text)?.[1] ?? NaN);

const cp = await startControlPlane();
const emu = await startEmulator({
  timing: TIMING,
  logLevel: 'warn',
  quotaLimits: {
    CreateContainerGroup: big,
    DeleteContainerGroup: big,
    DescribeContainerGroups: big,
    DescribeContainerGroupStatus: big,
  },
});
const admin = new EmulatorAdmin(emu.url);
const core = cp.kubeConfig.makeApiClient(CoreV1Api);
const coordination = cp.kubeConfig.makeApiClient(CoordinationV1Api);
const replicas: Replica[] = [];
const errorLines = new Map<string, number>();
const rssSampler = setInterval(() => {
  for (const r of replicas) r.peakRss = Math.max(r.peakRss, kb(proc(r.child.pid!, 'status'), 'VmHWM'));
}, 500);
const heapSampler = setInterval(() => {
  for (const r of replicas) {
    if (r.killed) continue;
    fetch(`${r.healthUrl}/metrics`)
      .then((res) => res.text())
      .then((text) => {
        r.peakHeapTotal = Math.max(r.peakHeapTotal, gauge(text, 'nodejs_heap_size_total_bytes') || 0);
        r.peakExternal = Math.max(r.peakExternal, gauge(text, 'nodejs_external_memory_bytes') || 0);
      })
      .catch(() => undefined);
  }
}, 1000);

async function startReplica(i: number): Promise<Replica> {
  const id = `eci-virtual-node-${i}`;
  const child = spawn(
    process.execPath,
    [
      ...(SNAPSHOT ? ['--heapsnapshot-signal=SIGUSR2'] : []),
      ...NODE_FLAGS,
      'test/integration/replicas/replica-process.ts',
      ...['--node-name', nodes.join(','), '--cluster-id', clusterId, '--eci-endpoint', emu.url],
      ...['--vswitch-ids', 'vsw-emu-h,vsw-emu-i', '--security-group-id', 'sg-emu', '--node-ip', '127.0.0.1'],
      ...['--health-address', '127.0.0.1:0', '--kubelet-port', '0', '--kubelet-address', '127.0.0.1'],
      ...['--workers', '20', '--replica-id', id, '--lease-namespace', leaseNamespace],
      ...['--status-interval-ms', String(STATUS_INTERVAL_MS), '--kubeconfig', cp.kubeconfigPath],
    ],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: {
        ...process.env,
        LOG_LEVEL: 'warn',
        ALIBABA_CLOUD_ACCESS_KEY_ID: 'emulator-access-key-id',
        ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'emulator-access-key-secret',
      },
    },
  );
  const healthUrl = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (l) => {
      if (l.startsWith('ready ')) resolve(l.slice(6));
      else if (/"level":(5|6)\d/.test(l)) errorLines.set(id, (errorLines.get(id) ?? 0) + 1);
    });
    child.once('exit', (code) => reject(new Error(`replica ${id} exited ${code}`)));
  });
  return {
    id,
    child,
    healthUrl,
    peakRss: 0,
    peakHeapTotal: 0,
    peakExternal: 0,
    get errors() {
      return errorLines.get(id) ?? 0;
    },
  };
}

/** Signals a replica to write a heap snapshot (a full GC first: live objects only) and waits for the file. */
async function heapSnapshot(r: Replica, label: string): Promise<void> {
  const pattern = new RegExp(`^Heap\\..*\\.${r.child.pid}\\..*\\.heapsnapshot$`);
  const before = new Set(readdirSync('.').filter((f) => pattern.test(f)));
  r.child.kill('SIGUSR2');
  let size = -1;
  for (let i = 0; i < 600; i++) {
    await sleep(1000);
    const file = readdirSync('.').find((f) => pattern.test(f) && !before.has(f));
    const now = file ? statSync(file).size : -1;
    if (file && now > 0 && now === size) {
      console.log(`  heap snapshot ${label} ${r.id}: ${file} (${mib(now)})`);
      return;
    }
    size = now;
  }
}

const holders = async () =>
  Promise.all(
    nodes.map(async (n) =>
      coordination
        .readNamespacedLease({ name: nodeLeaseName(n), namespace: leaseNamespace })
        .then((l) => l.spec?.holderIdentity ?? '')
        .catch(() => ''),
    ),
  );

/**
 * Every pod of the namespace, in pages (shared/paged-list.ts). One unpaged LIST of 14,000 pods
 * on the loaded machine outran the API server's request timeout again and again
 * (NGHTTP2_INTERNAL_ERROR), which froze the bench's Running count.
 */
async function listPods(namespace: string): Promise<V1PodList> {
  return listInPages((page) => core.listNamespacedPod({ namespace, ...page }));
}

/** The API server's request counters by verb (its /metrics, read with the admin credentials). */
async function apiRequestsByVerb(): Promise<Record<string, number>> {
  const url = new URL('/metrics', cp.kubeConfig.getCurrentCluster()!.server);
  const options: Parameters<typeof request>[1] = { method: 'GET' };
  await cp.kubeConfig.applyToHTTPSOptions(options);
  const text = await new Promise<string>((resolve, reject) => {
    const req = request(url, options, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve(body));
    });
    req.on('error', reject);
    req.end();
  });
  const out: Record<string, number> = {};
  for (const m of text.matchAll(/^apiserver_request_total\{([^}]*)\} (\S+)$/gm)) {
    const verb = /verb="([^"]+)"/.exec(m[1]!)?.[1] ?? '?';
    out[verb] = (out[verb] ?? 0) + Number(m[2]);
  }
  return out;
}

try {
  const namespace = 'scale';
  await core.createNamespace({ body: { metadata: { name: namespace } } });
  while (!(await core.readNamespacedServiceAccount({ name: 'default', namespace }).catch(() => undefined)))
    await sleep(200);
  const runningAt = new Map<string, number>();
  const failedAt = new Map<string, number>();
  const see = (p: V1Pod) => {
    const uid = p.metadata?.uid;
    if (p.status?.phase === 'Running' && uid && !runningAt.has(uid)) runningAt.set(uid, Date.now());
    if (p.status?.phase === 'Failed' && uid && !failedAt.has(uid)) failedAt.set(uid, Date.now());
  };
  // The product's informer helper: a bare ListWatch stops at its first watch error, which froze
  // a 50,000-pod run's Running count at 5,486 while the API server had 14,242.
  const informer = watchObjects<V1Pod>({
    kubeConfig: cp.kubeConfig,
    logger: pino({ level: 'warn' }),
    path: `/api/v1/namespaces/${namespace}/pods`,
    list: () => listPods(namespace),
    what: 'bench pods',
    onAdd: see,
    onUpdate: see,
  });
  await informer.synced;

  for (let i = 0; i < R; i++) replicas.push(await startReplica(i));
  const spreadStart = Date.now();
  for (;;) {
    const h = await holders();
    const per = new Map<string, number>();
    for (const x of h) per.set(x, (per.get(x) ?? 0) + 1);
    if (h.every(Boolean) && Math.max(...per.values()) <= Math.ceil(M / R)) break;
    await sleep(500);
  }
  const spreadSecs = (Date.now() - spreadStart) / 1000;
  if (SNAPSHOT) for (const r of replicas) await heapSnapshot(r, 'at 0 pods');
  const apiBefore = await apiRequestsByVerb();
  await retried('clear emulator calls', () => admin.clearCalls());

  const started = Date.now();
  let next = 0;
  let created = 0;
  let capped = false;
  let takeover: { from: string; node: string; killedAt: number; servedAt?: number } | undefined;
  let lastProgress = started;
  const submit = Promise.all(
    Array.from({ length: 25 }, async () => {
      while (next < N && !capped) {
        const i = next++;
        await core.createNamespacedPod({
          namespace,
          body: {
            metadata: { name: `scale-${i}`, annotations: i % STEADY_STRIDE === 0 ? SPOT_ANNOTATIONS : {} },
            spec: {
              nodeName: nodes[i % M],
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
        created++;
      }
    }),
  );
  while (runningAt.size < N && Date.now() - started < CAP_MS) {
    if (Date.now() - lastProgress >= 60_000) {
      lastProgress = Date.now();
      // A line a minute, so a run that dies still says how far it got.
      console.log(
        `  progress ${((lastProgress - started) / 1000).toFixed(0)} s: ${created} created, ${runningAt.size} Running; RSS ${replicas
          .map((r) =>
            r.killed ? `${r.id} killed` : `${r.id} ${mib(kb(proc(r.child.pid!, 'status'), 'VmRSS'))}`,
          )
          .join(', ')}`,
      );
    }
    if (KILL && R > 1 && !takeover && runningAt.size >= KILL_AT) {
      const holder = (await holders())[0]!;
      const victim = replicas.find((r) => r.id === holder)!;
      victim.child.kill('SIGKILL');
      victim.killed = true;
      takeover = { from: holder, node: nodes[0]!, killedAt: Date.now() };
    }
    if (takeover && !takeover.servedAt) {
      const h = (await holders())[0];
      if (h && h !== takeover.from) takeover.servedAt = Date.now();
    }
    await sleep(250);
  }
  capped = runningAt.size < N;
  await submit;
  const allRunning = Date.now();
  while (takeover && !takeover.servedAt && Date.now() - takeover.killedAt < 120_000) {
    const h = (await holders())[0];
    if (h && h !== takeover.from) takeover.servedAt = Date.now();
    await sleep(250);
  }

  // A quiet window: every pod Running, nothing changing; what the status polling costs.
  await sleep(3000);
  await retried('clear emulator calls', () => admin.clearCalls());
  const quietMs = 10_000;
  await sleep(quietMs);
  const quiet = await retried('emulator calls', () => admin.calls());
  const statusCalls = (quiet.DescribeContainerGroupStatus ?? 0) + (quiet.DescribeContainerGroups ?? 0);
  const perPodPerTick = statusCalls / N / (quietMs / STATUS_INTERVAL_MS);
  const apiAfter = await apiRequestsByVerb();

  // Steady phase: reclaim the running spot pods' groups one status change each (scale-steady.ts).
  const spot = (await retried('emulator groups', () => admin.containerGroups())).filter(
    (g) =>
      g.status === 'Running' &&
      g.tags.find((t) => t.Key === TAG_KEYS.cluster)?.Value === clusterId &&
      g.request.SpotStrategy === 'SpotAsPriceGo',
  );
  const steady = await steadyLags(
    admin,
    spot.map((g) => ({
      groupId: g.containerGroupId,
      podUid: g.tags.find((t) => t.Key === TAG_KEYS.podUid)?.Value ?? '',
    })),
    failedAt,
  );

  const groups = (await retried('emulator groups', () => admin.containerGroups())).filter(
    (g) => g.tags.find((t) => t.Key === TAG_KEYS.cluster)?.Value === clusterId,
  );
  const pods = (await listPods(namespace)).items;
  const uids = new Set(pods.map((p) => p.metadata?.uid));
  const perUid = new Map<string, number>();
  for (const g of groups) {
    const uid = g.tags.find((t) => t.Key === TAG_KEYS.podUid)?.Value ?? '';
    perUid.set(uid, (perUid.get(uid) ?? 0) + 1);
  }
  const duplicates = [...perUid.values()].reduce((n, c) => n + c - 1, 0);
  const orphans = groups.filter(
    (g) => !uids.has(g.tags.find((t) => t.Key === TAG_KEYS.podUid)?.Value),
  ).length;
  const lags: number[] = [];
  for (const g of groups) {
    const seen = runningAt.get(g.tags.find((t) => t.Key === TAG_KEYS.podUid)?.Value ?? '');
    if (seen !== undefined)
      lags.push(seen - (Date.parse(g.createdAt) + TIMING.schedulingMs + TIMING.pendingMs));
  }

  console.log(
    `bench/scale: ${N} pods on ${M} nodes, ${R} replica processes (emulator quotas raised; pods bound by spec.nodeName)`,
  );
  console.log(`  nodes spread over replicas   ${spreadSecs.toFixed(1)} s after the last replica started`);
  console.log(
    `  all Running after            ${((allRunning - started) / 1000).toFixed(1)} s (${runningAt.size}/${N} Running, ${created} created${capped ? `; CAPPED at ${CAP_MS / 60_000} min` : ''})`,
  );
  if (takeover) {
    const took = takeover.servedAt
      ? `${((takeover.servedAt - takeover.killedAt) / 1000).toFixed(1)} s`
      : 'NOT taken over';
    console.log(
      `  kill -9 ${takeover.from} (held ${takeover.node}) -> taken over after ${took} (lease ${LEASE.duration} s)`,
    );
  }
  console.log(
    `  status lag p50 / p99         burst ${percentile(lags, 50)} ms / ${percentile(lags, 99)} ms; steady ${percentile(steady.lags, 50)} ms / ${percentile(steady.lags, 99)} ms (${steady.lags.length} reclaimed spot groups${steady.missing ? `, ${steady.missing} not seen` : ''}; poll ${STATUS_INTERVAL_MS} ms)`,
  );
  console.log(
    `  ECI status calls per pod per tick ${perPodPerTick.toFixed(4)} (quiet ${quietMs / 1000} s: ${JSON.stringify(quiet)})`,
  );
  const verbs = Object.fromEntries(
    Object.entries(apiAfter)
      .map(([v, n]) => [v, n - (apiBefore[v] ?? 0)] as const)
      .filter(([, n]) => n > 0),
  );
  console.log(`  API server requests by verb  ${JSON.stringify(verbs)} (whole run, every client)`);
  for (const r of replicas) {
    if (r.killed) {
      console.log(`  ${r.id}: killed -9; peak RSS ${mib(r.peakRss)}`);
      continue;
    }
    const text = await (await fetch(`${r.healthUrl}/metrics`)).text().catch(() => '');
    const rss = kb(proc(r.child.pid!, 'status'), 'VmRSS');
    console.log(
      `  ${r.id}: nodes ${gauge(text, 'reconciler_nodes_held')}, leader ${gauge(text, 'reconciler_is_leader')}, peak RSS ${mib(r.peakRss)}, RSS now ${mib(rss)}, heap used ${mib(gauge(text, 'nodejs_heap_size_used_bytes'))} (peak heap size ${mib(r.peakHeapTotal)}, external ${mib(r.peakExternal)}), CPU ${cpuSeconds(r.child.pid!).toFixed(1)} s, error log lines ${r.errors}`,
    );
  }
  console.log(`  duplicates ${duplicates}, orphans ${orphans}`);
  if (SNAPSHOT) for (const r of replicas) if (!r.killed) await heapSnapshot(r, `at ${N} pods`);
  await informer.stop();
} finally {
  clearInterval(rssSampler);
  clearInterval(heapSampler);
  for (const r of replicas) {
    if (r.child.exitCode !== null || r.killed) continue;
    r.child.kill('SIGTERM');
    await once(r.child, 'exit');
  }
  await emu.close();
  await cp.stop();
}
