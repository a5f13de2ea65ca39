// Injected faults per action (admin API): an error rate with the code and HTTP
// status to answer, and added latency. Randomness is injectable for tests.
import { z } from 'zod';
import { ApiError } from './errors.ts';

export const faultSchema = z.object({
  action: z.string().min(1),
  errorRate: z.number().min(0).max(1).default(0),
  code: z.string().min(1).default('InternalError'),
  httpStatus: z.number().int().min(400).max(599).default(500),
  message: z.string().optional(),
  latencyMs: z.number().int().min(0).max(60_000).default(0),
});

export type Fault = z.output<typeof faultSchema>;

export class FaultTable {
  private readonly faults = new Map<string, Fault>();
  private readonly random: () => number;
  constructor(random: () => number = Math.random) {
    this.random = random;
  }
  set(f: Fault): void {
    this.faults.set(f.action, f);
  }
  clear(action?: string): void {
    if (action) this.faults.delete(action);
    else this.faults.clear();
  }
  list(): Fault[] {
    return [...this.faults.values()];
  }
  /** The latency to add and the error to answer (if any) for one call. '*' matches every action. */
  decide(action: string): { latencyMs: number; error?: ApiError } {
    const f = this.faults.get(action) ?? this.faults.get('*');
    if (!f) return { latencyMs: 0 };
    const fail = f.errorRate > 0 && this.random() < f.errorRate;
    return {
      latencyMs: f.latencyMs,
      error: fail
        ? new ApiError(f.httpStatus, f.code, f.message ?? `Injected fault for ${action}.`)
        : undefined,
    };
  }
}
