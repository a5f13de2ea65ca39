// Mirrors a container group onto its pod: the status and the instance annotations (only
// what changed), and ECI's events, each relayed once.
import { INSTANCE_ANNOTATIONS } from '../../shared/annotations.ts';
import { unseenEvents } from '../events.ts';
import { finalPodStatus, podStatusFromGroup, rfc3339, statusDiff } from '../status.ts';
import type { TrackedPod } from '../tracker.ts';
import { instanceAnnotationsFromGroup } from '../translate.ts';
import type { CreateContext } from './create-pass.ts';
import { CONTAINER_INSTANCE_CREATED, REASONS } from './event-reasons.ts';

/**
 * `final`: the pod's last status before it is deleted (every container ended, a terminal
 * phase; reconciler/status/final.ts) instead of the group's status as reported.
 */
export async function syncStatus(
  ctx: CreateContext,
  entry: TrackedPod,
  view: 'as-reported' | 'final' = 'as-reported',
): Promise<void> {
  const pod = entry.pod!;
  const record = entry.record!;
  const group = record.group!;
  // The instance annotations (id, spec, cpu, memory, zone, VPC) as the group reports them;
  // also ties a pod adopted after a restart between create and annotation write to its group.
  const wanted: Record<string, string> = {
    ...instanceAnnotationsFromGroup(group),
    [INSTANCE_ANNOTATIONS.instanceId]: record.id,
    [INSTANCE_ANNOTATIONS.clientToken]: entry.uid,
  };
  const current = pod.metadata?.annotations ?? {};
  const changed = Object.fromEntries(Object.entries(wanted).filter(([k, v]) => current[k] !== v));
  if (Object.keys(changed).length > 0) await ctx.kube.annotate(pod, changed);
  const phase = pod.status?.phase;
  if (phase !== 'Succeeded' && phase !== 'Failed') {
    const now = new Date();
    const desired = (view === 'final' ? finalPodStatus : podStatusFromGroup)(pod, group, now);
    // Folded into the first status write rather than a patch of its own.
    const created = desired.conditions.find((c) => c.type === CONTAINER_INSTANCE_CREATED);
    if (created?.status !== 'True') {
      desired.conditions = [
        ...desired.conditions.filter((c) => c.type !== CONTAINER_INSTANCE_CREATED),
        {
          type: CONTAINER_INSTANCE_CREATED,
          status: 'True',
          reason: 'Created',
          message: `container group ${record.id}`,
          lastTransitionTime: rfc3339(now),
        },
      ];
    }
    const diff = statusDiff(pod.status, desired);
    if (Object.keys(diff).length > 0) {
      await ctx.kube.patchStatus(pod, diff);
      ctx.onMetric?.('status_write');
    }
  }
  const { fresh, seen } = unseenEvents(group.events, entry.seenEvents);
  entry.seenEvents = seen;
  for (const e of fresh) {
    const type = e.type === 'Warning' ? 'Warning' : 'Normal';
    ctx.kube.event(pod, type, e.reason || REASONS.eciEvent, e.message ?? '');
  }
}
