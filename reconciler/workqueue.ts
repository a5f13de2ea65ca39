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

/**
 * Keys due at a time, earliest first: a binary min-heap with lazy deletion (a key moved to an
 * earlier time leaves its old entry behind, skipped when it surfaces because it no longer
 * matches the key's due time). Only the earliest entry needs a timer.
 */
export class DueKeys<K> {
  private readonly heap: { at: number; key: K }[] = [];
  private readonly dueAt = new Map<K, number>();

  /** Due at `at`, unless already due earlier; true when the key's due time changed. */
  schedule(key: K, at: number): boolean {
    const current = this.dueAt.get(key);
    if (current !== undefined && current <= at) return false;
    this.dueAt.set(key, at);
    this.push({ at, key });
    return true;
  }

  /** The earliest due time, if any key is due. */
  next(): number | undefined {
    this.dropStale();
    return this.heap[0]?.at;
  }

  /** Removes and returns the keys due at or before `now`, earliest first. */
  takeDue(now: number): K[] {
    const out: K[] = [];
    for (;;) {
      this.dropStale();
      const top = this.heap[0];
      if (!top || top.at > now) return out;
      this.pop();
      this.dueAt.delete(top.key);
      out.push(top.key);
    }
  }

  has(key: K): boolean {
    return this.dueAt.has(key);
  }

  get size(): number {
    return this.dueAt.size;
  }

  clear(): void {
    this.heap.length = 0;
    this.dueAt.clear();
  }

  private dropStale(): void {
    while (this.heap.length > 0 && this.dueAt.get(this.heap[0]!.key) !== this.heap[0]!.at) this.pop();
  }

  private push(entry: { at: number; key: K }): void {
    const h = this.heap;
    h.push(entry);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (h[parent]!.at <= entry.at) break;
      h[i] = h[parent]!;
      i = parent;
    }
    h[i] = entry;
  }

  private pop(): void {
    const h = this.heap;
    const last = h.pop()!;
    if (h.length === 0) return;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= h.length) break;
      const right = left + 1;
      const child = right < h.length && h[right]!.at < h[left]!.at ? right : left;
      if (h[child]!.at >= last.at) break;
      h[i] = h[child]!;
      i = child;
    }
    h[i] = last;
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
  /** Delayed keys, all behind one timer armed for the earliest (no timer per key). */
  private readonly delayedKeys = new DueKeys<K>();
  private timer: { at: number; handle: NodeJS.Timeout } | undefined;
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
    if (this.delayedKeys.schedule(key, Date.now() + delayMs)) this.arm();
  }

  /** Points the one timer at the earliest delayed key (if it is not already due no later). */
  private arm(): void {
    const at = this.delayedKeys.next();
    if (at === undefined || (this.timer && this.timer.at <= at)) return;
    if (this.timer) clearTimeout(this.timer.handle);
    const handle = setTimeout(() => this.fire(), Math.max(0, at - Date.now()));
    handle.unref?.();
    this.timer = { at, handle };
  }

  private fire(): void {
    this.timer = undefined;
    for (const key of this.delayedKeys.takeDue(Date.now())) this.add(key);
    this.arm();
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
    return this.delayedKeys.size;
  }

  /** True while the key is queued, waiting out a delay, or being processed. */
  has(key: K): boolean {
    return this.dirty.has(key) || this.processing.has(key) || this.delayedKeys.has(key);
  }

  isProcessing(key: K): boolean {
    return this.processing.has(key);
  }

  shutdown(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer.handle);
    this.timer = undefined;
    this.delayedKeys.clear();
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
