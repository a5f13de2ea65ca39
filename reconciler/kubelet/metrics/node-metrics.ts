// The node's metric endpoints on the kubelet port: /stats/summary and /metrics/resource from
// the ECI-backed source, and /metrics, the kubelet API's own Prometheus metrics (requests by
// method and path, as the kubelet's kubelet_http_requests_* families, plus the ECI metric
// fetches). The kubelet API asks `answer` first; undefined means "not a metrics path". The
// answer never rejects: every outcome is a Reply the server shell writes.
import type { IncomingMessage } from 'node:http';
import type { KubeletRequest, KubeletResponse } from '../server/exchange.ts';
import { Counter, Histogram, type Registry } from 'prom-client';
import { createRegistry } from '../../../shared/metrics.ts';
import type { Reply } from '../logs.ts';
import { resourceMetricsText } from './resource-metrics.ts';
import type { Snapshot } from './snapshot.ts';
import { MetricsSource, type MetricsSourceOptions } from './source.ts';
import { summaryJson } from './summary.ts';

const PROMETHEUS_TEXT = 'text/plain; version=0.0.4; charset=utf-8';

/** Path labels: the kubelet API's route roots; anything else is "other" (bounded cardinality). */
const PATH_ROOTS = new Set([
  'containerLogs',
  'exec',
  'attach',
  'portForward',
  'run',
  'pods',
  'runningpods',
  'healthz',
  'stats',
  'metrics',
  'logs',
  'configz',
]);

export type MetricsRoute =
  { kind: 'summary'; onlyCpuAndMemory: boolean } | { kind: 'resource' } | { kind: 'prometheus' } | undefined;

/** Pure: the metrics route of a request target, or undefined for every other path. */
export function metricsRoute(url: string): MetricsRoute {
  const q = url.indexOf('?');
  const path = (q < 0 ? url : url.slice(0, q)).replace(/\/+$/, '');
  const query = new URLSearchParams(q < 0 ? '' : url.slice(q + 1));
  if (path === '/stats/summary') {
    // As the kubelet reads it: only the literal "true" turns it on.
    return { kind: 'summary', onlyCpuAndMemory: query.get('only_cpu_and_memory') === 'true' };
  }
  if (path === '/metrics/resource') return { kind: 'resource' };
  if (path === '/metrics') return { kind: 'prometheus' };
  return undefined;
}

/** Pure: the `path` label of a request (its route root). */
export function pathLabel(url: string): string {
  const root = (url.split('?')[0] ?? '').split('/')[1] ?? '';
  return PATH_ROOTS.has(root) ? root : 'other';
}

export interface NodeMetrics {
  /** The answer to a metrics path; undefined for any other path. */
  answer(method: string, url: string): Promise<Reply> | undefined;
  /** Counts a plain request once its response is done. */
  observe(req: KubeletRequest, res: KubeletResponse): void;
  /** Counts an upgrade request (exec, attach, port-forward). */
  observeUpgrade(req: IncomingMessage): void;
}

export function createNodeMetrics(o: Omit<MetricsSourceOptions, 'onFetch'>): NodeMetrics {
  const registry: Registry = createRegistry('reconciler-kubelet-api');
  const requests = new Counter({
    name: 'kubelet_http_requests_total',
    help: 'Requests the node (kubelet API) received, by method, path root and whether long-running',
    labelNames: ['method', 'path', 'server_type', 'long_running'],
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'kubelet_http_requests_duration_seconds',
    help: 'Time to answer a request to the node (kubelet API), until the response ended',
    labelNames: ['method', 'path', 'server_type', 'long_running'],
    buckets: [0.005, 0.025, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  const fetchCalls = new Counter({
    name: 'eci_node_metric_calls_total',
    help: 'DescribeMultiContainerGroupMetric calls made for the node metrics, by outcome',
    labelNames: ['outcome'],
    registers: [registry],
  });
  const fetchSeconds = new Histogram({
    name: 'eci_node_metric_fetch_duration_seconds',
    help: 'Time to refresh the node metrics from ECI (all calls of one refresh)',
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const source = new MetricsSource({
    ...o,
    onFetch: (calls, failed, ms) => {
      fetchCalls.inc({ outcome: 'ok' }, calls - failed);
      fetchCalls.inc({ outcome: 'error' }, failed);
      fetchSeconds.observe(ms / 1000);
    },
  });

  // Scrapers within one interval read one snapshot: each rendering of it is made once.
  const renderings = new WeakMap<Snapshot, Map<string, string>>();
  const rendered = (snapshot: Snapshot, kind: string, render: () => string): string => {
    let byKind = renderings.get(snapshot);
    if (!byKind) renderings.set(snapshot, (byKind = new Map()));
    let text = byKind.get(kind);
    if (text === undefined) byKind.set(kind, (text = render()));
    return text;
  };

  const method = (req: KubeletRequest) => (req.method ?? 'GET').toUpperCase();
  const labelsOf = (req: KubeletRequest, longRunning: boolean) => ({
    method: method(req),
    path: pathLabel(req.url ?? ''),
    server_type: 'readwrite',
    long_running: String(longRunning),
  });

  const answerRoute = async (route: NonNullable<MetricsRoute>): Promise<Reply> => {
    if (route.kind === 'prometheus') {
      return {
        status: 200,
        body: await registry.metrics(),
        headers: { 'content-type': registry.contentType },
      };
    }
    if (route.kind === 'resource') {
      // A failed read is still a 200 whose error gauges say so, as on the kubelet.
      const snapshot = await source.snapshot().catch(() => undefined);
      return {
        status: 200,
        body: snapshot
          ? rendered(snapshot, 'resource', () => resourceMetricsText(snapshot))
          : resourceMetricsText(undefined),
        headers: { 'content-type': PROMETHEUS_TEXT },
      };
    }
    try {
      const snapshot = await source.snapshot();
      return {
        status: 200,
        body: rendered(snapshot, route.onlyCpuAndMemory ? 'summary-lean' : 'summary', () =>
          JSON.stringify(summaryJson(snapshot, route.onlyCpuAndMemory)),
        ),
        headers: { 'content-type': 'application/json' },
      };
    } catch (err) {
      return { status: 500, body: `Internal Error: ${(err as Error).message}` };
    }
  };

  return {
    answer(requestMethod, url) {
      const route = metricsRoute(url);
      if (!route) return undefined;
      if (requestMethod.toUpperCase() !== 'GET') {
        return Promise.resolve({
          status: 405,
          body: `${requestMethod} is not allowed here; use GET`,
          headers: { allow: 'GET' },
        });
      }
      return answerRoute(route).catch((err: unknown) => {
        o.log.error({ err }, 'node metrics: answer failed unexpectedly');
        return { status: 500, body: 'internal error while reading the node metrics' };
      });
    },
    observe(req, res) {
      const started = performance.now();
      const longRunning = /[?&]follow=(?!false|0(?:&|$))/i.test(req.url ?? '');
      res.once('close', () => {
        const l = labelsOf(req, longRunning);
        requests.inc(l);
        duration.observe(l, (performance.now() - started) / 1000);
      });
    },
    observeUpgrade(req) {
      requests.inc(labelsOf(req, true));
    },
  };
}
