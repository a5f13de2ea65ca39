// Pure: what of a running pod's changed spec goes to ECI in place (docs/updates.md has the
// table of every change the API server allows and what happens to it). Only container images
// reach the group: UpdateContainerGroup takes Container.N.Image but has no parameter for
// activeDeadlineSeconds, tolerations or the grace period, and the ECI annotations act at
// create only (ACK: "annotations take effect only when a pod is created").
import { createHash } from 'node:crypto';
import type { V1Pod } from '@kubernetes/client-node';

/** The part of a described group this module reads. */
export interface GroupImagesView {
  status?: string;
  containers?: { name?: string; image?: string }[];
}

export interface ImageChange {
  name: string;
  image: string;
}

/** The last update sent for a group: not sent again while ECI has not had time to apply it. */
export interface SentUpdate {
  token: string;
  at: number;
}

export type UpdatePlan =
  | { kind: 'none' }
  /** A change is due but ECI cannot take it now (not Pending/Running, or the last one in flight). */
  | { kind: 'wait'; reason: string }
  | { kind: 'update'; token: string; containers: ImageChange[] };

/** ECI updates only Pending and Running groups (UpdateContainerGroup's documented rule). */
const UPDATABLE = new Set(['Pending', 'Running']);

/** A sent update the group does not show yet is sent again (same token) after this long. */
export const RESEND_AFTER_MS = 60_000;

/**
 * The ClientToken of one change: the pod UID, its generation and the wanted images, so a
 * retry of the same change is idempotent in ECI and a later change (even back to an older
 * image, with a higher generation) is a new request. 64 ASCII characters at most.
 */
export function updateToken(pod: V1Pod, containers: ImageChange[]): string {
  const h = createHash('sha256');
  h.update(`${pod.metadata?.uid ?? ''}\n${pod.metadata?.generation ?? 0}\n`);
  for (const c of containers) h.update(`${c.name}=${c.image}\n`);
  return `upd-${h.digest('hex').slice(0, 40)}`;
}

/** Containers whose pod image differs from the image the group runs. */
export function imageChanges(pod: V1Pod, group: GroupImagesView): ImageChange[] {
  const running = new Map((group.containers ?? []).map((c) => [c.name, c.image]));
  const out: ImageChange[] = [];
  for (const c of pod.spec?.containers ?? []) {
    const now = running.get(c.name);
    // A container ECI does not report is not ours to change (the API server forbids adding one).
    if (now === undefined || !c.image || now === c.image) continue;
    out.push({ name: c.name, image: c.image });
  }
  return out;
}

export function planInPlaceUpdate(
  pod: V1Pod,
  group: GroupImagesView,
  sent: SentUpdate | undefined,
  now: number,
): UpdatePlan {
  if (pod.metadata?.deletionTimestamp) return { kind: 'none' };
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') return { kind: 'none' };
  const containers = imageChanges(pod, group);
  if (containers.length === 0) return { kind: 'none' };
  if (!UPDATABLE.has(group.status ?? '')) {
    return { kind: 'wait', reason: `the container group is ${group.status ?? 'not described yet'}` };
  }
  const token = updateToken(pod, containers);
  if (sent?.token === token && now - sent.at < RESEND_AFTER_MS) {
    return { kind: 'wait', reason: 'the update was sent and ECI has not applied it yet' };
  }
  return { kind: 'update', token, containers };
}
