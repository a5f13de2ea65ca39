// One period of the PrivateZone sync being on (sync.ts switches it): the zone set-up,
// the watches on Services and EndpointSlices, the record cache and the passes that write
// the diff under a token bucket.
import { CoreV1Api, DiscoveryV1Api, type V1EndpointSlice, type V1Service } from '@kubernetes/client-node';
import type { Counter } from 'prom-client';
import { EciCallError } from '../provider/eci-errors.ts';
import { watchObjects } from '../../shared/profile-watcher.ts';
import { TokenBucket } from '../workqueue.ts';
import { backoffDelay } from '../../shared/backoff.ts';
import type { PvtzClient, ZoneRecord } from './client.ts';
import {
  diffRecords,
  OWNER_REMARK,
  ownedRecords,
  RECORD_TTL,
  serviceKey,
  sliceServiceKey,
  wantedRecords,
  type WantedRecord,
} from './records.ts';
import { ServiceEvents } from './service-events.ts';
import type { PrivateZoneSettings, PrivateZoneSyncOptions } from './sync.ts';
import { ensureZone } from './zone.ts';

const WRITE_CONCURRENCY = 4;
const WRITE_ATTEMPTS = 5;
const RETRY_PASS_MS = 5_000;
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class Run {
  settings: PrivateZoneSettings;
  zoneId: string | undefined;
  private readonly o: PrivateZoneSyncOptions;
  private readonly client: PvtzClient;
  private readonly writes: Counter<'operation' | 'outcome'>;
  private readonly services = new Map<string, V1Service>();
  private readonly slices = new Map<string, V1EndpointSlice>();
  /** The zone's records as last read or written, by RecordId. */
  private records = new Map<number, ZoneRecord>();
  private readonly bucket: TokenBucket;
  private readonly events: ServiceEvents;
  private readonly stops: (() => Promise<void>)[] = [];
  private stopped = false;
  private ready = false;
  private timer: NodeJS.Timeout | undefined;
  private timerDue = 0;
  private resync: NodeJS.Timeout | undefined;
  private passing: Promise<void> | undefined;
  private again = false;
  private reload = false;

  constructor(
    o: PrivateZoneSyncOptions,
    client: PvtzClient,
    settings: PrivateZoneSettings,
    writes: Counter<'operation' | 'outcome'>,
  ) {
    this.o = o;
    this.client = client;
    this.settings = settings;
    this.writes = writes;
    this.bucket = new TokenBucket(o.writeQps ?? 20, o.writeBurst ?? 20);
    this.events = new ServiceEvents(
      o.kc.makeApiClient(CoreV1Api),
      o.log,
      (k) => this.services.get(k)?.metadata?.uid,
    );
  }

  start(): void {
    const core = this.o.kc.makeApiClient(CoreV1Api);
    const discovery = this.o.kc.makeApiClient(DiscoveryV1Api);
    const track = <T extends V1Service | V1EndpointSlice>(map: Map<string, T>) => ({
      onAdd: (x: T) => this.changed(map.set(serviceKey(x), x)),
      onUpdate: (x: T) => this.changed(map.set(serviceKey(x), x)),
      onDelete: (x: T) => this.changed(map.delete(serviceKey(x))),
    });
    const services = watchObjects<V1Service>({
      kubeConfig: this.o.kc,
      logger: this.o.log,
      path: '/api/v1/services',
      list: () => core.listServiceForAllNamespaces(),
      what: 'Services (PrivateZone)',
      ...track(this.services),
    });
    const slices = watchObjects<V1EndpointSlice>({
      kubeConfig: this.o.kc,
      logger: this.o.log,
      path: '/apis/discovery.k8s.io/v1/endpointslices',
      list: () => discovery.listEndpointSliceForAllNamespaces(),
      what: 'EndpointSlices (PrivateZone)',
      ...track(this.slices),
    });
    this.stops.push(
      () => services.stop(),
      () => slices.stop(),
    );
    void Promise.all([services.synced, slices.synced, this.setUp()]).then(() => {
      if (this.stopped) return;
      this.ready = true;
      this.schedule(0);
      const resyncMs = this.o.resyncMs ?? 30 * 60_000;
      this.resync = setInterval(() => {
        this.reload = true;
        this.schedule(0);
      }, resyncMs);
      this.resync.unref();
    });
  }

  /** The zone and its records, retried with backoff until it works or the run stops. */
  private async setUp(): Promise<void> {
    for (let failures = 0; !this.stopped; failures++) {
      try {
        this.zoneId = await ensureZone(this.client, { ...this.o, vpcId: this.settings.vpcId });
        await this.loadRecords();
        return;
      } catch (err) {
        const ms = backoffDelay(failures, 1000, 60_000);
        this.o.log.warn({ err, retryInMs: ms }, 'PrivateZone zone set-up failed');
        await sleep(ms);
      }
    }
  }

  private async loadRecords(): Promise<void> {
    const all = await this.client.listRecords(this.zoneId!);
    this.records = new Map(all.map((r) => [r.recordId, r]));
    this.reload = false;
  }

  /** The records read again; a zone deleted meanwhile (by hand) is found or created again first. */
  private async reloadZone(): Promise<void> {
    try {
      await this.loadRecords();
    } catch (err) {
      if (EciCallError.from('DescribeZoneRecords', err).code !== 'Zone.NotExists') throw err;
      this.o.log.warn('the PrivateZone zone is gone; creating it again');
      this.zoneId = await ensureZone(this.client, { ...this.o, vpcId: this.settings.vpcId });
      await this.loadRecords();
    }
  }

  private changed(_: unknown): void {
    if (this.ready) this.schedule(this.o.debounceMs ?? 200);
  }

  schedule(ms: number): void {
    if (this.stopped || !this.ready) return;
    if (this.passing) {
      this.again = true;
      return;
    }
    // A pending pass that is due as soon is kept: a stream of changes cannot postpone it forever.
    const due = Date.now() + ms;
    if (this.timer && this.timerDue <= due) return;
    clearTimeout(this.timer);
    this.timerDue = due;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.passing = this.pass().then((ok) => {
        this.passing = undefined;
        // Changes that came during the pass get their own; a failed pass is retried later, not at once.
        if (this.again) {
          this.again = false;
          this.schedule(this.o.debounceMs ?? 200);
        } else if (!ok) this.schedule(RETRY_PASS_MS);
      });
    }, ms);
  }

  async idle(): Promise<void> {
    while (!this.stopped && (!this.ready || this.timer || this.passing)) {
      await (this.passing ?? sleep(20));
    }
  }

  /** One diff-and-write pass; false when something failed. */
  private async pass(): Promise<boolean> {
    let failed: boolean;
    try {
      if (this.reload) await this.reloadZone();
      const index = new Map<string, V1EndpointSlice[]>();
      for (const s of this.slices.values()) {
        const key = sliceServiceKey(s);
        if (key) index.set(key, [...(index.get(key) ?? []), s]);
      }
      const wanted = wantedRecords(
        this.services.values(),
        (k) => index.get(k) ?? [],
        this.settings.allServices,
      );
      const { add, remove } = diffRecords(wanted, [...this.records.values()]);
      const outcomes = await this.writeAll([
        ...remove.map((r) => () => this.remove(r)),
        ...add.map((r) => () => this.add(r)),
      ]);
      failed = outcomes.includes(false);
      if (!failed) for (const r of wanted) this.events.cleared(r.service);
    } catch (err) {
      failed = true;
      this.reload = true;
      this.o.log.warn({ err }, 'PrivateZone pass failed');
    }
    return !failed;
  }

  /** Runs the writes a few at a time; each resolves true when it succeeded. */
  private async writeAll(jobs: (() => Promise<boolean>)[]): Promise<boolean[]> {
    const out: boolean[] = [];
    let next = 0;
    const worker = async () => {
      while (next < jobs.length && !this.stopped) out.push(await jobs[next++]!());
    };
    await Promise.all(Array.from({ length: WRITE_CONCURRENCY }, worker));
    return out;
  }

  private async add(r: WantedRecord): Promise<boolean> {
    const result = await this.write('add', r.service, () =>
      this.client.addRecord(this.zoneId!, { ...r, ttl: RECORD_TTL, remark: OWNER_REMARK }),
    );
    if (!('value' in result)) return false;
    const id = result.value;
    this.records.set(id, {
      recordId: id,
      rr: r.rr,
      type: r.type,
      value: r.value,
      ttl: RECORD_TTL,
      remark: OWNER_REMARK,
    });
    return true;
  }

  private async remove(r: ZoneRecord): Promise<boolean> {
    const result = await this.write('delete', '', () => this.client.deleteRecord(r.recordId));
    // Already gone (deleted by hand): the cache catches up.
    const gone = 'value' in result || result.code === 'Record.NotExists';
    if (gone) this.records.delete(r.recordId);
    return gone;
  }

  /** One write under the token bucket, retried while PrivateZone says retry (throttling, busy, 5xx). */
  private async write<T>(
    operation: 'add' | 'delete',
    service: string,
    fn: () => Promise<T>,
  ): Promise<{ value: T } | { code: string }> {
    for (let attempt = 0; ; attempt++) {
      const wait = this.bucket.reserve();
      if (wait > 0) await sleep(wait);
      if (this.stopped) return { code: 'Stopped' };
      try {
        const value = await fn();
        this.writes.inc({ operation, outcome: 'ok' });
        return { value };
      } catch (err) {
        const e = EciCallError.from(operation, err);
        if (e.retryable && attempt + 1 < WRITE_ATTEMPTS) {
          await sleep(backoffDelay(attempt, 500, 10_000));
          continue;
        }
        this.writes.inc({ operation, outcome: e.code });
        if (operation === 'delete' && e.code === 'Record.NotExists') return { code: e.code };
        // A conflict or a lost write leaves the cache stale: the next pass reads the zone again.
        this.reload = true;
        this.o.log.warn({ err: e, service }, `PrivateZone record ${operation} failed`);
        if (service)
          this.events.failed(service, e.code, `PrivateZone record ${operation} failed: ${e.message}`);
        return { code: e.code };
      }
    }
  }

  async stop(removeRecords: boolean): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    clearInterval(this.resync);
    for (const stop of this.stops) await stop().catch(() => {});
    await this.passing;
    if (!removeRecords || !this.zoneId) return;
    // Off with removal: every record we wrote goes, read fresh from the zone.
    const ours = ownedRecords(await this.client.listRecords(this.zoneId));
    for (const r of ours) {
      const wait = this.bucket.reserve();
      if (wait > 0) await sleep(wait);
      await this.client
        .deleteRecord(r.recordId)
        .catch((err: unknown) => this.o.log.warn({ err }, 'PrivateZone record delete failed'));
    }
  }
}
