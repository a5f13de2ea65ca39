// A rate-limited work queue in the manner of client-go's workqueue: a key is queued at
// most once (dedup), handed to at most one worker at a time (a key added while it is
// being processed is re-queued when that worker finishes), retried with per-key
// exponential backoff, and re-adds share one global token bucket. A named queue reports
// controller-runtime's workqueue_* and controller_runtime_reconcile_* metrics
// (./workqueue-metrics.ts), so the dashboards operators already have work unchanged.

import type { Registry } from 'prom-client';
import { backoffDelay } from '../shared/backoff.ts';
import { queueMetrics, type QueueMetrics } from './workqueue-metrics.ts';

export type Clock = () => number;

/** A token bucket: `burst` tokens, refilled at `ratePerSec`. */
export class TokenBucket {
  private tokens: number;
  private last: number;
  readonly ratePerSec: number;
  readonly burst: number;
  private readonly now: Clock;

  constructor(ratePerSec: number, burst: number, now: Clock = Date.now) {
    if (!(ratePerSec > 0) || !(burst >= 1))
      throw new Error('TokenBucket needs ratePerSec > 0 and burst >= 1');
    this.ratePerSec = ratePerSec;
    this.burst = burst;
    this.now = now;
    this.tokens = burst;
    this.last = now();
  }

  private refill(): void {
    const t = this.now();
    if (t > this.last) {
      this.tokens = Math.min(this.burst, this.tokens + ((t - this.last) / 1000) * this.ratePerSec);
      this.last = t;
    }
  }

  /** Reserves a token (possibly in the future) and returns how long to wait for it, in ms. */
  reserve(): number {
    this.refill();
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : Math.ceil((-this.tokens / this.ratePerSec) * 1000);
  }
}

export interface WorkQueueOptions {
  /** First retry delay; doubles per failure (default 5 ms). */
  baseDelayMs?: number;
  /** Retry delay cap (default 5 min). */
  maxDelayMs?: number;
  /** Global bucket shared by every rate-limited re-add (default 10/s, burst 100, as client-go). */
  bucket?: TokenBucket;
  /** Report the workqueue_* and controller_runtime_reconcile_* metrics under this name (label `name` / `controller`). */
  metrics?: { name: string; registry: Registry };
}

export class WorkQueue<K> {
  private readonly queue: K[] = [];
  private readonly dirty = new Set<K>();
  private readonly processing = new Set<K>();
  private readonly failures = new Map<K, number>();
  private readonly timers = new Map<K, { at: number; timer: NodeJS.Timeout }>();
  private readonly waiters: ((key: K | undefined) => void)[] = [];
  private closed = false;
  private readonly baseDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly bucket: TokenBucket;
  /** When each waiting key was added, and when each key being processed was taken (ms). */
  private readonly addedAt = new Map<K, number>();
  private readonly startedAt = new Map<K, number>();
  /** Set when the queue is named: runWorkers reports the reconcile metrics through it too. */
  readonly metrics: QueueMetrics | undefined;

  constructor(options: WorkQueueOptions = {}) {
    this.baseDelayMs = options.baseDelayMs ?? 5;
    this.maxDelayMs = options.maxDelayMs ?? 5 * 60_000;
    this.bucket = options.bucket ?? new TokenBucket(10, 100);
    this.metrics = options.metrics && queueMetrics(options.metrics.registry, options.metrics.name, this);
  }

  /** Seconds each key being processed has run so far (workqueue_unfinished_work_seconds). */
  processingAges(now = performance.now()): number[] {
    return [...this.startedAt.values()].map((t) => (now - t) / 1000);
  }

  private taken(key: K): void {
    this.processing.add(key);
    if (!this.metrics) return;
    const now = performance.now();
    this.metrics.taken((now - (this.addedAt.get(key) ?? now)) / 1000);
    this.addedAt.delete(key);
    this.startedAt.set(key, now);
  }

  /** Queues `key` unless it is already waiting; a key being processed is re-queued on done(). */
  add(key: K): void {
    if (this.closed || this.dirty.has(key)) return;
    this.dirty.add(key);
    // A key re-queued by done() was counted when it was added during its processing.
    if (this.metrics && !this.addedAt.has(key)) {
      this.metrics.added();
      this.addedAt.set(key, performance.now());
    }
    if (this.processing.has(key)) return;
    const waiter = this.waiters.shift();
    if (waiter) {
      this.dirty.delete(key);
      this.taken(key);
      waiter(key);
      return;
    }
    this.queue.push(key);
  }

