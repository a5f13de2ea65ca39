// DeleteContainerGroup: the group goes Terminating (lifecycle/operations.ts), and a forced
// delete kills at once what still runs in process mode.
import { readFileSync } from 'node:fs';
import type { EmulatorCore } from '../core.ts';
import { beginDelete } from '../lifecycle/operations.ts';
import type { ContainerGroup } from '../model.ts';
import { parseParams, unflatten } from '../params.ts';
import { bool } from '../wire.ts';
import { idSchema } from './group-restart.ts';
import type { ActionHandler } from './types.ts';

// Force: ECI cleans the group up without waiting for its graceful termination
// (https://www.alibabacloud.com/help/en/eci/developer-reference/api-eci-2018-08-08-deletecontainergroup),
// also when a plain delete already has it Terminating.
const deleteSchema = idSchema.extend({ Force: bool.optional() });

export const deleteContainerGroup: ActionHandler = (core, params) => {
  const p = parseParams(deleteSchema, unflatten(params));
  core.checkRegion(p.RegionId);
  const g = core.group(p.ContainerGroupId);
  if (g.status !== 'Terminating') {
    beginDelete(g, core.now(), core.opts.timing);
    core.changed();
  }
  if (p.Force && killRunningProcesses(core, g) > 0) core.changed();
  return {};
};

/**
 * A forced delete in process mode: SIGKILL to every container still running (a preStop hook
 * in progress dies with it). The process runtime then reports the exits and ends Terminating;
 * simulated containers were stopped by beginDelete already.
 */
function killRunningProcesses(core: EmulatorCore, g: ContainerGroup): number {
  let killed = 0;
  for (const c of [...g.initContainers, ...g.containers]) {
    const pid = c.current.state === 'Running' ? core.processes?.containerPid(g.id, c.name) : undefined;
    if (pid === undefined) continue;
    try {
      process.kill(killTarget(pid), 'SIGKILL');
      killed++;
    } catch {
      // exited meanwhile
    }
  }
  return killed;
}

/**
 * The container's `unshare` when PID 1 runs under one (process/container-run.ts): killing it
 * takes PID 1 down (--kill-child) and the runtime sees the kill, exit code 137, as a kubelet
 * reports one; unshare reports a PID 1 killed under it as a plain exit 1. Else PID 1 itself.
 */
function killTarget(pid: number): number {
  try {
    const ppid = Number(/^PPid:\s*(\d+)$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
    if (ppid > 1 && readFileSync(`/proc/${ppid}/comm`, 'utf8').trim() === 'unshare') return ppid;
  } catch {
    // no /proc entry (exited): PID 1 it is
  }
  return pid;
}
