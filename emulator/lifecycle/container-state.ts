// A container's state as the lifecycle (emulator/lifecycle.ts) records and shows it: the
// blank and initial states, the spec it runs, what it shows while its process is launched,
// and whether a real process backs it.
import type { ContainerGroup, ContainerRuntime, ContainerState, GroupStatus } from '../model.ts';
import { imageBacking } from '../process/image-table.ts';
import type { SecuritySpec } from '../process/security-context.ts';

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

export function specOf(g: ContainerGroup, c: ContainerRuntime): ContainerSpecLike {
  const list: ContainerSpecLike[] = c.init ? (g.request.InitContainer ?? []) : g.request.Container;
  return list.find((s) => s.Name === c.name) ?? { Name: c.name, Image: '' };
}

/** What a container shows: its state, or while its process is being launched, the waiting state before. */
export function shownState(c: ContainerRuntime): ContainerState {
  return c.launching && c.current.state === 'Running' ? c.launching : c.current;
}

/**
 * The group's status as shown: `Running` only once one of its containers shows running, has
 * ended or is restarting after an end; while every container is still being launched for the
 * first time, `Pending`, ECI's word for "one or more containers are being started, and no
 * containers are running" (https://www.alibabacloud.com/help/en/eci/user-guide/lifecycle-of-an-elastic-container-instance-1).
 */
export function shownGroupStatus(g: ContainerGroup): GroupStatus {
  if (g.status !== 'Running') return g.status;
  const up = g.containers.some((c) => {
    const shown = shownState(c).state;
    return shown === 'Running' || shown === 'Terminated' || c.previous.state === 'Terminated';
  });
  return up || g.containers.length === 0 ? 'Running' : 'Pending';
}

/** Ready as shown: never while the process is still being launched. */
export function shownReady(c: ContainerRuntime): boolean {
  return c.ready && shownState(c) === c.current;
}

/**
 * Process mode: a real process runs this container (emulator/process/), so its exit, exit code
 * and logs come from that process instead of the simulation's plan.
 */
export function isProcessBacked(g: ContainerGroup, c: ContainerRuntime): boolean {
  if (g.runtime !== 'process') return false;
  const backing = imageBacking(specOf(g, c).Image);
  return backing !== 'simulated' && backing !== 'pull-fails';
}
