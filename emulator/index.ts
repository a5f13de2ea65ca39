// In-process entry point: startEmulator(options) → { url, close }.
import type { AddressInfo } from 'node:net';
import { createLogger } from '../shared/logger.ts';
import { containerGroupActions } from './actions/container-groups.ts';
import { EmulatorCore } from './core.ts';
import { FaultTable } from './faults.ts';
import { resolveOptions, type EmulatorInput } from './options.ts';
import { QuotaTable } from './quotas.ts';
import { ECI_VERSION, Router } from './router.ts';
import { buildServer } from './server.ts';

export { EMULATOR_DEFAULTS, DEFAULT_TIMING } from './options.ts';
export type { EmulatorOptions, EmulatorInput, TimingOptions, VSwitchConfig } from './options.ts';

export interface EmulatorHandle {
  /** http://127.0.0.1:<port> */
  url: string;
  /** host:port, what the SDK's Config.endpoint wants. */
  endpoint: string;
  close(): Promise<void>;
}

export function buildRouter(): Router {
  return new Router().register(ECI_VERSION, containerGroupActions);
}

export async function startEmulator(options: EmulatorInput = {}): Promise<EmulatorHandle> {
  const opts = resolveOptions(options);
  const log = createLogger('eci-emulator', { level: opts.logLevel });
  const core = new EmulatorCore(opts, log);
  const faults = new FaultTable();
  const quotas = new QuotaTable();
  const app = buildServer({ core, router: buildRouter(), faults, quotas });
  await app.listen({ host: opts.host, port: opts.port });
  const addr = app.server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  const endpoint = `${host}:${addr.port}`;
  let closed = false;
  return {
    url: `http://${endpoint}`,
    endpoint,
    async close() {
      if (closed) return;
      closed = true;
      await app.close();
    },
  };
}
