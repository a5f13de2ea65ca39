// The order containers start in once Pending ends: init containers one by one, then the app
// containers, all at once unless launch priorities (emulator/priorities.ts) order them.
import type { TimingOptions } from '../options.ts';
import type { ContainerGroup, ContainerRuntime } from '../model.ts';
import { dueToStart } from '../priorities.ts';
import { shownReady, specOf } from './container-state.ts';
import { startContainer } from './container-runs.ts';
import { setStatus } from './group-record.ts';

export function startMainContainers(g: ContainerGroup, at: number, timing: TimingOptions): void {
  setStatus(g, 'Running', at);
  for (const c of g.containers) c.awaitingTurn = true;
  startInLaunchOrder(g, at, timing);
}

/** Has a container come up, so that those of a lower launch priority may start? */
function isUp(c: ContainerRuntime): boolean {
  return c.current.state === 'Terminated' || (c.current.state === 'Running' && shownReady(c));
}

/** Starts the app containers whose turn it is (all at once unless launch priorities order them). */
export function startInLaunchOrder(g: ContainerGroup, at: number, timing: TimingOptions): void {
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

export function startNextInit(g: ContainerGroup, at: number, timing: TimingOptions): void {
  const next = g.initContainers.find((c) => !(c.current.state === 'Terminated' && c.current.exitCode === 0));
  if (next) startContainer(g, next, at, timing);
  else startMainContainers(g, at, timing);
}
