// The operations that begin a transition from outside the state machine: delete
// (Terminating), restart (Restarting), update (Updating) and a spot instance's expiry (Expired).
import type { TimingOptions } from '../options.ts';
import { TERMINAL, type ContainerGroup, type GroupStatus } from '../model.ts';
import { exitPriority } from '../priorities.ts';
import { emptyState, isProcessBacked, newContainerRuntime } from './container-state.ts';
import { killAll } from './container-runs.ts';
import { addEvent, setStatus } from './group-record.ts';

/**
 * The longest a process-mode group can stay Terminating: SIGTERM, the grace period, SIGKILL,
 * once per exit priority (ECI says an exit order may outlast TerminationGracePeriodSeconds).
 */
function processGraceMs(g: ContainerGroup): number {
  const tiers = new Set(g.request.Container.map((c) => exitPriority(c))).size;
  return ((g.request.TerminationGracePeriodSeconds ?? 30) * tiers + 1) * 1000;
}

/**
 * Simulated containers stop at once; real processes stay Running (readiness probes still
 * run) until they exit, in exit-priority order, and report their own exit code
 * (emulator/process/runtime.ts).
 */
export function beginDelete(g: ContainerGroup, at: number, timing: TimingOptions): void {
  killAll(g, at, 'Killed', (c) => isProcessBacked(g, c));
  setStatus(g, 'Terminating', at);
  g.terminalAt = undefined;
  // Real processes get their grace period; the process runtime ends Terminating as soon as they are gone.
  const grace = g.runtime === 'process' ? processGraceMs(g) : 0;
  g.phaseEndsAt = at + Math.max(timing.terminatingMs, grace);
}

export function canRestart(g: ContainerGroup): boolean {
  return g.status === 'Running';
}

export function beginRestart(g: ContainerGroup, at: number, timing: TimingOptions): void {
  killAll(g, at, 'Restarted');
  addEvent(g, at, 'Normal', 'Restarting', `Restarting container group ${g.name}`);
  setStatus(g, 'Restarting', at);
  g.phaseEndsAt = at + timing.restartingMs;
}

export const UPDATABLE: ReadonlySet<GroupStatus> = new Set(['Running', 'Pending', 'Succeeded', 'Failed']);

/** Containers are recreated from the (already replaced) request. */
export function beginUpdate(g: ContainerGroup, at: number, timing: TimingOptions): void {
  killAll(g, at, 'Updated');
  g.containers = g.request.Container.map((c) => {
    const old = g.containers.find((o) => o.name === c.Name);
    return old ? { ...old, current: { ...old.current } } : newContainerRuntime(c.Name, false);
  });
  g.initContainers = (g.request.InitContainer ?? []).map((c) => {
    const old = g.initContainers.find((o) => o.name === c.Name);
    return old ?? newContainerRuntime(c.Name, true);
  });
  // Everything starts over: init containers run again, pulls are retried from scratch.
  for (const c of [...g.initContainers, ...g.containers]) {
    c.pullAttempts = 0;
    if (c.init || c.current.state === 'Waiting') {
      c.current = {
        ...emptyState(),
        state: 'Waiting',
        reason: 'ContainerCreating',
        detailStatus: 'ContainerCreating',
      };
    }
  }
  g.terminalAt = undefined;
  g.succeededTime = undefined;
  g.failedTime = undefined;
  addEvent(g, at, 'Normal', 'Updating', `Updating container group ${g.name}`);
  setStatus(g, 'Updating', at);
  g.phaseEndsAt = at + timing.updatingMs;
}

export function canExpire(g: ContainerGroup): boolean {
  return g.spotStrategy !== 'NoSpot' && g.status !== 'Terminating' && !TERMINAL.has(g.status);
}

export function expire(g: ContainerGroup, at: number): void {
  killAll(g, at, 'Expired');
  addEvent(g, at, 'Warning', 'SpotToBeReleased', `Spot instance ${g.id} has been reclaimed`);
  g.expiredTime = at;
  setStatus(g, 'Expired', at);
}
