// A running container's probes and lifecycle hooks, wired to the runtime:
// readiness sets Ready, a failed liveness/startup probe or postStart hook stops the
// container (the restart policy does the rest), failures become events.
import type { EmulatorCore } from '../core.ts';
import { addEvent } from '../lifecycle/group-record.ts';
import type { ContainerGroup, ContainerRuntime } from '../model.ts';
import type { Logger } from '../../shared/logger.ts';
import type { ContainerSpec, Run } from './container-run.ts';
import { check, runProbes, type ProbeSpec } from './probes.ts';

const DEFAULT_GRACE_SECONDS = 30;

/** What the checks need from the runtime. */
export interface RunControl {
  readonly core: EmulatorCore;
  readonly log: Logger;
  containerPid(groupId: string, containerName: string): number | undefined;
  container(run: Run): ContainerRuntime | undefined;
  stop(run: Run, graceSeconds: number): void;
}

export function startProbes(
  rt: RunControl,
  g: ContainerGroup,
  spec: ContainerSpec,
  run: Run,
): ((keepReadiness?: boolean) => void) | undefined {
  const probes = {
    startup: (spec as { StartupProbe?: ProbeSpec }).StartupProbe,
    liveness: spec.LivenessProbe,
    readiness: spec.ReadinessProbe,
  };
  if (!probes.startup && !probes.liveness && !probes.readiness) return undefined;
  const grace = g.request.TerminationGracePeriodSeconds ?? DEFAULT_GRACE_SECONDS;
  const groupOf = () => rt.core.state.groups[run.groupId];
  return runProbes(probes, {
    ip: g.intranetIp,
    pid: () => rt.containerPid(run.groupId, run.containerName),
    setReady: (ready) => {
      const c = rt.container(run);
      const grp = groupOf();
      if (!c || !grp || c.current.state !== 'Running' || c.ready === ready) return;
      c.ready = ready;
      grp.updatedAt = rt.core.now();
      rt.core.changed();
    },
    kill: (kind, message) => {
      const grp = groupOf();
      if (grp) {
        const what = kind === 'Liveness' ? 'liveness' : 'startup';
        addEvent(
          grp,
          rt.core.now(),
          'Normal',
          'Killing',
          `Container ${run.containerName} failed ${what} probe, will be restarted`,
          run.containerName,
        );
      }
      rt.log.debug({ groupId: run.groupId, container: run.containerName, message }, `${kind} probe failed`);
      rt.stop(run, grace);
    },
    event: (type, reason, message) => {
      const grp = groupOf();
      if (grp) addEvent(grp, rt.core.now(), type, reason, message, run.containerName);
    },
  });
}

/** Runs a lifecycle hook in the container; a failure is a Warning event. Resolves whether it passed. */
export async function runHook(
  rt: RunControl,
  run: Run,
  kind: 'PostStart' | 'PreStop',
  hook: ProbeSpec,
  timeoutMs: number,
): Promise<boolean> {
  const g = rt.core.state.groups[run.groupId];
  if (!g) return false;
  const pid = () => rt.containerPid(run.groupId, run.containerName);
  // Hooks run in a started container: wait (up to 10 s) until it is set up.
  for (let i = 0; i < 200 && pid() === undefined && !run.done; i++)
    await new Promise((r) => setTimeout(r, 50));
  const r = await check(hook, { ip: g.intranetIp, pid }, timeoutMs, 'hook');
  if (!r.ok) {
    addEvent(
      g,
      rt.core.now(),
      'Warning',
      `Failed${kind}Hook`,
      `${kind}Hook failed: ${r.message}`,
      run.containerName,
    );
    rt.core.changed();
  }
  return r.ok;
}
