// The env a native sidecar (an init container with restartPolicy Always) gets on ECI, where it
// runs among the app containers: ECI_CONTAINER_TYPE=sidecar (it does not keep a finished Job
// alive), and start and exit priorities that order it as the kubelet does: sidecars start
// before the app containers, each after the ones declared before it, and exit after them, in
// reverse order. ECI's order: https://help.aliyun.com/en/eci/user-guide/set-container-start-and-exit-order
// (a higher ECI_CONTAINER_LAUNCH_PRIORITY starts first; a higher ECI_CONTAINER_EXIT_PRIORITY
// exits later; both default to 0, which the app containers keep). docs/eci-api.md says more.
import type { V1Container } from '@kubernetes/client-node';
import { CONTAINER_TYPE_ENV } from './containers.ts';
import type { EnvEntry } from './env.ts';

const LAUNCH_PRIORITY_ENV = 'ECI_CONTAINER_LAUNCH_PRIORITY';
const EXIT_PRIORITY_ENV = 'ECI_CONTAINER_EXIT_PRIORITY';
/** ECI's largest priority. */
const MAX_PRIORITY = 1000;

/**
 * The env of the `index`-th of `count` native sidecars (in spec.initContainers order); a
 * variable the container sets itself is left as it is.
 */
export function sidecarEnv(c: V1Container, index: number, count: number): EnvEntry[] {
  const priority = String(Math.min(MAX_PRIORITY, count - index));
  const wanted: EnvEntry[] = [
    { key: CONTAINER_TYPE_ENV, value: 'sidecar' },
    { key: LAUNCH_PRIORITY_ENV, value: priority },
    { key: EXIT_PRIORITY_ENV, value: priority },
  ];
  return wanted.filter((e) => !c.env?.some((own) => own.name === e.key));
}
