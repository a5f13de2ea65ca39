// The container group state machine. Pure: every function takes the time it
// runs at, so tests drive it with a fake clock and the server simply calls
// advance(group, Date.now()) before it reads a group.
//
// Scheduling ─schedulingMs→ Pending ─pendingMs→ (init containers) → Running
//   → Succeeded | Failed (when no container runs or will restart)
// Scheduling → ScheduleFailed (zone went out of stock)
// any → Terminating ─terminatingMs→ gone;  Running → Restarting → Pending → Running;
// Running/Pending/Succeeded/Failed → Updating → Pending → Running;  spot → Expired.
// The parts of a transition live in emulator/lifecycle/; advance plays them in time order.
import type { TimingOptions } from './options.ts';
import { TERMINAL, type ContainerGroup, type ContainerRuntime } from './model.ts';
import { emptyState } from './lifecycle/container-state.ts';
import {
  killAll,
  scheduleRestart,
  shouldRestart,
  startContainer,
  terminate,
} from './lifecycle/container-runs.ts';
import { addEvent, setStatus } from './lifecycle/group-record.ts';
import { startInLaunchOrder, startNextInit } from './lifecycle/launch-order.ts';
import { onPendingEnd } from './lifecycle/pending-end.ts';

function settleIfDone(g: ContainerGroup, at: number): void {
  if (g.status !== 'Running') return;
  const live = g.containers.some(
    (c) => c.current.state === 'Running' || c.restartAt !== undefined || c.awaitingTurn,
  );
  if (live) return;
  const ok = g.containers.every((c) => c.current.exitCode === 0);
  if (ok) {
    g.succeededTime = at;
    setStatus(g, 'Succeeded', at);
  } else {
    g.failedTime = at;
    setStatus(g, 'Failed', at);
  }
}

function onContainerExit(g: ContainerGroup, c: ContainerRuntime, at: number, timing: TimingOptions): void {
  const code = c.plannedExitCode;
  terminate(c, at, code, code === 0 ? 'Completed' : 'Error', 0, c.plannedMessage ?? '');
  g.updatedAt = at;
  if (g.status === 'Terminating') return; // stopped by the delete: nothing restarts or starts
  if (c.init) {
    if (code === 0) {
      startNextInit(g, at, timing);
    } else if (g.restartPolicy === 'Never') {
      g.failedTime = at;
      for (const m of g.containers) terminate(m, at, 0, 'PodInitializing');
      setStatus(g, 'Failed', at);
    } else {
      scheduleRestart(g, c, at, timing);
    }
    return;
  }
  if (shouldRestart(g, code)) scheduleRestart(g, c, at, timing);
  settleIfDone(g, at);
}

type Due =
  | { at: number; kind: 'phase' }
  | { at: number; kind: 'deadline' }
  | { at: number; kind: 'exit'; c: ContainerRuntime }
  | { at: number; kind: 'restart'; c: ContainerRuntime };

function nextDue(g: ContainerGroup): Due | undefined {
  let best: Due | undefined;
  const consider = (d: Due) => {
    if (!best || d.at < best.at) best = d;
  };
  if (g.phaseEndsAt !== undefined) consider({ at: g.phaseEndsAt, kind: 'phase' });
  const deadline = g.request.ActiveDeadlineSeconds;
  if (deadline !== undefined && deadline > 0 && (g.status === 'Running' || g.status === 'Pending')) {
    consider({ at: g.createdAt + deadline * 1000, kind: 'deadline' });
  }
  // A deleted group's real processes still report their exits while they stop.
  const live = g.status === 'Running' || g.status === 'Pending';
  if (live || g.status === 'Terminating') {
    for (const c of [...g.initContainers, ...g.containers]) {
      if (c.current.state === 'Running' && c.exitAt !== undefined)
        consider({ at: c.exitAt, kind: 'exit', c });
      if (live && c.restartAt !== undefined) consider({ at: c.restartAt, kind: 'restart', c });
    }
  }
  return best;
}

export interface AdvanceResult {
  /** The group is gone (Terminating ended, or a terminal group outlived its retention). */
  removed: boolean;
}

/** Plays every transition due up to `now`, in time order. */
export function advance(g: ContainerGroup, now: number, timing: TimingOptions): AdvanceResult {
  for (let guard = 0; guard < 100_000; guard++) {
    const due = nextDue(g);
    if (!due || due.at > now) break;
    if (due.kind === 'exit') {
      onContainerExit(g, due.c, due.at, timing);
      continue;
    }
    if (due.kind === 'restart') {
      due.c.restartAt = undefined;
      startContainer(g, due.c, due.at, timing);
      continue;
    }
    if (due.kind === 'deadline') {
      killAll(g, due.at, 'DeadlineExceeded');
      addEvent(
        g,
        due.at,
        'Warning',
        'DeadlineExceeded',
        'Pod was active on the node longer than the specified deadline',
      );
      g.failedTime = due.at;
      setStatus(g, 'Failed', due.at);
      continue;
    }
    const at = due.at;
    g.phaseEndsAt = undefined;
    switch (g.status) {
      case 'Scheduling':
        if (g.scheduleFailure) {
          addEvent(g, at, 'Warning', 'FailedScheduling', g.scheduleFailure);
          g.failedTime = at;
          for (const c of [...g.initContainers, ...g.containers]) {
            c.current = {
              ...emptyState(),
              state: 'Waiting',
              reason: 'ScheduleFailed',
              detailStatus: 'ScheduleFailed',
            };
          }
          setStatus(g, 'ScheduleFailed', at);
        } else {
          addEvent(g, at, 'Normal', 'Scheduled', `Successfully assigned ${g.name} to ${g.zoneId}`);
          setStatus(g, 'Pending', at);
          g.phaseEndsAt = at + timing.pendingMs;
        }
        break;
      case 'Pending':
        onPendingEnd(g, at, timing);
        break;
      case 'Restarting':
      case 'Updating':
        setStatus(g, 'Pending', at);
        g.phaseEndsAt = at + timing.pendingMs;
        break;
      case 'Terminating':
        return { removed: true };
      default:
        break;
    }
  }
  // A container that came up (its process runs, its readiness probe passed) lets the next start.
  startInLaunchOrder(g, now, timing);
  if (
    g.terminalAt !== undefined &&
    TERMINAL.has(g.status) &&
    now - g.terminalAt >= timing.terminalRetentionMs
  ) {
    return { removed: true };
  }
  return { removed: false };
}
