// The orphan sweep's shell: candidates come from gc.ts (pure); each is re-checked against
// the API server right before its group is deleted, so a pod the informers have not seen
// yet never loses its group.
import { classifyEciError } from '../provider/eci-errors.ts';
import type { EciGroup } from '../provider/eci-client.ts';
import { confirmedOrphan, orphanCandidates } from '../gc.ts';
import type { CreateContext } from './create-pass.ts';

/**
 * `known`: the UIDs of every pod of the `nodes` swept (from the informers, or listed for
 * nodes another replica serves); each keeps its group, finished ones included (their logs).
 */
export async function sweepOrphans(
  ctx: CreateContext,
  nodes: ReadonlySet<string>,
  known: ReadonlySet<string>,
  groups: EciGroup[],
  forget: (uid: string) => void,
): Promise<number> {
  let deleted = 0;
  for (const c of orphanCandidates(groups, ctx.clusterId, nodes, known)) {
    let liveUid: string | undefined;
    try {
      liveUid = await ctx.kube.livePodUid(c.owner.namespace, c.owner.podName);
    } catch (err) {
      ctx.log.warn({ err, group: c.id }, 'could not re-check the pod of a possible orphan; keeping it');
      continue;
    }
    if (!confirmedOrphan(c, liveUid)) continue;
    try {
      await ctx.provider.delete(c.id);
    } catch (err) {
      ctx.log.warn(
        { code: classifyEciError(err).code, group: c.id },
        'could not delete an orphaned container group',
      );
      continue;
    }
    forget(c.owner.podUid);
    deleted++;
    ctx.onMetric?.('orphan_deleted');
    ctx.log.info(
      { group: c.id, pod: `${c.owner.namespace}/${c.owner.podName}` },
      'deleted orphaned container group',
    );
  }
  return deleted;
}
