// The status poller: batched, incremental. Each tick asks ECI which of this cluster's
// groups changed recently (one DescribeContainerGroupStatus call per page of up to 500),
// then fetches those — and any group the tracker flagged — by id lists of 20 with
// DescribeContainerGroups, and writes what it learnt into the tracker (which wakes the
// pods). A full listing by tag runs beside it at a longer interval (its own loop: at
// thousands of pods it takes minutes), catches anything missed, and feeds the orphan sweep.
// Never one call per pod per tick. The full listing goes node by
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
  provider: Pick<EciProvider, 'ownedPages' | 'changedSince' | 'describeMany'>;
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

/**
 * Pure: the listed groups still worth applying. A group the incremental poll fetched (or found
 * gone) after the listing's request went out is fresher than the listing's copy of it, which
 * must not overwrite it: the incremental window has moved past that change and would not fetch
 * it again until the next listing.
 */
export function staleFiltered(
  groups: EciGroup[],
  freshSince: Map<string, number>,
  listedAt: number,
): EciGroup[] {
  return groups.filter((g) => (freshSince.get(g.containerGroupId ?? '') ?? -Infinity) < listedAt);
}

export class StatusPoller {
  private readonly o: StatusPollerOptions;
  /** The loops' pending waits: stop() ends them at once. */
  private readonly sleepers = new Set<() => void>();
  private readonly loops: Promise<void>[] = [];
  private lastPoll = 0;
  private lastGc = 0;
  private incremental = true;
  private stopped = false;
  /** While a full listing runs: group id → start of the incremental fetch that last saw it. */
  private fresh: Map<string, number> | undefined;
  ticks = 0;

  constructor(options: StatusPollerOptions) {
    this.o = options;
  }

  /**
   * Two loops, each with its own pace and its own failures: the incremental poll every
   * intervalMs, and the full listing every resyncIntervalMs beside it. At thousands of pods the
   * listing takes minutes (one page of 20 after another); run inside the poll it held every
   * status change back until it ended (docs/scale.md, "Status lag: burst and steady").
   */
  start(): void {
    this.loops.push(
      this.loop(
        'status poll',
        () => this.tick(),
        () => this.o.intervalMs,
      ),
      this.loop(
        'full listing',
        () => this.fullList(),
        (tookMs) => this.o.resyncIntervalMs - tookMs,
      ),
    );
  }

  private async loop(
    what: string,
    run: () => Promise<void>,
    nextInMs: (tookMs: number) => number,
  ): Promise<void> {
    let failures = 0;
    while (!this.stopped) {
      const startedAt = Date.now();
      try {
        await run();
        failures = 0;
      } catch (err) {
        failures++;
        const e = classifyEciError(err);
        this.o.log.warn({ code: e.code, failures }, `${what} failed: ${describeEciError(e)}`);
      }
      if (this.stopped) return;
      // Back off while ECI fails (bad credentials, outage) instead of hammering it.
      const delay =
        failures > 0
          ? backoffDelay(failures, this.o.intervalMs, Math.max(this.o.intervalMs, 30_000))
          : Math.max(0, nextInMs(Date.now() - startedAt));
      await new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          this.sleepers.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, delay);
        timer.unref?.();
        this.sleepers.add(wake);
      });
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const wake of [...this.sleepers]) wake();
    await Promise.all(this.loops);
  }

  /**
   * One full listing by tag, node by node: adopts groups the tracker lacks, refreshes the rest,
   * marks the tracked groups it did not find as gone, and feeds the orphan sweep when due.
   * Exported for tests and the benchmark; start() runs it beside the incremental poll.
   */
  async fullList(): Promise<void> {
    const now = Date.now();
    // Only groups tracked before the listing started can be missing from it.
    const before = [...this.o.target.trackedIds().keys()];
    const sweeping =
      this.o.onFullList !== undefined &&
      now - this.lastGc >= this.o.gcIntervalMs &&
      (this.o.sweeps?.() ?? true);
    const nodes: (string | undefined)[] = this.o.scope ? [...this.o.scope(sweeping)] : [undefined];
    const present = new Set<string | undefined>();
    const fresh = new Map<string, number>();
    this.fresh = fresh;
    try {
      for (const node of nodes) {
        // Each page applied as it comes; the node's whole listing is kept only for the sweep.
        const groups: EciGroup[] = [];
        let listedAt = Date.now();
        for await (const page of this.o.provider.ownedPages(node)) {
          for (const g of page) present.add(g.containerGroupId);
          this.o.target.applyGroups(staleFiltered(page, fresh, listedAt));
          if (sweeping) groups.push(...page);
          listedAt = Date.now(); // the next page is asked for now
        }
        // A failed sweep is said and left for the next one; the listing itself got through.
        if (sweeping)
          await this.o
            .onFullList?.(groups, node)
            .catch((err: unknown) => this.o.log.warn({ err, node }, 'orphan sweep failed'));
      }
      if (sweeping) this.lastGc = now;
      this.o.target.markGone(before.filter((id) => !present.has(id) && !fresh.has(id)));
    } finally {
      if (this.fresh === fresh) this.fresh = undefined;
    }
  }

  /** One incremental poll; exported for tests and the benchmark. */
  async tick(): Promise<void> {
    this.ticks++;
    const now = Date.now();
    // The first window starts now: what changed before it, the first full listing brings.
    if (this.lastPoll === 0) this.lastPoll = now;
    // Taken before any call: ids flagged during this tick stay for the next one, and a
    // failed tick clears nothing.
    const dirty = this.o.target.dirtyIds();
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
    const gone = [...wanted].filter((id) => !present.has(id));
    // A listing under way must not overwrite what this tick saw (staleFiltered).
    for (const id of wanted) this.fresh?.set(id, now);
    this.o.target.applyGroups(found);
    this.o.target.markGone(gone);
  }
}
