// What the reconciler keeps of a watched pod. managedFields (server-side apply bookkeeping)
// are never read here yet make up about a third of each cached pod (heap snapshot at 1,000 pods).
import type { V1Pod } from '@kubernetes/client-node';

/** Drops metadata.managedFields in place; status writes are patches, so nothing sends them back. */
export function stripManagedFields(pod: V1Pod): V1Pod {
  if (pod.metadata?.managedFields !== undefined) delete pod.metadata.managedFields;
  return pod;
}
