// The health and metrics endpoint (--health-address): /healthz while the process runs,
// /readyz once the pod controller has adopted the existing groups, /metrics for Prometheus.
import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';

interface Answer {
  status: number;
  body: string;
  type?: string;
}

/** Pure routing: what each path answers, given readiness and a way to render the metrics. */
export async function healthAnswer(
  path: string,
  o: { ready: () => boolean; metrics: () => Promise<string>; metricsType: string },
): Promise<Answer> {
  if (path === '/healthz') return { status: 200, body: 'ok' };
  if (path === '/readyz') return o.ready() ? { status: 200, body: 'ok' } : { status: 503, body: 'syncing' };
  if (path === '/metrics') return { status: 200, body: await o.metrics(), type: o.metricsType };
  return { status: 404, body: 'not found' };
}

/** Listens on `address` (host:port; an empty host is every interface) until the server is closed. */
export function startHealthServer(
  address: string,
  o: { ready: () => boolean; registry: Registry },
): Promise<Server> {
  const i = address.lastIndexOf(':');
  const host = address.slice(0, i) || '0.0.0.0';
  const port = Number(address.slice(i + 1));
  const routes = {
    ready: o.ready,
    metrics: () => o.registry.metrics(),
    metricsType: o.registry.contentType,
  };
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    healthAnswer(path, routes).then(
      (r) => {
        res.writeHead(r.status, { 'content-type': r.type ?? 'text/plain' });
        res.end(r.body);
      },
      () => {
        res.writeHead(500);
        res.end('error');
      },
    );
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}
