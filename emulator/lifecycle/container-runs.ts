// One container's runs: start (or refuse, runAsNonRoot), terminate, restart after a back-off
// as the kubelet's CrashLoopBackOff, and stopping every running container at once.
import type { TimingOptions } from '../options.ts';
import type { ContainerGroup, ContainerRuntime } from '../model.ts';
import { imageUser } from '../process/image-table.ts';
import { nonRootRefusal } from '../process/security-context.ts';
import { planRun, programOf } from '../simulation.ts';
import { emptyState, isProcessBacked, specOf } from './container-state.ts';
import { addEvent } from './group-record.ts';

/**
 * A container whose runAsNonRoot check fails is not created: it waits in
 * CreateContainerConfigError and is tried again after a back-off, as the kubelet does.
 */
function refuseRoot(g: ContainerGroup, c: ContainerRuntime, at: number, timing: TimingOptions): boolean {
  const spec = specOf(g, c);
  const refusal = c.init ? undefined : nonRootRefusal(spec, imageUser(spec.Image), g.name);
  if (!refusal) return false;
  c.current = {
    ...emptyState(),
    state: 'Waiting',
    reason: 'CreateContainerConfigError',
    detailStatus: 'CreateContainerConfigError',
    message: refusal,
  };
  c.ready = false;
  c.launching = undefined;
  c.restartAt = at + backoff(c, timing);
  addEvent(g, at, 'Warning', 'Failed', `Error: ${refusal}`, c.name);
  g.updatedAt = at;
  return true;
}

export function startContainer(
  g: ContainerGroup,
  c: ContainerRuntime,
  at: number,
  timing: TimingOptions,
): void {
  if (refuseRoot(g, c, at, timing)) return;
  const spec = specOf(g, c);
  if (c.started) {
    c.restartCount++;
    // While backing off, the last run is already in `previous`.
    if (c.current.state === 'Terminated') c.previous = c.current;
    c.previousLogs = c.logs;
  }
  c.started = true;
  c.plannedMessage = undefined;
  // A real process reports its own exit (exitAt, plannedExitCode) and output.
  const plan = isProcessBacked(g, c)
    ? { lines: [], exitAfterMs: undefined, exitCode: 0 }
    : planRun(programOf(spec.Command ?? [], spec.Arg ?? []), timing.sleepScale);
  const waiting = c.current.state === 'Waiting' ? c.current : undefined;
  c.launching = isProcessBacked(g, c)
    ? (waiting ?? {
        ...emptyState(),
        state: 'Waiting',
        reason: 'ContainerCreating',
        detailStatus: 'ContainerCreating',
      })
    : undefined;
  c.current = { ...emptyState(), state: 'Running', startTime: at };
  // A real readiness probe decides readiness (emulator/process/probes.ts); the simulation's always pass.
  c.ready = !c.init && !(isProcessBacked(g, c) && spec.ReadinessProbe !== undefined);
  c.logs = plan.lines.map((l) => ({ ts: at + l.atMs, text: l.text }));
  c.exitAt = plan.exitAfterMs === undefined ? undefined : at + plan.exitAfterMs;
  c.plannedExitCode = plan.exitCode;
  c.restartAt = undefined;
  addEvent(g, at, 'Normal', 'Created', `Created container ${c.name}`, c.name);
  addEvent(g, at, 'Normal', 'Started', `Started container ${c.name}`, c.name);
  g.updatedAt = at;
}

export function terminate(
  c: ContainerRuntime,
  at: number,
  exitCode: number,
  reason: string,
  signal = 0,
  message = '',
): void {
  c.current = {
    ...emptyState(),
    state: 'Terminated',
    reason,
    message,
    detailStatus: reason,
    exitCode,
    signal,
    startTime: c.current.startTime,
    finishTime: at,
  };
  c.ready = false;
  c.exitAt = undefined;
  c.restartAt = undefined;
}

function backoff(c: ContainerRuntime, timing: TimingOptions): number {
  return Math.min(timing.restartBackoffMaxMs, timing.restartBackoffMs * 2 ** Math.min(c.restartCount, 20));
}

/** Like the kubelet: the last run moves to `previous`, the container waits in CrashLoopBackOff. */
export function scheduleRestart(
  g: ContainerGroup,
  c: ContainerRuntime,
  at: number,
  timing: TimingOptions,
): void {
  const delay = backoff(c, timing);
  c.previous = c.current;
  c.current = {
    ...emptyState(),
    state: 'Waiting',
    reason: 'CrashLoopBackOff',
    detailStatus: 'CrashLoopBackOff',
    message: `back-off ${Math.round(delay / 1000)}s restarting failed container=${c.name}`,
  };
  c.restartAt = at + delay;
  addEvent(g, at, 'Warning', 'BackOff', `Back-off restarting failed container ${c.name}`, c.name);
}

export function shouldRestart(g: ContainerGroup, exitCode: number): boolean {
  return g.restartPolicy === 'Always' || (g.restartPolicy === 'OnFailure' && exitCode !== 0);
}

/** Stops the running containers at once, except (`keep`) those whose real process stops by itself. */
export function killAll(
  g: ContainerGroup,
  at: number,
  reason: string,
  keep: (c: ContainerRuntime) => boolean = () => false,
): void {
  for (const c of [...g.initContainers, ...g.containers]) {
    c.awaitingTurn = undefined;
    if (c.current.state === 'Running') {
      if (!keep(c)) terminate(c, at, 137, reason, 9);
      addEvent(g, at, 'Normal', 'Killing', `Stopping container ${c.name}`, c.name);
    }
    c.restartAt = undefined;
    if (!keep(c)) c.exitAt = undefined;
  }
}
