// `kubectl top` on ECI pods through a real metrics-server, and the node's /stats/summary and
// /metrics/resource through the API server's node proxy: the emulator's figures, every
// container of a two-container pod. metrics-server scrapes the node as it does any kubelet
// (its ServiceAccount token, TokenReview and SubjectAccessReview on nodes/metrics, the node's
// serving certificate verified against the cluster CA).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { V1Container, V1Pod } from '@kubernetes/client-node';
import { createNamespace, deleteNamespace, eventually } from '../helpers.ts';
import { startStack, type Stack } from '../reconciler/stack.ts';
import {
  metricsServerBinary,
  startMetricsServer,
  type MetricsServerHandle,
} from '../../harness/metrics-server.ts';

const run = promisify(execFile);
const skip = metricsServerBinary() ? false : 'metrics-server is not built (make control-plane)';

let stack: Stack;
let ns: string;
let metricsServer: MetricsServerHandle | undefined;

const container = (name: string, cpu: string): V1Container => ({
  name,
  image: 'nginx:1.27',
  resources: { requests: { cpu, memory: '512Mi' }, limits: { cpu, memory: '1Gi' } },
});

function pod(name: string, containers: V1Container[]): V1Pod {
  return {
    metadata: { name },
    spec: {
      nodeSelector: { type: 'virtual-kubelet', 'kubernetes.io/hostname': stack.nodeName },
      tolerations: [{ key: 'virtual-kubelet.io/provider', operator: 'Exists', effect: 'NoSchedule' }],
      containers,
    },
  };
}

async function kubectl(...args: string[]): Promise<string> {
  const { stdout } = await run(stack.cp.kubectlPath, ['--kubeconfig', stack.cp.kubeconfigPath, ...args]);
  return stdout;
}

/** The emulator's own figures for a pod's group now, by container. */
async function emulatorFigures(
  podName: string,
): Promise<Map<string, { nanoCores: number; workingSet: number }>> {
  const p = await stack.core.readNamespacedPod({ name: podName, namespace: ns });
  const id = p.metadata?.annotations?.['k8s.aliyun.com/eci-instance-id'];
  assert.ok(id, `${podName} has its group id`);
  const [data] = await stack.reconciler!.eci.groupMetrics([id]);
  const record = data?.records?.[0];
  return new Map(
    (record?.containers ?? []).map((c) => [
      c.name ?? '',
      { nanoCores: c.CPU?.usageNanoCores ?? 0, workingSet: c.memory?.workingSet ?? 0 },
    ]),
  );
}

