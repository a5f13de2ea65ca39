// In-process entry point: startEmulator(options) → { url, close }.
import type { AddressInfo } from 'node:net';
import { createLogger } from '../shared/logger.ts';
import { containerGroupActions } from './actions/container-groups.ts';
import { imageActions, retired } from './actions/images.ts';
import { observeActions } from './actions/observe.ts';
import { privateZoneActions } from './actions/privatezone.ts';
import { EmulatorCore } from './core.ts';
import { FaultTable } from './faults.ts';
import { resolveOptions, type EmulatorInput } from './options.ts';
import { EmulatorMetrics } from './metrics.ts';
import { ECI_LIMITS, QuotaTable } from './quotas.ts';
import { ECI_VERSION, PVTZ_VERSION, RETIRED_ECI_ACTIONS, Router } from './router.ts';
import { buildServer } from './server.ts';
import { attachExecServer } from './exec-ws.ts';
import { loadState, StateWriter } from './persistence.ts';
import { startContainerRuntime } from './process/mode.ts';

export { EMULATOR_DEFAULTS } from './options.ts';
export type { EmulatorInput } from './options.ts';

export interface EmulatorHandle {
  /** http://127.0.0.1:<port> (https:// when options.tls is set) */
  url: string;
  /** host:port, what the SDK's Config.endpoint wants. */
  endpoint: string;
  /** How containers run: `process` when --containers=process/auto got real processes, else `simulation`. */
  containers: 'simulation' | 'process';
  close(): Promise<void>;
}

export function buildRouter(): Router {
  return new Router()
    .register(ECI_VERSION, containerGroupActions)
    .register(ECI_VERSION, observeActions)
    .register(ECI_VERSION, imageActions)
    .register(ECI_VERSION, Object.fromEntries(RETIRED_ECI_ACTIONS.map((a) => [a, retired])))
    .register(PVTZ_VERSION, privateZoneActions);
}

export async function startEmulator(options: EmulatorInput = {}): Promise<EmulatorHandle> {
  const opts = resolveOptions(options);
  const log = createLogger('eci-emulator', { level: opts.logLevel });
  const core = new EmulatorCore(opts, log, options.now);
  let writer: StateWriter | undefined;
  if (opts.stateFile) {
    core.state = loadState(opts.stateFile);
    writer = new StateWriter(opts.stateFile, () => core.state);
    const w = writer;
    core.onChange = () => w.schedule();
  }
  core.processes = await startContainerRuntime(core, log);
  const faults = new FaultTable();
  const quotas = new QuotaTable({ ...ECI_LIMITS, ...opts.quotaLimits });
  const metrics = new EmulatorMetrics();
  const app = buildServer({ core, router: buildRouter(), faults, quotas, metrics }, opts.tls);
  await app.listen({ host: opts.host, port: opts.port });
  const exec = attachExecServer(app.server, core);
  const addr = app.server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  const endpoint = `${host}:${addr.port}`;
  let closed = false;
  return {
    url: `${opts.tls ? 'https' : 'http'}://${endpoint}`,
    endpoint,
    containers: core.processes ? 'process' : 'simulation',
    async close() {
      if (closed) return;
      closed = true;
      exec.close();
      await app.close();
      await core.processes?.close();
      writer?.flush();
    },
  };
}
