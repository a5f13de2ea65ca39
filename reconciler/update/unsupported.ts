// Pure: changes the API server accepts on a running pod that ECI cannot apply, each as an Event
// message naming the field (docs/updates.md). Today: ephemeral containers (`kubectl debug`),
// which ECI cannot add to a running group.
import type { V1Pod } from '@kubernetes/client-node';

export const CHANGE_NOT_APPLIED = 'ChangeNotApplied';

export function unsupportedChanges(pod: V1Pod): string[] {
  return (pod.spec?.ephemeralContainers ?? []).map(
    (c) =>
      `spec.ephemeralContainers[${c.name}]: ECI cannot add a container to a running container group; it is not started`,
  );
}
