// The one exponential backoff of both programs: informers that reconnect, the work
// queue's per-key retries, the status poller, create retries and the PrivateZone sync.

/** Pure: the delay before retry number `failures` (0-based): base·2^failures, capped. */
export function backoffDelay(failures: number, baseMs: number, maxMs: number): number {
  if (failures < 0) return 0;
  // 2^60 already exceeds any cap; avoid Infinity arithmetic.
  const exp = Math.min(failures, 60);
  return Math.min(baseMs * 2 ** exp, maxMs);
}
