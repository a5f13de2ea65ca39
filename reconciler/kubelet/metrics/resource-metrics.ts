// GET /metrics/resource: the kubelet's resource metrics (pkg/kubelet/metrics/collectors/
// resource_metrics.go in kubernetes/kubernetes), the endpoint metrics-server scrapes. Same
// names, HELP texts, types and labels (container, namespace, pod), families in name order as
// the Prometheus registry writes them; CPU is a cumulative counter in core-seconds, every
// figure carries the time ECI sampled it (ms), and a series whose figure ECI did not report is
// left out rather than written as 0. Pure.
import type { Snapshot } from './snapshot.ts';

interface Family {
  name: string;
  help: string;
  type: 'counter' | 'gauge';
  lines: string[];
}

const STABLE = '[STABLE]';

function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function labels(l: Record<string, string>): string {
  const keys = Object.keys(l).sort();
  return keys.length === 0 ? '' : `{${keys.map((k) => `${k}="${escapeLabel(l[k]!)}"`).join(',')}}`;
}

function sample(name: string, l: Record<string, string>, value: number, timeMs?: number): string {
  return `${name}${labels(l)} ${value}${timeMs === undefined ? '' : ` ${Math.floor(timeMs)}`}`;
}

const seconds = (nanoSeconds: number) => nanoSeconds / 1e9;

/**
 * The exposition of a snapshot; without one (the stats could not be read at all) only the
 * error gauges, set to 1, as the kubelet answers when its stats provider fails.
 */
export function resourceMetricsText(s: Snapshot | undefined): string {
  const f = (name: string, type: Family['type'], help: string): Family => ({ name, help, type, lines: [] });
  const containerCpu = f(
    'container_cpu_usage_seconds_total',
    'counter',
    `${STABLE} Cumulative cpu time consumed by the container in core-seconds`,
  );
  const containerMemory = f(
    'container_memory_working_set_bytes',
    'gauge',
    `${STABLE} Current working set of the container in bytes`,
  );
  const containerStart = f(
    'container_start_time_seconds',
    'gauge',
    `${STABLE} Start time of the container since unix epoch in seconds`,
  );
  const nodeCpu = f(
    'node_cpu_usage_seconds_total',
    'counter',
    `${STABLE} Cumulative cpu time consumed by the node in core-seconds`,
  );
  const nodeMemory = f(
    'node_memory_working_set_bytes',
    'gauge',
    `${STABLE} Current working set of the node in bytes`,
  );
  const podCpu = f(
    'pod_cpu_usage_seconds_total',
    'counter',
    `${STABLE} Cumulative cpu time consumed by the pod in core-seconds`,
  );
  const podMemory = f(
    'pod_memory_working_set_bytes',
    'gauge',
    `${STABLE} Current working set of the pod in bytes`,
  );
  const resourceError = f(
    'resource_scrape_error',
    'gauge',
    `${STABLE} 1 if there was an error while getting container metrics, 0 otherwise`,
  );
  const scrapeError = f(
    'scrape_error',
    'gauge',
    '[ALPHA] (Deprecated since 1.29.0) 1 if there was an error while getting container metrics, 0 otherwise',
  );

  if (s) {
    const { node } = s;
    nodeCpu.lines.push(sample(nodeCpu.name, {}, seconds(node.cpu.usageCoreNanoSeconds), node.timeMs));
    nodeMemory.lines.push(sample(nodeMemory.name, {}, node.memory.workingSetBytes, node.timeMs));
  }
  for (const p of s?.pods ?? []) {
    const podLabels = { pod: p.name, namespace: p.namespace };
    for (const c of p.containers) {
      const l = { container: c.name, ...podLabels };
      if (c.startMs !== undefined && c.startMs > 0) {
        containerStart.lines.push(sample(containerStart.name, l, c.startMs / 1000));
      }
      if (c.cpu.usageCoreNanoSeconds !== undefined) {
        containerCpu.lines.push(sample(containerCpu.name, l, seconds(c.cpu.usageCoreNanoSeconds), p.timeMs));
      }
      if (c.memory.workingSetBytes !== undefined) {
        containerMemory.lines.push(sample(containerMemory.name, l, c.memory.workingSetBytes, p.timeMs));
      }
    }
    if (p.cpu.usageCoreNanoSeconds !== undefined) {
      podCpu.lines.push(sample(podCpu.name, podLabels, seconds(p.cpu.usageCoreNanoSeconds), p.timeMs));
    }
    if (p.memory.workingSetBytes !== undefined) {
      podMemory.lines.push(sample(podMemory.name, podLabels, p.memory.workingSetBytes, p.timeMs));
    }
  }
  const errors = !s || s.errors > 0 ? 1 : 0;
  resourceError.lines.push(sample(resourceError.name, {}, errors));
  scrapeError.lines.push(sample(scrapeError.name, {}, errors));

  const families = [
    containerCpu,
    containerMemory,
    containerStart,
    nodeCpu,
    nodeMemory,
    podCpu,
    podMemory,
    resourceError,
    scrapeError,
  ];
  return families
    .filter((x) => x.lines.length > 0)
    .map((x) => [`# HELP ${x.name} ${x.help}`, `# TYPE ${x.name} ${x.type}`, ...x.lines].join('\n'))
    .join('\n')
    .concat('\n');
}
