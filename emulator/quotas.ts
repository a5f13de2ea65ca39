// Per-action token buckets with the published ECI limits (docs/eci-api.md, "Limits and quotas"):
// Create/Delete burst 100 refilled 20/s; the describe actions per minute.

export interface BucketLimit {
  burst: number;
  refillPerSec: number;
}

const perMinute = (n: number): BucketLimit => ({ burst: n, refillPerSec: n / 60 });

export const ECI_LIMITS: Readonly<Record<string, BucketLimit>> = {
  CreateContainerGroup: { burst: 100, refillPerSec: 20 },
  DeleteContainerGroup: { burst: 100, refillPerSec: 20 },
  DescribeContainerGroups: perMinute(2000),
  DescribeContainerGroupStatus: perMinute(10_000),
  DescribeContainerGroupEvents: perMinute(10_000),
  DescribeContainerGroupMetric: perMinute(2000),
  DescribeMultiContainerGroupMetric: perMinute(2000),
  DescribeContainerLog: perMinute(500),
  ExecContainerCommand: perMinute(500),
  UpdateContainerGroup: perMinute(1000),
  RestartContainerGroup: perMinute(500),
  CreateImageCache: perMinute(200),
  DescribeImageCaches: perMinute(2000),
  DeleteImageCache: perMinute(200),
};

export class TokenBucket {
  private tokens: number;
  private last: number;
  readonly limit: BucketLimit;
  constructor(limit: BucketLimit, now: number) {
    this.limit = limit;
    this.tokens = limit.burst;
    this.last = now;
  }
  /** Takes one token; false when the bucket is empty. */
  take(now: number): boolean {
    const elapsed = Math.max(0, now - this.last) / 1000;
    this.tokens = Math.min(this.limit.burst, this.tokens + elapsed * this.limit.refillPerSec);
    this.last = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return true;
    }
    return false;
  }
}

export class QuotaTable {
  private readonly buckets = new Map<string, TokenBucket>();
  private readonly limits: Readonly<Record<string, BucketLimit>>;
  constructor(limits: Readonly<Record<string, BucketLimit>> = ECI_LIMITS) {
    this.limits = limits;
  }
  /** True when the call may proceed; actions without a published limit always may. */
  allow(action: string, now: number): boolean {
    const limit = this.limits[action];
    if (!limit) return true;
    let b = this.buckets.get(action);
    if (!b) {
      b = new TokenBucket(limit, now);
      this.buckets.set(action, b);
    }
    return b.take(now);
  }
  reset(): void {
    this.buckets.clear();
  }
}
