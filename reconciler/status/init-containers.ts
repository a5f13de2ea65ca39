// Pure: what a kubelet says of init containers and of the app containers waiting behind
// them (kubelet_pods.go convertToAPIContainerStatuses and the init-container status rules):
// a regular init container is ready once it exited 0; a sidecar (restartPolicy Always) is
// ready as an app container is; app containers wait with `PodInitializing` until every
// regular init container has exited 0, whatever reason the runtime gives for the wait.
import type { V1Container } from '@kubernetes/client-node';
import type { ContainerStatusJson, EciContainerView, EciGroupView } from './model.ts';

function isSidecar(spec: V1Container | undefined): boolean {
  return spec?.restartPolicy === 'Always';
}

function exitedZero(s: ContainerStatusJson | undefined): boolean {
  return s?.state.terminated?.exitCode === 0;
}

/**
 * Init container statuses as the kubelet words them: `ready` once a regular one exited 0, and
 * `PodInitializing` for one still waiting behind an earlier regular one that has not (the
 * runtime has not started it; it is not being created yet).
 */
export function initContainerReadiness(
  specs: readonly V1Container[],
  statuses: ContainerStatusJson[],
): ContainerStatusJson[] {
  const sidecars = new Set(specs.filter(isSidecar).map((s) => s.name));
  let blocked = false;
  return statuses.map((s) => {
    const out = sidecars.has(s.name) ? s : { ...s, ready: exitedZero(s) };
    const waitingBehind = blocked && s.state.waiting !== undefined;
    if (!sidecars.has(s.name) && !exitedZero(s)) blocked = true;
    return waitingBehind ? { ...out, state: { waiting: { reason: 'PodInitializing' } } } : out;
  });
}

/**
 * What ECI reports for each init container. A sidecar runs among the group's app containers
 * (translate/layout.ts), so its state is looked for there when ECI lists no init container of
 * that name.
 */
export function initContainerViews(
  specs: readonly V1Container[],
  group: Pick<EciGroupView, 'containers' | 'initContainers'>,
): EciContainerView[] {
  const inits = group.initContainers ?? [];
  const listed = new Set(inits.map((c) => c.name));
  const sidecars = specs.filter((s) => isSidecar(s) && !listed.has(s.name)).map((s) => s.name);
  const asApps = (group.containers ?? []).filter((c) => c.name !== undefined && sidecars.includes(c.name));
  return [...inits, ...asApps];
}

/** Names of the sidecars (restartable init containers), in spec order. */
export function sidecarNames(specs: readonly V1Container[]): string[] {
  return specs.filter(isSidecar).map((s) => s.name);
}

/** True while some regular (non-sidecar) init container has not exited 0. */
export function initializing(
  specs: readonly V1Container[],
  statuses: readonly ContainerStatusJson[],
): boolean {
  const byName = new Map(statuses.map((s) => [s.name, s]));
  return specs.some((spec) => !isSidecar(spec) && !exitedZero(byName.get(spec.name)));
}

/**
 * App containers still waiting while the pod initializes wait with `PodInitializing`; so does
 * one ECI reports as terminated without ever having started (the group ended when an init
 * container failed): a kubelet never created it, so it keeps its default waiting state.
 */
export function waitingBehindInit(statuses: ContainerStatusJson[]): ContainerStatusJson[] {
  const neverRan = (s: ContainerStatusJson) =>
    s.state.terminated !== undefined && !s.state.terminated.startedAt;
  return statuses.map((s) =>
    s.state.waiting || neverRan(s) ? { ...s, state: { waiting: { reason: 'PodInitializing' } } } : s,
  );
}

/**
 * In a pod with init containers a kubelet's generic waiting reason is `PodInitializing`, for
 * init and app containers alike (kubelet_pods.go convertToAPIContainerStatuses,
 * defaultWaitingState); it never says `ContainerCreating` there. ECI's generic wording is
 * translated so; its specific reasons (ErrImagePull, CrashLoopBackOff, ...) stay.
 */
export function podInitializingWording(
  specs: readonly V1Container[],
  statuses: ContainerStatusJson[],
): ContainerStatusJson[] {
  if (specs.length === 0) return statuses;
  return statuses.map((s) =>
    s.state.waiting?.reason === 'ContainerCreating'
      ? { ...s, state: { waiting: { reason: 'PodInitializing' } } }
      : s,
  );
}
