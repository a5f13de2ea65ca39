// What the reconciler changes on a running pod's group, or learns from it, beside its status:
// in-place image updates (apply.ts), content refresh (refresh.ts) and the image cache ECI
// matched (reconciler/imagecache/matched.ts). Called on every status sync of a pod with a group.
import type { PodKube } from '../controller/pod-kube.ts';
import { matchedAnnotationPatch } from '../imagecache/matched.ts';
import type { GroupRecord, TrackedPod } from '../tracker.ts';
import { applyInPlaceUpdate, type UpdateContext } from './apply.ts';
import type { ContentRefresher, RefreshContext } from './refresher.ts';
import { CHANGE_NOT_APPLIED, unsupportedChanges } from './unsupported.ts';

export interface GroupChangeContext extends UpdateContext, RefreshContext {
  kube: Pick<PodKube, 'event' | 'annotate' | 'references'>;
  /** Content refresh; absent, volumes keep what they got at create. */
  refresher?: ContentRefresher;
}

/** What each group's pod was already told it cannot have (one Event per change, not per pass). */
const told = new WeakMap<GroupRecord, Set<string>>();

export async function syncGroupChanges(ctx: GroupChangeContext, entry: TrackedPod): Promise<void> {
  if (entry.pod && entry.record) {
    const seen = told.get(entry.record) ?? new Set<string>();
    told.set(entry.record, seen);
    for (const message of unsupportedChanges(entry.pod).filter((m) => !seen.has(m))) {
      seen.add(message);
      ctx.kube.event(entry.pod, 'Warning', CHANGE_NOT_APPLIED, message);
    }
  }
  // The group is Updating after an image change: its volumes wait for the next interval.
  if (!(await applyInPlaceUpdate(ctx, entry))) await ctx.refresher?.check(ctx, entry);
  const { pod, record } = entry;
  const patch =
    pod && record?.group ? matchedAnnotationPatch(pod.metadata?.annotations, record.group.events) : undefined;
  if (pod && patch) await ctx.kube.annotate(pod, patch);
}
