// Prometheus metrics: each program owns one registry with the default process metrics.
import { Registry, collectDefaultMetrics } from 'prom-client';

export function createRegistry(program: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ program });
  collectDefaultMetrics({ register: registry });
  return registry;
}
