// The status poller: batched, incremental. Each tick asks ECI which of this cluster's
// groups changed recently (one DescribeContainerGroupStatus call per page of up to 500),
// then fetches those — and any group the tracker flagged — by id lists of 20 with
// DescribeContainerGroups, and writes what it learnt into the tracker (which wakes the
// pods). A full listing by tag runs at a longer interval, catches anything missed, and
// feeds the orphan sweep. Never one call per pod per tick. The full listing goes node by
// node (each node's tag): a replica lists only the nodes it serves, and the sweeping leader
// holds one node's groups at a time, not the whole cluster's (docs/scale.md).
import type { Logger } from 'pino';
import { classifyEciError, describeEciError } from './eci-errors.ts';
import type { EciGroup } from './eci-client.ts';
import { backoffDelay } from '../../shared/backoff.ts';
import type { EciProvider } from './eci-provider.ts';
/** ECI's limit of ids per DescribeContainerGroups call. */
export const IDS_PER_DESCRIBE = 20;
const DESCRIBE_CONCURRENCY = 4;

/** Pure: splits ids into DescribeContainerGroups batches. */
export function batches<T>(items: T[], size = IDS_PER_DESCRIBE): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Pure: the SinceSecond window covering the time since the last poll, with one second of overlap. */
export function sinceSeconds(lastPollMs: number, nowMs: number): number {
  return Math.max(1, Math.ceil((nowMs - lastPollMs) / 1000) + 1);
}

/** Where the poller writes (the pod tracker). */
interface PollerTarget {
  /** Group id → pod UID of every group being tracked. */
  trackedIds(): Map<string, string>;
  /** Groups to fetch on every tick whatever ECI reports as changed (being deleted: to see them go). */
  watchedIds(): string[];
  /** Groups to fetch on the next tick (just created); cleared only once a tick got through. */
  dirtyIds(): string[];
  clearDirty(ids: Iterable<string>): void;
  applyGroups(groups: EciGroup[]): void;
  markGone(ids: string[]): void;
}

export interface StatusPollerOptions {
  provider: { listOwned(node?: string): Promise<EciGroup[]> } & Pick<
    EciProvider,
    'changedSince' | 'describeMany'
  >;
  target: PollerTarget;
  /** After each full listing due for it (every gcIntervalMs): the orphan sweep, given one node's groups (or all, unscoped). */
  onFullList?: (groups: EciGroup[], node?: string) => Promise<unknown>;
  /** Whether this replica sweeps now (the leader); default yes. A tick that does not sweep lists only `scope(false)`. */
  sweeps?: () => boolean;
  /**
   * The nodes a full listing covers, one listing per node tag: the served nodes, or every node
   * when the tick sweeps. Unset: one listing of every group of the cluster.
   */
  scope?: (sweeping: boolean) => Iterable<string>;
  intervalMs: number;
  resyncIntervalMs: number;
  gcIntervalMs: number;
  log: Logger;
  /** True when `err` is RAM denying this optional action (said once, reconciler/provider/denied-actions.ts): fall back. */
  onActionDenied?: (action: string, err: unknown) => boolean;
}

export class StatusPoller {
  private readonly o: StatusPollerOptions;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private lastPoll = 0;
  private lastFull = 0;
  private lastGc = 0;
  private incremental = true;
  private stopped = false;
  ticks = 0;

  constructor(options: StatusPollerOptions) {
    this.o = options;
  }

  start(): void {
    let failures = 0;
    const loop = async () => {
      if (this.stopped) return;
      this.running = this.tick().then(
        () => {
          failures = 0;
        },
        (err: unknown) => {
          failures++;
          const e = classifyEciError(err);
          this.o.log.warn({ code: e.code, failures }, `status poll failed: ${describeEciError(e)}`);
        },
      );
      await this.running;
      if (!this.stopped) {
        // Back off while ECI fails (bad credentials, outage) instead of hammering it.
        const delay = backoffDelay(failures, this.o.intervalMs, Math.max(this.o.intervalMs, 30_000));
        this.timer = setTimeout(() => void loop(), delay);
        this.timer.unref?.();
      }
    };
    void loop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** One poll; exported for tests and the benchmark. */
  async tick(): Promise<void> {
    this.ticks++;
    const now = Date.now();
    // Taken before any call: ids flagged during this tick stay for the next one, and a
    // failed tick clears nothing.
    const dirty = this.o.target.dirtyIds();
    if (this.lastFull === 0 || now - this.lastFull >= this.o.resyncIntervalMs) {
      // Only groups tracked before the listing started can be missing from it.
      const before = [...this.o.target.trackedIds().keys()];
      const sweeping =
        this.o.onFullList !== undefined &&
        now - this.lastGc >= this.o.gcIntervalMs &&
        (this.o.sweeps?.() ?? true);
      const nodes: (string | undefined)[] = this.o.scope ? [...this.o.scope(sweeping)] : [undefined];
      const present = new Set<string | undefined>();
      for (const node of nodes) {
        const groups = await this.o.provider.listOwned(node);
        for (const g of groups) present.add(g.containerGroupId);
        this.o.target.applyGroups(groups);
        // A failed sweep is said and left for the next one; the listing itself got through.
        if (sweeping)
          await this.o
            .onFullList?.(groups, node)
            .catch((err: unknown) => this.o.log.warn({ err, node }, 'orphan sweep failed'));
      }
      this.lastFull = now;
      this.lastPoll = now;
      if (sweeping) this.lastGc = now;
      this.o.target.markGone(before.filter((id) => !present.has(id)));
      this.o.target.clearDirty(dirty);
      return;
    }

    const tracked = this.o.target.trackedIds();
    const wanted = new Set<string>([...dirty, ...this.o.target.watchedIds()].filter((id) => tracked.has(id)));
    if (this.incremental) {
      try {
        const changed = await this.o.provider.changedSince(sinceSeconds(this.lastPoll, now));
        for (const c of changed) if (tracked.has(c.id)) wanted.add(c.id);
      } catch (err) {
        const e = classifyEciError(err);
        const denied = this.o.onActionDenied?.('DescribeContainerGroupStatus', err) === true;
        if (e.category !== 'invalid' && !denied) throw err;
        // An endpoint without DescribeContainerGroupStatus, or a RAM policy without it: poll every
        // tracked group by id instead.
        if (!denied)
          this.o.log.warn({ code: e.code }, 'DescribeContainerGroupStatus unavailable; polling groups by id');
        this.incremental = false;
      }
    }
    if (!this.incremental) for (const id of tracked.keys()) wanted.add(id);
    if (wanted.size === 0) {
      this.lastPoll = now;
      this.o.target.clearDirty(dirty);
      return;
    }
    const found: EciGroup[] = [];
    // A few batches in flight at once: after a burst hundreds of groups change in one tick.
    const pending = batches([...wanted]);
    const worker = async () => {
      for (let ids = pending.shift(); ids; ids = pending.shift()) {
        found.push(...(await this.o.provider.describeMany(ids)));
      }
    };
    await Promise.all(Array.from({ length: DESCRIBE_CONCURRENCY }, worker));
    const present = new Set(found.map((g) => g.containerGroupId));
    // Only now: a failed describe leaves the window and the dirty ids for the next tick.
    this.lastPoll = now;
    this.o.target.clearDirty(dirty);
    this.o.target.applyGroups(found);
    this.o.target.markGone([...wanted].filter((id) => !present.has(id)));
  }
}
