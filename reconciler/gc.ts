// Pure: which container groups are orphans. A group is a candidate when this cluster and
// one of this process's nodes own it and no pod with its UID is known; the shell then
// re-checks the UID against the API server right before deleting (controller/orphans.ts).
import { parseOwner, type Owner, type Tag } from './ownership.ts';

export interface GroupSummary {
  containerGroupId?: string;
  status?: string;
  tags?: Tag[];
}

export interface OrphanCandidate {
  id: string;
  owner: Owner;
}

export function orphanCandidates(
  groups: GroupSummary[],
  clusterId: string,
  nodes: ReadonlySet<string>,
  knownPodUids: ReadonlySet<string>,
): OrphanCandidate[] {
  const out: OrphanCandidate[] = [];
  for (const g of groups) {
    const owner = parseOwner(g.tags);
    if (!g.containerGroupId || !owner) continue;
    if (owner.clusterId !== clusterId || !nodes.has(owner.nodeName)) continue;
    if (knownPodUids.has(owner.podUid)) continue;
    // Terminating groups are already on their way out.
    if (g.status === 'Terminating') continue;
    out.push({ id: g.containerGroupId, owner });
  }
  return out;
}

/** Pure: a candidate may be deleted when the API server has no pod of that name, or one with another UID. */
export function confirmedOrphan(candidate: OrphanCandidate, livePodUid: string | undefined): boolean {
  return livePodUid === undefined || livePodUid !== candidate.owner.podUid;
}
