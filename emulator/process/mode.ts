// --containers=simulation|process|auto → the process runtime, or none. `auto`
// probes once and says in one log line which mode it chose and why (a fallback
// logs at warn, so the CLI's default level shows it).
import type { Logger } from '../../shared/logger.ts';
import type { EmulatorCore } from '../core.ts';
import { probeProcessMode } from './probe.ts';
import { ProcessRuntime } from './runtime.ts';
import { prepareStandIns } from './stand-in-build.ts';

export async function startContainerRuntime(
  core: EmulatorCore,
  log: Logger,
): Promise<ProcessRuntime | undefined> {
  const mode = core.opts.containers;
  if (mode === 'simulation') return undefined;
  const probe = probeProcessMode();
  if (!probe.ok) {
    if (mode === 'process') throw new Error(`--containers=process is not possible here: ${probe.reason}`);
    log.warn({ containers: 'simulation', reason: probe.reason }, `containers: simulation (${probe.reason})`);
    return undefined;
  }
  try {
    const rt = await ProcessRuntime.start(core, log);
    await prepareStandIns(log);
    log.info(
      { containers: 'process', bridge: rt.bridgeName },
      `containers: process (real processes in namespaces, bridge ${rt.bridgeName})`,
    );
    return rt;
  } catch (e) {
    const reason = (e as Error).message;
    if (mode === 'process') throw new Error(`--containers=process could not start: ${reason}`, { cause: e });
    log.warn({ containers: 'simulation', reason }, `containers: simulation (${reason})`);
    return undefined;
  }
}