before(async () => {
  if (skip) return;
  stack = await startStack();
  await stack.startReconciler();
  ns = await createNamespace(stack.cp.kubeConfig, 'metrics');
  await stack.core.createNamespacedPod({ namespace: ns, body: pod('single', [container('main', '500m')]) });
  await stack.core.createNamespacedPod({
    namespace: ns,
    body: pod('pair', [container('web', '1'), container('sidecar', '250m')]),
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
});

after(async () => {
  await metricsServer?.stop();
  if (ns) await deleteNamespace(stack.cp.kubeConfig, ns);
  await stack?.stop();
});

test('kubectl top pod lists the ECI pods, every container, with the emulator figures', { skip }, async () => {
  // metrics-server needs two scrapes (10 s apart) of a counter before it can rate it.
  const rows = await eventually(
    'kubectl top pod --containers to list both pods',
    async () => {
      const out = await kubectl('top', 'pod', '-n', ns, '--containers', '--no-headers').catch(() => '');
      const lines = out
        .trim()
        .split('\n')
        .map((l) => l.trim().split(/\s+/))
        .filter((l) => l.length === 4);
      return lines.length === 3 ? lines : undefined;
    },
    180_000,
    2000,
  );
  const byContainer = new Map(rows.map(([p, c, cpu, mem]) => [`${p}/${c}`, { cpu: cpu!, mem: mem! }]));
  assert.deepEqual([...byContainer.keys()].sort(), ['pair/sidecar', 'pair/web', 'single/main']);

  const cores: Record<string, number> = { 'single/main': 0.5, 'pair/web': 1, 'pair/sidecar': 0.25 };
  for (const podName of ['single', 'pair']) {
    const emu = await emulatorFigures(podName);
    for (const [name, figures] of emu) {
      const key = `${podName}/${name}`;
      const top = byContainer.get(key);
      assert.ok(top, `${key} listed`);
      // The emulator's load stays between 5 % and 15 % of the container's CPU; metrics-server
      // rates the cumulative counter over its window, so the figure lies within those bounds.
      const milli = Number(top.cpu.replace(/m$/, ''));
      const c = cores[key]!;
      assert.ok(
        milli >= c * 50 - 1 && milli <= c * 150 + 1,
        `${key}: ${top.cpu} within the emulator's range`,
      );
      assert.ok(figures.nanoCores > 0);
      // Working set grows 4 KiB a second: the last scrape's figure is the emulator's, to the MiB.
      const mib = Number(top.mem.replace(/Mi$/, ''));
      assert.ok(
        Math.abs(mib - figures.workingSet / 2 ** 20) <= 1,
        `${key}: ${top.mem} vs ${figures.workingSet} B`,
      );
    }
  }
  // The node's figures are its pods' (1.75 cores in all here, at 5 % to 15 % load).
  const node = await eventually(
    'kubectl top node to show the virtual node',
    async () => {
      const out = await kubectl('top', 'node', stack.nodeName, '--no-headers').catch(() => '');
      return /^\S+\s+(\d+)m\s+\d+%\s+(\d+)Mi\s+\d+%/m.exec(out) ?? undefined;
    },
    60_000,
    2000,
  );
  const nodeMilli = Number(node[1]);
  assert.ok(nodeMilli >= 1.75 * 50 - 1 && nodeMilli <= 1.75 * 150 + 1, `node CPU ${nodeMilli}m`);
  assert.ok(Number(node[2]) >= 3 * 16, `node memory ${node[2]}Mi: the three containers' working sets`);
  const pods = await kubectl('top', 'pod', '-n', ns, '--no-headers');
  assert.match(pods, /^single\s+\d+m\s+\d+Mi\s*$/m);
  assert.match(pods, /^pair\s+\d+m\s+\d+Mi\s*$/m);
});

test(
  'stats/summary and metrics/resource through the node proxy answer with every container',
  { skip },
  async () => {
    const summary = JSON.parse(
      await kubectl('get', '--raw', `/api/v1/nodes/${stack.nodeName}/proxy/stats/summary`),
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
    assert.equal(summary.node.nodeName, stack.nodeName);
    assert.ok(summary.node.cpu.usageCoreNanoSeconds > 0);
    const ours = summary.pods.filter((p) => p.podRef.namespace === ns);
    const containers = ours.flatMap((p) => p.containers.map((c) => `${p.podRef.name}/${c.name}`)).sort();
    assert.deepEqual(containers, ['pair/sidecar', 'pair/web', 'single/main']);
    for (const p of ours) {
      assert.ok((p.network?.rxBytes ?? 0) > 0, `${p.podRef.name} has network figures`);
      for (const c of p.containers) {
        assert.ok(c.cpu.usageCoreNanoSeconds > 0 && c.memory.workingSetBytes > 0, `${c.name} has figures`);
      }
    }

    const text = await kubectl('get', '--raw', `/api/v1/nodes/${stack.nodeName}/proxy/metrics/resource`);
    for (const [p, c] of [
      ['single', 'main'],
      ['pair', 'web'],
      ['pair', 'sidecar'],
    ]) {
      for (const family of ['container_cpu_usage_seconds_total', 'container_memory_working_set_bytes']) {
        assert.match(
          text,
          new RegExp(`^${family}\\{container="${c}",namespace="${ns}",pod="${p}"\\} [0-9.e+]+ \\d{13}$`, 'm'),
        );
      }
      assert.match(
        text,
        new RegExp(`^container_start_time_seconds\\{container="${c}",namespace="${ns}",pod="${p}"\\} `, 'm'),
      );
    }
    assert.match(text, /^node_cpu_usage_seconds_total [0-9.e+]+ \d{13}$/m);
    assert.match(text, /^resource_scrape_error 0$/m);

    // The node's own Prometheus metrics count the requests it served, metrics-server's included.
    const prom = await kubectl('get', '--raw', `/api/v1/nodes/${stack.nodeName}/proxy/metrics`);
    assert.match(prom, /^kubelet_http_requests_total\{[^}]*path="metrics"[^}]*\} [1-9]\d*$/m);
  },
);

test(
  'scrapers share one ECI call per interval; an ECI failure is answered as the kubelet does',
  { skip },
  async () => {
    // metrics-server stops scraping so that only the requests below reach the node.
    await metricsServer?.stop();
    metricsServer = undefined;
    const action = 'DescribeMultiContainerGroupMetric';
    await stack.admin.clearCalls();
    const requests = 10;
    const answers = await Promise.all(
      Array.from({ length: requests }, (_, i) =>
        kubectl(
          'get',
          '--raw',
          `/api/v1/nodes/${stack.nodeName}/proxy/${i % 2 ? 'metrics/resource' : 'stats/summary'}`,
        ),
      ),
    );
    assert.equal(answers.length, requests);
    const calls = await stack.admin.callCount(action);
    // 0 when the snapshot of the previous test is still fresh.
    assert.ok(calls < requests, `${calls} ${action} calls for ${requests} requests`);

    await stack.admin.setFault({
      action,
      errorRate: 1,
      code: 'ServiceUnavailable',
      httpStatus: 503,
      message: 'metrics down',
    });
    try {
      await eventually(
        'the error gauges at 1 once the cached snapshot expires',
        async () =>
          /^resource_scrape_error 1$/m.test(
            await kubectl('get', '--raw', `/api/v1/nodes/${stack.nodeName}/proxy/metrics/resource`),
          ),
        60_000,
        1000,
      );
      const summary = await kubectl(
        'get',
        '--raw',
        `/api/v1/nodes/${stack.nodeName}/proxy/stats/summary`,
      ).then(
        () => 'answered',
        (err: { stderr?: string }) => err.stderr ?? '',
      );
      assert.match(summary, /ServiceUnavailable/);
    } finally {
      await stack.admin.clearFaults(action);
    }
    await eventually(
      'figures back once ECI answers',
      async () =>
        /^resource_scrape_error 0$/m.test(
          await kubectl('get', '--raw', `/api/v1/nodes/${stack.nodeName}/proxy/metrics/resource`),
        ),
      60_000,
      1000,
    );
  },
);
