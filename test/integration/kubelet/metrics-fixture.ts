// The stack of the metrics tests: a reconciler and its emulator (simulated or real processes),
// two ECI pods (one container; two containers), and a real metrics-server scraping that one
// virtual node as it scrapes any kubelet (its ServiceAccount token, TokenReview and
// SubjectAccessReview on nodes/metrics, the node's serving certificate verified against the
// cluster CA).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { V1Container, V1Pod } from '@kubernetes/client-node';
import { createNamespace, deleteNamespace, eventually } from '../helpers.ts';
import { startStack, type Stack } from '../reconciler/stack.ts';
import { startMetricsServer, type MetricsServerHandle } from '../../harness/metrics-server.ts';

const run = promisify(execFile);

/** The containers of the fixture, `pod/container`, in name order. */
export const CONTAINERS = ['pair/sidecar', 'pair/web', 'single/main'];

/** A web server, or (with `work`) a container that computes a little every second. */
function container(name: string, cpu: string, work: boolean): V1Container {
  return {
    name,
    image: work ? 'busybox:1.36' : 'nginx:1.27',
    command: work
      ? ['sh', '-c', 'while :; do i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done; sleep 1; done']
      : undefined,
    resources: { requests: { cpu, memory: '512Mi' }, limits: { cpu, memory: '1Gi' } },
  };
}

