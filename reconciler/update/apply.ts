// The shell of an in-place update: asks the pure plan (plan.ts) whether the pod's images differ
// from what its group runs, and sends the one UpdateContainerGroup that changes them, with an
// Event either way. Called on every status sync of a pod with a group.
import { $Eci } from '../provider/eci-client.ts';
import { classifyEciError, describeEciError } from '../provider/eci-errors.ts';
import type { Provider } from '../provider/eci-provider.ts';
import type { PodKube } from '../controller/pod-kube.ts';
import type { GroupRecord, TrackedPod } from '../tracker.ts';
import { planInPlaceUpdate, type SentUpdate } from './plan.ts';

export const UPDATE_REASONS = {
  /** UpdateContainerGroup accepted: the group restarts its containers on the new images. */
  updating: 'InPlaceUpdate',
  /** UpdateContainerGroup failed; retried on the next status sync. */
  failed: 'InPlaceUpdateFailed',
} as const;

export interface UpdateContext {
  provider: Pick<Provider, 'update'>;
  kube: Pick<PodKube, 'event'>;
  now?: () => number;
}

/** The last update sent per group record (gone with the record). */
const sentByRecord = new WeakMap<GroupRecord, SentUpdate>();

/** Sends the pod's image changes to its group when there are any; true when one was sent. Never throws. */
export async function applyInPlaceUpdate(ctx: UpdateContext, entry: TrackedPod): Promise<boolean> {
  const { pod, record } = entry;
  if (!pod || !record?.group || record.gone || record.deleteRequested || !ctx.provider.update) return false;
  const now = (ctx.now ?? Date.now)();
  const plan = planInPlaceUpdate(pod, record.group, sentByRecord.get(record), now);
  if (plan.kind !== 'update') return false;
  const what = plan.containers.map((c) => `${c.name}=${c.image}`).join(', ');
  sentByRecord.set(record, { token: plan.token, at: now });
  try {
    await ctx.provider.update(
      new $Eci.UpdateContainerGroupRequest({
        containerGroupId: record.id,
        clientToken: plan.token,
        // Incremental: only the named containers' images change, everything else stays.
        updateType: 'IncrementalUpdate',
        container: plan.containers.map(
          (c) => new $Eci.UpdateContainerGroupRequestContainer({ name: c.name, image: c.image }),
        ),
      }),
    );
    ctx.kube.event(pod, 'Normal', UPDATE_REASONS.updating, `UpdateContainerGroup ${record.id}: ${what}`);
    return true;
  } catch (err) {
    const e = classifyEciError(err);
    // Sent again (same token) on a later sync, unless ECI refused the request itself.
    if (e.retryable) sentByRecord.delete(record);
    const message = `UpdateContainerGroup ${record.id} (${what}) failed: ${describeEciError(e)}`;
    ctx.kube.event(pod, 'Warning', UPDATE_REASONS.failed, message, e.code);
    return false;
  }
}
