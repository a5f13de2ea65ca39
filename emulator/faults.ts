// Injected faults per action (admin API): an error rate with the code and HTTP
// status to answer, and added latency. Randomness is injectable for tests. Besides an
// error answer (`kind: 'error'`), a faulted call can get no answer at all: `reset`
// resets the connection (ECONNRESET at the client), `hang` never answers (the client's
// read timeout fires) — the network errors a client must survive. `deny` answers every call of
// the action as RAM does when the caller's policy lacks it (403 Forbidden.RAM), whatever the
// error rate: an action left out of the RAM policy.
import { z } from 'zod';
import { ApiError } from './errors.ts';

const FAULT_KINDS = ['error', 'reset', 'hang', 'deny'] as const;
type FaultKind = (typeof FAULT_KINDS)[number];

export const faultSchema = z.object({
  action: z.string().min(1),
  kind: z.enum(FAULT_KINDS, { message: `must be one of ${FAULT_KINDS.join(', ')}` }).default('error'),
  errorRate: z.number().min(0).max(1).default(0),
  code: z.string().min(1).default('InternalError'),
  httpStatus: z.number().int().min(400).max(599).default(500),
  message: z.string().optional(),
  latencyMs: z.number().int().min(0).max(60_000).default(0),
});

/** A parsed fault; `kind` may be left out by in-process callers (an error answer). */
export type Fault = Omit<z.output<typeof faultSchema>, 'kind'> & { kind?: FaultKind };

/** RAM's answer to an action the caller's policy does not allow (the message is the service's). */
function ramDenied(): ApiError {
  return new ApiError(
    403,
    'Forbidden.RAM',
    "User not authorized to operate on the specified resource, or this API doesn't support RAM.",
  );
}

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
  /**
   * The latency to add and, when the call fails, the error to answer or the connection
   * fault (`drop`) to inflict, for one call. '*' matches every action.
   */
  decide(action: string): { latencyMs: number; error?: ApiError; drop?: 'reset' | 'hang' } {
    const f = this.faults.get(action) ?? this.faults.get('*');
    if (!f) return { latencyMs: 0 };
    if (f.kind === 'deny') return { latencyMs: f.latencyMs, error: ramDenied() };
    const fail = f.errorRate > 0 && this.random() < f.errorRate;
    if (!fail) return { latencyMs: f.latencyMs };
    if (f.kind === 'reset' || f.kind === 'hang') return { latencyMs: f.latencyMs, drop: f.kind };
    return {
      latencyMs: f.latencyMs,
      error: new ApiError(f.httpStatus, f.code, f.message ?? `Injected fault for ${action}.`),
    };
  }
}
