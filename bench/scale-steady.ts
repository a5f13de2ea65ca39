// bench/scale's steady-phase status lag: with every pod Running and nothing else changing, the
// emulator reclaims a sample of spot groups (its admin API) and the time until each pod shows
// the new status (Failed, as a kubelet reports a reclaimed instance) is measured. This is the
// lag of one status change through the poll, apart from the burst's backlog of creates.
import { setTimeout as sleep } from 'node:timers/promises';
import type { EmulatorAdmin } from '../emulator/admin-client.ts';

/** Pods of the steady sample are spot (only spot groups can be reclaimed): every STRIDE-th pod. */
export const STEADY_STRIDE = 50;
export const SPOT_ANNOTATIONS = { 'k8s.aliyun.com/eci-spot-strategy': 'SpotAsPriceGo' };

/**
 * Reclaims the given groups (a few calls at a time) and waits until `failedAt` has each of
 * their pods or `timeoutMs` passes; the lags (ms) from each reclaim to its pod's Failed.
 */
export async function steadyLags(
  admin: EmulatorAdmin,
  sample: { groupId: string; podUid: string }[],
  failedAt: ReadonlyMap<string, number>,
  timeoutMs = 120_000,
): Promise<{ lags: number[]; missing: number }> {
  const reclaimedAt = new Map<string, number>();
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < sample.length) {
        const s = sample[next++]!;
        // A reclaim the busy emulator did not take is left out of the sample, not the run.
        const ok = await admin.expire(s.groupId).then(
          () => true,
          () => false,
        );
        if (ok) reclaimedAt.set(s.podUid, Date.now());
      }
    }),
  );
  const started = Date.now();
  const reclaimed = sample.filter((s) => reclaimedAt.has(s.podUid));
  while (reclaimed.some((s) => !failedAt.has(s.podUid)) && Date.now() - started < timeoutMs) await sleep(100);
  const lags = reclaimed.flatMap((s) => {
    const seen = failedAt.get(s.podUid);
    return seen === undefined ? [] : [Math.max(0, seen - reclaimedAt.get(s.podUid)!)];
  });
  return { lags, missing: sample.length - lags.length };
}
