// Pure: what a kubelet says of init containers and of the app containers waiting behind
// them (kubelet_pods.go convertToAPIContainerStatuses and the init-container status rules):
// a regular init container is ready once it exited 0; a sidecar (restartPolicy Always) is
// ready as an app container is; app containers wait with `PodInitializing` until every
// regular init container has exited 0, whatever reason the runtime gives for the wait.
import type { V1Container } from '@kubernetes/client-node';
import type { ContainerStatusJson } from './model.ts';

function isSidecar(spec: V1Container | undefined): boolean {
  return spec?.restartPolicy === 'Always';
}

function exitedZero(s: ContainerStatusJson | undefined): boolean {
  return s?.state.terminated?.exitCode === 0;
}

/** Init container statuses with `ready` as the kubelet sets it. */
export function initContainerReadiness(
  specs: readonly V1Container[],
  statuses: ContainerStatusJson[],
): ContainerStatusJson[] {
  const sidecars = new Set(specs.filter(isSidecar).map((s) => s.name));
  return statuses.map((s) => (sidecars.has(s.name) ? s : { ...s, ready: exitedZero(s) }));
}

/** True while some regular (non-sidecar) init container has not exited 0. */
export function initializing(
  specs: readonly V1Container[],
  statuses: readonly ContainerStatusJson[],
): boolean {
  const byName = new Map(statuses.map((s) => [s.name, s]));
  return specs.some((spec) => !isSidecar(spec) && !exitedZero(byName.get(spec.name)));
}

/** App containers still waiting while the pod initializes wait with `PodInitializing`. */
export function waitingBehindInit(statuses: ContainerStatusJson[]): ContainerStatusJson[] {
  return statuses.map((s) =>
    s.state.waiting ? { ...s, state: { waiting: { reason: 'PodInitializing' } } } : s,
  );
}
