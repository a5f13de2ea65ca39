// Prometheus metrics of the emulator itself (GET /_emulator/metrics): calls per
// action and answer code, and how long the handlers took.
import { Counter, Histogram, type Registry } from 'prom-client';
import { createRegistry } from '../shared/metrics.ts';

export class EmulatorMetrics {
  readonly registry: Registry;
  readonly requests: Counter<'action' | 'code'>;
  readonly duration: Histogram<'action'>;
  constructor() {
    this.registry = createRegistry('eci-emulator');
    this.requests = new Counter({
      name: 'eci_emulator_requests_total',
      help: 'OpenAPI requests by action and answer code (OK for success)',
      labelNames: ['action', 'code'],
      registers: [this.registry],
    });
    this.duration = new Histogram({
      name: 'eci_emulator_request_duration_seconds',
      help: 'Time to answer an OpenAPI request, including injected latency',
      labelNames: ['action'],
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 2.5],
      registers: [this.registry],
    });
  }
  observe(action: string, code: string, seconds: number): void {
    this.requests.inc({ action: action || 'unknown', code });
    this.duration.observe({ action: action || 'unknown' }, seconds);
  }
}
