// ECI container states → Kubernetes container statuses.
import { boundedMessage } from './messages.ts';
import {
  containerId,
  drop,
  rfc3339,
  type ContainerStateJson,
  type ContainerStatusJson,
  type EciContainerStateView,
  type EciContainerView,
} from './model.ts';

/** ECI's spellings of a container that has ended (the documented Terminated and older ones). */
const TERMINATED_STATES: ReadonlySet<string> = new Set(['Terminated', 'Succeeded', 'Failed', 'Canceled']);

/** The exit code of an ECI container state that has ended (an old spelling without one: 0 or 1), else undefined. */
export function terminatedExitCode(s: EciContainerStateView | undefined): number | undefined {
  const state = s?.state ?? '';
  if (!TERMINATED_STATES.has(state)) return undefined;
  return s?.exitCode ?? (state === 'Succeeded' ? 0 : 1);
}

/** ECI container state → Kubernetes container state. Accepts the documented Waiting/Running/Terminated
 * and the older Running|Succeeded / Failed|Canceled spellings. */
export function mapContainerState(
  s: EciContainerStateView | undefined,
  id: string | undefined,
  fallbackWaitingReason = 'ContainerCreating',
): ContainerStateJson {
  const state = s?.state ?? '';
  switch (state) {
    case 'Running':
      return { running: drop({ startedAt: rfc3339(s?.startTime) }) };
    case 'Terminated':
    case 'Succeeded':
    case 'Failed':
    case 'Canceled': {
      const exitCode = terminatedExitCode(s)!;
      const reason = s?.reason || s?.detailStatus || (exitCode === 0 ? 'Completed' : 'Error');
      return {
        terminated: drop({
          exitCode,
          signal: s?.signal ? s.signal : undefined,
          reason,
          message: boundedMessage(s?.message || undefined),
          startedAt: rfc3339(s?.startTime),
          finishedAt: rfc3339(s?.finishTime),
          containerID: id,
        }),
      };
    }
    case '':
      return { waiting: { reason: fallbackWaitingReason } };
    default:
      // Waiting, or a state this code does not know: report it as waiting with ECI's reason.
      return {
        waiting: drop({
          reason: s?.reason || s?.detailStatus || state,
          message: boundedMessage(s?.message || undefined),
        }),
      };
  }
}

/**
 * The reason a container ECI reports no state for is waiting with: `Scheduling` while
 * ECI places the group; else, as a kubelet says (kubelet_pods.go
 * convertToAPIContainerStatuses), `PodInitializing` for every container of a pod with
 * init containers and `ContainerCreating` otherwise.
 */
export function defaultWaitingReason(groupStatus: string | undefined, hasInitContainers: boolean): string {
  if (groupStatus === 'Scheduling') return 'Scheduling';
  return hasInitContainers ? 'PodInitializing' : 'ContainerCreating';
}

export function containerStatuses(
  specs: { name: string; image?: string }[],
  eci: EciContainerView[] | undefined,
  groupId: string | undefined,
  waitingReason: string,
): ContainerStatusJson[] {
  const byName = new Map((eci ?? []).map((c) => [c.name, c]));
  return specs.map((spec) => {
    const c = byName.get(spec.name);
    const id = groupId && c?.currentState?.state ? containerId(groupId, spec.name) : undefined;
    const state = mapContainerState(c?.currentState, id, waitingReason);
    const last = c?.previousState?.state ? mapContainerState(c.previousState, id) : {};
    const running = state.running !== undefined;
    return drop({
      name: spec.name,
      // What ECI runs, as a kubelet reports what its runtime runs: after an in-place image
      // change the spec names the new image before the group has switched to it.
      image: c?.image || spec.image || '',
      imageID: '',
      containerID: id,
      ready: running && (c?.ready ?? true),
      started: running,
      restartCount: c?.restartCount ?? 0,
      state,
      lastState: last,
    }) as ContainerStatusJson;
  });
}
