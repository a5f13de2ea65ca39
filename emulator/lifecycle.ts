// The container group state machine. Pure: every function takes the time it
// runs at, so tests drive it with a fake clock and the server simply calls
// advance(group, Date.now()) before it reads a group.
//
// Scheduling ─schedulingMs→ Pending ─pendingMs→ (init containers) → Running
//   → Succeeded | Failed (when no container runs or will restart)
// Scheduling → ScheduleFailed (zone went out of stock)
// any → Terminating ─terminatingMs→ gone;  Running → Restarting → Pending → Running;
// Running/Pending/Succeeded/Failed → Updating → Pending → Running;  spot → Expired.
import type { TimingOptions } from './options.ts';
import {
  TERMINAL,
  type ContainerGroup,
  type ContainerRuntime,
  type ContainerState,
  type EventRecord,
  type GroupStatus,
} from './model.ts';
import { imageBacking, imageUser, IMAGE_PULL_FAILURE_MARKER } from './process/image-table.ts';
import { nonRootRefusal, type SecuritySpec } from './process/security-context.ts';
import { dueToStart, exitPriority } from './priorities.ts';
import { planRun, programOf } from './simulation.ts';

export { IMAGE_PULL_FAILURE_MARKER };

export function emptyState(): ContainerState {
  return { state: '', reason: '', message: '', detailStatus: '', exitCode: 0, signal: 0 };
}

export function newContainerRuntime(name: string, init: boolean): ContainerRuntime {
  return {
    name,
    init,
    current: {
      ...emptyState(),
      state: 'Waiting',
      reason: 'ContainerCreating',
      detailStatus: 'ContainerCreating',
    },
    previous: emptyState(),
    restartCount: 0,
    ready: false,
    started: false,
    plannedExitCode: 0,
    logs: [],
    previousLogs: [],
  };
}

export function addEvent(
  g: ContainerGroup,
  at: number,
  type: EventRecord['type'],
  reason: string,
  message: string,
  object = '',
): void {
  const same = g.events.find((e) => e.reason === reason && e.message === message && e.object === object);
  if (same) {
    same.count++;
    same.last = at;
  } else {
    g.eventSeq++;
    g.events.push({
      name: `${g.name}.${(0x17b4a000 + g.eventSeq).toString(16)}`,
      type,
      reason,
      message,
      object,
      count: 1,
      first: at,
      last: at,
    });
    // Keep the list bounded like the real service (a crash-looping container would grow it forever).
    if (g.events.length > 200) g.events.splice(0, g.events.length - 200);
  }
}

function setStatus(g: ContainerGroup, status: GroupStatus, at: number): void {
  g.status = status;
  g.updatedAt = at;
  if (TERMINAL.has(status)) {
    g.terminalAt = at;
    g.phaseEndsAt = undefined;
  }
}

interface ContainerSpecLike {
  Name: string;
  EnvironmentVar?: { Key?: string | undefined; Value?: string | undefined }[] | undefined;
  Image: string;
  Command?: string[] | undefined;
  Arg?: string[] | undefined;
  ReadinessProbe?: unknown;
  SecurityContext?: SecuritySpec['SecurityContext'];
  SecurityContextRunAsNonRoot?: unknown;
}

function specOf(g: ContainerGroup, c: ContainerRuntime): ContainerSpecLike {
  const list: ContainerSpecLike[] = c.init ? (g.request.InitContainer ?? []) : g.request.Container;
  return list.find((s) => s.Name === c.name) ?? { Name: c.name, Image: '' };
}

/**
 * Process mode: a real process runs this container (emulator/process/), so its exit, exit code
 * and logs come from that process instead of the simulation's plan.
 */
/** What a container shows: its state, or while its process is being launched, the waiting state before. */
export function shownState(c: ContainerRuntime): ContainerState {
  return c.launching && c.current.state === 'Running' ? c.launching : c.current;
}

/** Ready as shown: never while the process is still being launched. */
export function shownReady(c: ContainerRuntime): boolean {
  return c.ready && shownState(c) === c.current;
}

export function isProcessBacked(g: ContainerGroup, c: ContainerRuntime): boolean {
  if (g.runtime !== 'process') return false;
  const backing = imageBacking(specOf(g, c).Image);
  return backing !== 'simulated' && backing !== 'pull-fails';
}

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

