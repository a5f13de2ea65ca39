// What the reconciler changes on a running pod's group, or learns from it, beside its status:
// in-place image updates (apply.ts), content refresh (refresh.ts) and the image cache ECI
// matched (reconciler/imagecache/matched.ts). Called on every status sync of a pod with a group.
import type { PodKube } from '../controller/pod-kube.ts';
import { matchedAnnotationPatch } from '../imagecache/matched.ts';
import type { TrackedPod } from '../tracker.ts';
import { applyInPlaceUpdate, type UpdateContext } from './apply.ts';
import type { ContentRefresher, RefreshContext } from './refresher.ts';

export interface GroupChangeContext extends UpdateContext, RefreshContext {
  kube: Pick<PodKube, 'event' | 'annotate' | 'references'>;
  /** Content refresh; absent, volumes keep what they got at create. */
  refresher?: ContentRefresher;
}

export async function syncGroupChanges(ctx: GroupChangeContext, entry: TrackedPod): Promise<void> {
  // The group is Updating after an image change: its volumes wait for the next interval.
  if (!(await applyInPlaceUpdate(ctx, entry))) await ctx.refresher?.check(ctx, entry);
  const { pod, record } = entry;
  const patch =
    pod && record?.group ? matchedAnnotationPatch(pod.metadata?.annotations, record.group.events) : undefined;
  if (pod && patch) await ctx.kube.annotate(pod, patch);
}