  /** Adds `key` after `delayMs`; an earlier pending delayed add wins over a later one. */
  addAfter(key: K, delayMs: number): void {
    if (this.closed) return;
    if (delayMs <= 0) return this.add(key);
    const at = Date.now() + delayMs;
    const pending = this.timers.get(key);
    if (pending && pending.at <= at) return;
    if (pending) clearTimeout(pending.timer);
    const timer = setTimeout(() => {
      this.timers.delete(key);
      this.add(key);
    }, delayMs);
    timer.unref?.();
    this.timers.set(key, { at, timer });
  }

  /** Re-adds after the larger of the key's own backoff and the global bucket's wait. */
  addRateLimited(key: K): number {
    const n = this.failures.get(key) ?? 0;
    this.failures.set(key, n + 1);
    this.metrics?.retried();
    const delay = Math.max(backoffDelay(n, this.baseDelayMs, this.maxDelayMs), this.bucket.reserve());
    this.addAfter(key, delay);
    return delay;
  }

  /** Clears the key's failure history (call after a success). */
  forget(key: K): void {
    this.failures.delete(key);
  }

  retries(key: K): number {
    return this.failures.get(key) ?? 0;
  }

  /** The next key, waiting if none; undefined once shut down. */
  get(): Promise<K | undefined> {
    if (this.closed) return Promise.resolve(undefined);
    const key = this.queue.shift();
    if (key !== undefined) {
      this.dirty.delete(key);
      this.taken(key);
      return Promise.resolve(key);
    }
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Marks the key finished; if it was added meanwhile it goes back in line. */
  done(key: K): void {
    this.processing.delete(key);
    const started = this.startedAt.get(key);
    if (started !== undefined) {
      this.startedAt.delete(key);
      this.metrics?.finished((performance.now() - started) / 1000);
    }
    if (this.dirty.has(key)) {
      this.dirty.delete(key);
      this.add(key);
    }
  }

  /** Keys waiting (not counting delayed ones or those being processed). */
  get length(): number {
    return this.queue.length;
  }

  get delayed(): number {
    return this.timers.size;
  }

  /** True while the key is queued, waiting out a delay, or being processed. */
  has(key: K): boolean {
    return this.dirty.has(key) || this.processing.has(key) || this.timers.has(key);
  }

  isProcessing(key: K): boolean {
    return this.processing.has(key);
  }

  shutdown(): void {
    this.closed = true;
    for (const { timer } of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    for (const waiter of this.waiters.splice(0)) waiter(undefined);
  }

  get isShutdown(): boolean {
    return this.closed;
  }
}

/** A failure that no retry can fix: the key is dropped, never re-queued with backoff. */
export class TerminalError extends Error {
  override readonly name = 'TerminalError';
}

/** What a pass asks for: nothing more (done), or another pass after a delay. A throw is an error. */
export type WorkResult = { requeueAfterMs: number } | void;

/**
 * Runs `concurrency` workers until the queue shuts down. The one result switch: a throw
 * re-adds the key with backoff (a TerminalError drops it), `requeueAfterMs` schedules another
 * pass and forgets the failures, nothing means done. Resolves when every worker has stopped.
 */
export async function runWorkers<K>(
  queue: WorkQueue<K>,
  concurrency: number,
  handler: (key: K) => Promise<WorkResult>,
  onError: (key: K, err: unknown, terminal: boolean) => void = () => {},
): Promise<void> {
  const worker = async () => {
    for (;;) {
      const key = await queue.get();
      if (key === undefined) return;
      const started = performance.now();
      const took = () => (performance.now() - started) / 1000;
      try {
        const result = await handler(key);
        queue.forget(key);
        if (result) queue.addAfter(key, result.requeueAfterMs);
        queue.metrics?.reconciled(result ? 'requeue_after' : 'success', took());
      } catch (err) {
        const terminal = err instanceof TerminalError;
        queue.metrics?.reconciled('error', took());
        onError(key, err, terminal);
        if (terminal) queue.forget(key);
        else queue.addRateLimited(key);
      } finally {
        queue.done(key);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
}