export interface MetricsFixture {
  stack: Stack;
  ns: string;
  kubectl(...args: string[]): Promise<string>;
  /** `kubectl top pod --containers` once it lists every container: `pod/container` → cpu, mem. */
  topContainers(): Promise<Map<string, { milliCores: number; mebibytes: number }>>;
  /** The emulator's own figures for a pod's group now, by container. */
  emulatorFigures(pod: string): Promise<Map<string, { nanoCores: number; workingSet: number }>>;
  stopMetricsServer(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * `mainWorks`: whether `single/main` computes (process mode measures real CPU; a web server
 * that serves nothing may have used too little for /proc's 10 ms ticks, and metrics-server
 * drops a container whose CPU counter is 0, as on any node).
 */
export async function startMetricsFixture(o: {
  containers: 'simulation' | 'process';
  mainWorks: boolean;
}): Promise<MetricsFixture> {
  const stack = await startStack({ emulator: { containers: o.containers } });
  let ns = '';
  let metricsServer: MetricsServerHandle | undefined;
  const stop = async () => {
    await metricsServer?.stop();
    if (ns) await deleteNamespace(stack.cp.kubeConfig, ns);
    await stack.stop();
  };
  const kubectl = async (...args: string[]) =>
    (await run(stack.cp.kubectlPath, ['--kubeconfig', stack.cp.kubeconfigPath, ...args])).stdout;
  try {
    await stack.startReconciler();
    ns = await createNamespace(stack.cp.kubeConfig, 'metrics');
    const pod = (name: string, containers: V1Container[]): V1Pod => ({
      metadata: { name },
      spec: {
        nodeSelector: { type: 'virtual-kubelet', 'kubernetes.io/hostname': stack.nodeName },
        tolerations: [{ key: 'virtual-kubelet.io/provider', operator: 'Exists', effect: 'NoSchedule' }],
        containers,
      },
    });
    await stack.core.createNamespacedPod({
      namespace: ns,
      body: pod('single', [container('main', '500m', o.mainWorks)]),
    });
    await stack.core.createNamespacedPod({
      namespace: ns,
      body: pod('pair', [container('web', '1', false), container('sidecar', '250m', true)]),
    });
    for (const name of ['single', 'pair']) {
      await eventually(
        `${name} Running`,
        async () => (await stack.core.readNamespacedPod({ name, namespace: ns })).status?.phase === 'Running',
        120_000,
      );
    }
    metricsServer = await startMetricsServer({
      kubeconfigPath: stack.cp.kubeconfigPath,
      kubectlPath: stack.cp.kubectlPath,
      clusterCaPem: stack.cp.caPem,
      kubeletCaPem: stack.cp.caPem,
      nodeSelector: `kubernetes.io/hostname=${stack.nodeName}`,
    });
  } catch (err) {
    await stop();
    throw err;
  }

  return {
    stack,
    ns,
    kubectl,
    async topContainers() {
      // metrics-server needs two scrapes (10 s apart) of a counter before it can rate it.
      const rows = await eventually(
        'kubectl top pod --containers to list every container',
        async () => {
          const out = await kubectl('top', 'pod', '-n', ns, '--containers', '--no-headers').catch(() => '');
          const lines = out
            .trim()
            .split('\n')
            .map((l) => l.trim().split(/\s+/))
            .filter((l) => l.length === 4);
          return lines.length === CONTAINERS.length ? lines : undefined;
        },
        180_000,
        2000,
      );
      return new Map(
        rows.map(([p, c, cpu, mem]) => [
          `${p}/${c}`,
          { milliCores: Number(cpu!.replace(/m$/, '')), mebibytes: Number(mem!.replace(/Mi$/, '')) },
        ]),
      );
    },
    async emulatorFigures(podName) {
      const p = await stack.core.readNamespacedPod({ name: podName, namespace: ns });
      const id = p.metadata?.annotations?.['k8s.aliyun.com/eci-instance-id'];
      assert.ok(id, `${podName} has its group id`);
      const [data] = await stack.reconciler!.eci.groupMetrics([id]);
      return new Map(
        (data?.records?.[0]?.containers ?? []).map((c) => [
          c.name ?? '',
          { nanoCores: c.CPU?.usageNanoCores ?? 0, workingSet: c.memory?.workingSet ?? 0 },
        ]),
      );
    },
    async stopMetricsServer() {
      await metricsServer?.stop();
      metricsServer = undefined;
    },
    stop,
  };
}

/**
 * /stats/summary, /metrics/resource and /metrics through the API server's node proxy: every
 * container of the fixture with figures, the kubelet's families and labels, the node's own
 * request counters.
 */
export async function assertNodeEndpoints(f: MetricsFixture): Promise<void> {
  const node = f.stack.nodeName;
  const summary = JSON.parse(
    await f.kubectl('get', '--raw', `/api/v1/nodes/${node}/proxy/stats/summary`),
  ) as {
    node: { nodeName: string; cpu: { usageCoreNanoSeconds: number } };
    pods: {
      podRef: { name: string; namespace: string };
      containers: {
        name: string;
        cpu: { usageCoreNanoSeconds: number };
        memory: { workingSetBytes: number };
      }[];
      network?: { rxBytes: number };
    }[];
  };
  assert.equal(summary.node.nodeName, node);
  assert.ok(summary.node.cpu.usageCoreNanoSeconds > 0);
  const ours = summary.pods.filter((p) => p.podRef.namespace === f.ns);
  assert.deepEqual(
    ours.flatMap((p) => p.containers.map((c) => `${p.podRef.name}/${c.name}`)).sort(),
    CONTAINERS,
  );
  for (const p of ours) {
    assert.ok((p.network?.rxBytes ?? 0) > 0, `${p.podRef.name} has network figures`);
    for (const c of p.containers) {
      // An idle process may not have used a clock tick of CPU yet: 0 is a figure, absent is not.
      assert.ok(c.cpu.usageCoreNanoSeconds >= 0 && c.memory.workingSetBytes > 0, `${c.name} has figures`);
    }
  }

  const text = await f.kubectl('get', '--raw', `/api/v1/nodes/${node}/proxy/metrics/resource`);
  for (const key of CONTAINERS) {
    const [p, c] = key.split('/');
    const labels = `\\{container="${c}",namespace="${f.ns}",pod="${p}"\\}`;
    for (const family of ['container_cpu_usage_seconds_total', 'container_memory_working_set_bytes']) {
      assert.match(text, new RegExp(`^${family}${labels} [0-9.e+-]+ \\d{13}$`, 'm'), `${family} of ${key}`);
    }
    assert.match(text, new RegExp(`^container_start_time_seconds${labels} `, 'm'));
  }
  assert.match(text, /^node_cpu_usage_seconds_total [0-9.e+-]+ \d{13}$/m);
  assert.match(text, /^resource_scrape_error 0$/m);

  // The node's own Prometheus metrics count the requests it served, metrics-server's included.
  const prom = await f.kubectl('get', '--raw', `/api/v1/nodes/${node}/proxy/metrics`);
  assert.match(prom, /^kubelet_http_requests_total\{[^}]*path="metrics"[^}]*\} [1-9]\d*$/m);
}