function startContainer(g: ContainerGroup, c: ContainerRuntime, at: number, timing: TimingOptions): void {
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

function terminate(
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
function scheduleRestart(g: ContainerGroup, c: ContainerRuntime, at: number, timing: TimingOptions): void {
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

function shouldRestart(g: ContainerGroup, exitCode: number): boolean {
  return g.restartPolicy === 'Always' || (g.restartPolicy === 'OnFailure' && exitCode !== 0);
}

function startMainContainers(g: ContainerGroup, at: number, timing: TimingOptions): void {
  setStatus(g, 'Running', at);
  for (const c of g.containers) c.awaitingTurn = true;
  startInLaunchOrder(g, at, timing);
}

/** Has a container come up, so that those of a lower launch priority may start? */
function isUp(c: ContainerRuntime): boolean {
  return c.current.state === 'Terminated' || (c.current.state === 'Running' && shownReady(c));
}

/** Starts the app containers whose turn it is (all at once unless launch priorities order them). */
function startInLaunchOrder(g: ContainerGroup, at: number, timing: TimingOptions): void {
  for (let guard = 0; guard < g.containers.length && g.status === 'Running'; guard++) {
    const entry = (c: ContainerRuntime) => ({ name: c.name, spec: specOf(g, c), c });
    const waiting = g.containers.filter((c) => c.awaitingTurn).map(entry);
    const others = g.containers
      .filter((c) => !c.awaitingTurn)
      .map((c) => ({ spec: specOf(g, c), up: isUp(c) }));
    const due = dueToStart(waiting, others);
    if (due.length === 0) return;
    for (const { c } of due) {
      c.awaitingTurn = undefined;
      startContainer(g, c, at, timing);
    }
  }
}

function startNextInit(g: ContainerGroup, at: number, timing: TimingOptions): void {
  const next = g.initContainers.find((c) => !(c.current.state === 'Terminated' && c.current.exitCode === 0));
  if (next) startContainer(g, next, at, timing);
  else startMainContainers(g, at, timing);
}

function imagePullFails(g: ContainerGroup): ContainerRuntime[] {
  return [...g.initContainers, ...g.containers].filter((c) =>
    specOf(g, c).Image.includes(IMAGE_PULL_FAILURE_MARKER),
  );
}

function onPendingEnd(g: ContainerGroup, at: number, timing: TimingOptions): void {
  g.phaseEndsAt = undefined;
  const failing = imagePullFails(g);
  const retrying = failing.some(
    (c) => c.current.reason === 'ErrImagePull' || c.current.reason === 'ImagePullBackOff',
  );
  if (!retrying) {
    for (const c of [...g.initContainers, ...g.containers]) {
      const image = specOf(g, c).Image;
      addEvent(g, at, 'Normal', 'Pulling', `Pulling image "${image}"`, c.name);
      if (!failing.includes(c))
        addEvent(g, at, 'Normal', 'Pulled', `Successfully pulled image "${image}"`, c.name);
    }
  }
  if (failing.length > 0) {
    // The group stays Pending while the kubelet alternates ErrImagePull and
    // ImagePullBackOff, backing off like a crash loop.
    let attempts = 0;
    for (const c of failing) {
      const image = specOf(g, c).Image;
      c.pullAttempts = (c.pullAttempts ?? 0) + 1;
      attempts = Math.max(attempts, c.pullAttempts);
      if (c.current.reason === 'ErrImagePull') {
        c.current = {
          ...emptyState(),
          state: 'Waiting',
          reason: 'ImagePullBackOff',
          detailStatus: 'ImagePullBackOff',
          message: `Back-off pulling image "${image}"`,
        };
        addEvent(g, at, 'Normal', 'BackOff', `Back-off pulling image "${image}"`, c.name);
        addEvent(g, at, 'Warning', 'Failed', 'Error: ImagePullBackOff', c.name);
      } else {
        if (retrying) addEvent(g, at, 'Normal', 'Pulling', `Pulling image "${image}"`, c.name);
        c.current = {
          ...emptyState(),
          state: 'Waiting',
          reason: 'ErrImagePull',
          detailStatus: 'ErrImagePull',
          message: `Failed to pull image "${image}": rpc error: code = NotFound desc = failed to pull and unpack image "${image}": not found`,
        };
        addEvent(g, at, 'Warning', 'Failed', `Failed to pull image "${image}": not found`, c.name);
        addEvent(g, at, 'Warning', 'Failed', 'Error: ErrImagePull', c.name);
      }
    }
    g.phaseEndsAt =
      at +
      Math.min(
        timing.restartBackoffMaxMs,
        timing.restartBackoffMs * 2 ** Math.min(Math.floor(attempts / 2), 20),
      );
    g.updatedAt = at;
    return;
  }
  if (g.initContainers.length > 0) {
    for (const c of g.containers) {
      c.current = {
        ...emptyState(),
        state: 'Waiting',
        reason: 'PodInitializing',
        detailStatus: 'PodInitializing',
      };
    }
    startNextInit(g, at, timing);
  } else {
    startMainContainers(g, at, timing);
  }
}

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

/** Stops the running containers at once, except (`keep`) those whose real process stops by itself. */
function killAll(
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
