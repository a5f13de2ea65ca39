// The node's figures, fetched from ECI at most once per interval however many scrapers ask:
// askers within the interval get the cached snapshot (or the cached failure), askers during a
// fetch share it. One fetch is DescribeMultiContainerGroupMetric over the measured groups, 20
// ids per call (the API's limit), a few calls at a time. Memory is bounded by the pods on the
// node: one snapshot and one counter value per pod, nothing kept of pods that left.
import type { Logger } from 'pino';
import { classifyEciError, describeEciError } from '../../provider/eci-errors.ts';
import { samplesOf } from './eci-sample.ts';
import { buildSnapshot, EMPTY_COUNTER, type NodeCpuCounter, type Snapshot } from './snapshot.ts';
import type { MetricsTarget } from './targets.ts';

/** Ids per DescribeMultiContainerGroupMetric call: the API takes at most 20. */
export const ECI_METRIC_IDS_PER_CALL = 20;

export interface MetricsSourceOptions {
  nodeName: string;
  /** The groups to measure now (targets.ts). */
  targets: () => MetricsTarget[];
  /** One DescribeMultiContainerGroupMetric call: its MonitorDatas. */
  fetch: (groupIds: string[]) => Promise<readonly unknown[]>;
  /** A snapshot (or a failure) is served this long before ECI is asked again. */
  intervalMs: number;
  /** Calls in flight at once during one fetch. */
  parallelCalls?: number;
  /** Told of every fetch: how many calls failed out of how many, and how long it took. */
  onFetch?: (calls: number, failed: number, ms: number) => void;
  log: Logger;
  now?: () => number;
}

type Cached = { at: number; snapshot: Snapshot } | { at: number; error: Error };

export class MetricsSource {
  private readonly o: MetricsSourceOptions;
  private readonly now: () => number;
  private readonly startMs: number;
  private counter: NodeCpuCounter = EMPTY_COUNTER;
  private cached: Cached | undefined;
  private inFlight: Promise<Snapshot> | undefined;

  constructor(options: MetricsSourceOptions) {
    this.o = options;
    this.now = options.now ?? Date.now;
    this.startMs = this.now();
  }

  /** The current snapshot; rejects when no ECI call of the last fetch got through. */
  snapshot(): Promise<Snapshot> {
    const c = this.cached;
    if (c && this.now() - c.at < this.o.intervalMs) {
      return 'snapshot' in c ? Promise.resolve(c.snapshot) : Promise.reject(c.error);
    }
    this.inFlight ??= this.refresh().finally(() => (this.inFlight = undefined));
    return this.inFlight;
  }

  private async refresh(): Promise<Snapshot> {
    const started = this.now();
    const targets = this.o.targets();
    const ids = [...new Set(targets.map((t) => t.groupId))];
    const batches: string[][] = [];
    for (let i = 0; i < ids.length; i += ECI_METRIC_IDS_PER_CALL) {
      batches.push(ids.slice(i, i + ECI_METRIC_IDS_PER_CALL));
    }
    const answers: unknown[] = [];
    let failed = 0;
    let lastError: unknown;
    let next = 0;
    const worker = async () => {
      while (next < batches.length) {
        const batch = batches[next++]!;
        try {
          answers.push(...(await this.o.fetch(batch)));
        } catch (err) {
          failed++;
          lastError = err;
        }
      }
    };
    const parallel = Math.max(1, Math.min(this.o.parallelCalls ?? 4, batches.length));
    await Promise.all(Array.from({ length: parallel }, worker));
    this.o.onFetch?.(batches.length, failed, this.now() - started);

    if (failed > 0) {
      this.o.log.warn(
        { err: lastError, failed, calls: batches.length },
        'node metrics: DescribeMultiContainerGroupMetric failed',
      );
    }
    if (batches.length > 0 && failed === batches.length) {
      const error = new Error(
        `reading the container groups' metrics from ECI failed: ${describeEciError(classifyEciError(lastError))}`,
      );
      this.cached = { at: this.now(), error };
      throw error;
    }
    const { samples, unreadable } = samplesOf(answers);
    if (unreadable > 0)
      this.o.log.warn({ unreadable }, 'node metrics: ECI metric records without a usable time');
    const built = buildSnapshot({
      nodeName: this.o.nodeName,
      nodeStartMs: this.startMs,
      nowMs: this.now(),
      targets,
      samples,
      counter: this.counter,
      errors: failed + unreadable,
    });
    this.counter = built.counter;
    this.cached = { at: this.now(), snapshot: built.snapshot };
    return built.snapshot;
  }
}
