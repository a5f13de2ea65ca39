import type { EmulatorCore } from '../core.ts';

export interface CallContext {
  requestId: string;
  /** The Host header the client used (for URLs the emulator hands out). */
  host: string;
  /** Whether the emulator serves HTTPS (exec URLs are then wss:// and https://). */
  tls: boolean;
}

/** An action handler: flat decoded parameters in, response body (without RequestId) out. */
export type ActionHandler = (
  core: EmulatorCore,
  params: Record<string, string>,
  ctx: CallContext,
) => Record<string, unknown>;
