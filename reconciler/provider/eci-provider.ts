// The ECI provider: the cloud side of the reconciler, with no Kubernetes API at all. It
// creates container groups (paced by the create token bucket and a concurrency cap, both
// answered as "come back later" so no controller worker waits), deletes them, finds them
// by ownership tag, reads logs, and keeps a health summary of its last calls. The request
// itself is built by the translation (reconciler/translate.ts), final for the attempt.
import type { Logger } from 'pino';
import { classifyEciError, describeEciError, type ClassifiedEciError } from './eci-errors.ts';
import type { $Eci, Eci, EciGroup } from './eci-client.ts';
import { type TokenBucket } from '../workqueue.ts';
import { backoffDelay } from '../../shared/backoff.ts';
import { ownershipFilter, parseOwner, TAG_KEYS, type Owner } from '../ownership.ts';
import type { CreateAttempts } from '../tracker.ts';

/** Retry delays of a failed create: 1 s doubling to 5 min. */
const CREATE_RETRY_BASE_MS = 1000;
const CREATE_RETRY_MAX_MS = 300_000;
/** A pod told to wait for a free create slot comes back after this long at the latest. */
export const SLOT_WAIT_FALLBACK_MS = 5000;

/** The delay before create retry number `failures` (1-based: after the first failure, 1 s). */
export function createRetryDelay(failures: number): number {
  return backoffDelay(failures - 1, CREATE_RETRY_BASE_MS, CREATE_RETRY_MAX_MS);
}

export type CreateOutcome =
  | { kind: 'created'; id: string; requestId?: string; spec?: string; adopted?: boolean }
  /** Try again in `ms`: the quota (no error) or an ECI error worth retrying. */
  | {
      kind: 'retryAfter';
      ms: number;
      reason: 'quota' | ClassifiedEciError['category'];
      error?: ClassifiedEciError;
    }
  /** Every create slot is busy: the pod is woken when one frees. */
  | { kind: 'waiting'; reason: string }
  /** ECI refused the request itself; retrying the same request fails the same way. */
  | { kind: 'terminal'; code: string; message: string; retryInMs: number; error?: ClassifiedEciError }
  /** `request()` returned nothing: the caller stopped the attempt (and said why itself). */
  | { kind: 'cancelled' };

export interface CreateInput {
  owner: Owner;
  /** Per-pod attempt state, kept by the caller (the tracker) and updated here. */
  attempts: CreateAttempts;
  /**
   * Builds the final request once a slot is held, given the NoStock answers so far (the
   * vSwitch order of this attempt); undefined cancels the attempt.
   */
  request: (noStockAttempts: number) => Promise<$Eci.CreateContainerGroupRequest | undefined>;
}

export interface ProviderHealth {
  ok: boolean;
  /** CamelCase: ProviderReady, CredentialsRejected, ProviderUnreachable or ProviderServerError. */
  reason: string;
  /** The ECI error code of the last failed call ('' when ok). */
  code: string;
  message: string;
  /** When `ok` last changed (ms). */
  since: number;
}

const HEALTHY = { ok: true, reason: 'ProviderReady', code: '', message: '' } as const;

export interface LogQuery {
  containerGroupId: string;
  container: string;
  tail?: number;
  sinceSeconds?: number;
  limitBytes?: number;
  timestamps?: boolean;
  previous?: boolean;
}

export interface DeleteOptions {
  force?: boolean;
}

/** What the pod controller asks of the cloud (an in-memory fake implements it in unit tests). */
export interface Provider {
  create(input: CreateInput): Promise<CreateOutcome>;
  /**
   * 'gone' when ECI no longer had it; throws the SDK error otherwise. `force`: ECI stops the
   * group at once, without waiting out its grace period (docs/eci-api.md, "Deleting a group").
   */
  delete(id: string, options?: DeleteOptions): Promise<'deleted' | 'gone'>;
  /** The group by id with its events; undefined when ECI does not know it. */
  describe(id: string): Promise<EciGroup | undefined>;
  /** Every group this cluster's ownership tag names (with `node`: only that virtual node's). */
  listOwned(node?: string): Promise<EciGroup[]>;
  readLog(q: LogQuery): Promise<string>;
  health(): ProviderHealth;
  /** UpdateContainerGroup (reconciler/update/); optional so fakes without it need no stub. */
  update?(request: $Eci.UpdateContainerGroupRequest): Promise<void>;
}

export interface EciProviderOptions {
  eci: Eci;
  clusterId: string;
  /** Paces CreateContainerGroup to the account's quota so creates are not throttled. */
  createBucket: TokenBucket;
  /** CreateContainerGroup calls in flight at most. */
  createConcurrency: number;
  /** Wakes a pod told to wait for a create slot. */
  wake: (podUid: string) => void;
  log: Logger;
  now?: () => number;
}

/** Errors that say ECI itself is unusable (not that one request was wrong), as node condition reasons. */
const UNHEALTHY: Partial<Record<ClassifiedEciError['category'], string>> = {
  auth: 'CredentialsRejected',
  network: 'ProviderUnreachable',
  server: 'ProviderServerError',
};

export class EciProvider implements Provider {
  private readonly o: EciProviderOptions;
  private readonly now: () => number;
  private inFlight = 0;
  private readonly slotWaiters = new Set<string>();
  private state: ProviderHealth;

  constructor(options: EciProviderOptions) {
    this.o = options;
    this.now = options.now ?? Date.now;
    this.state = { ...HEALTHY, since: this.now() };
  }

  health(): ProviderHealth {
    return { ...this.state };
  }

  /** Every ECI call goes through here, so health reflects the latest answer. */
  async call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      const result = await fn();
      if (!this.state.ok) this.state = { ...HEALTHY, since: this.now() };
      return result;
    } catch (err) {
      const e = classifyEciError(err);
      const reason = UNHEALTHY[e.category];
      if (reason) {
        const since = this.state.ok ? this.now() : this.state.since;
        this.state = { ok: false, reason, code: e.code, message: describeEciError(e), since };
      } else if (!this.state.ok) {
        // ECI answered (even a refusal of one request): reachable and the key accepted.
        this.state = { ...HEALTHY, since: this.now() };
      }
      throw err;
    }
  }

  async create(input: CreateInput): Promise<CreateOutcome> {
    const { owner, attempts } = input;
    const uid = owner.podUid;
    // A reserved slot of the quota, in the future: come back when it is due. A token taken now
    // is remembered too: a pod that then waits for a free create slot must not take another.
    if (attempts.slotDueAt === undefined) {
      const wait = this.o.createBucket.reserve();
      attempts.slotDueAt = this.now() + wait;
      if (wait > 0) return { kind: 'retryAfter', ms: wait, reason: 'quota' };
    } else if (attempts.slotDueAt > this.now()) {
      return { kind: 'retryAfter', ms: attempts.slotDueAt - this.now(), reason: 'quota' };
    }
    if (this.inFlight >= this.o.createConcurrency) {
      this.slotWaiters.add(uid);
      return { kind: 'waiting', reason: 'every create slot is busy' };
    }
    attempts.slotDueAt = undefined;
    this.slotWaiters.delete(uid);
    this.inFlight++;
    try {
      const request = await input.request(attempts.noStock);
      if (!request) return { kind: 'cancelled' };
      let created: { containerGroupId: string; requestId: string };
      try {
        created = await this.call(() => this.o.eci.createContainerGroup(request));
      } catch (err) {
        return await this.createFailed(err, owner, attempts);
      }
      attempts.noStock = 0;
      attempts.failures = 0;
      const spec =
        request.instanceType ||
        (request.cpu !== undefined ? `${request.cpu}-${request.memory}Gi` : undefined);
      return { kind: 'created', id: created.containerGroupId, requestId: created.requestId, spec };
    } finally {
      this.inFlight--;
      this.wakeNextWaiter();
    }
  }

  private wakeNextWaiter(): void {
    const next = this.slotWaiters.values().next();
    if (next.done) return;
    this.slotWaiters.delete(next.value);
    this.o.wake(next.value);
  }

  private async createFailed(err: unknown, owner: Owner, attempts: CreateAttempts): Promise<CreateOutcome> {
    const e = classifyEciError(err);
    if (e.category === 'conflict') {
      // IdempotentParameterMismatch: a group for this pod may exist already (same ClientToken).
      const g = await this.findOwned(owner.podUid).catch(() => undefined);
      if (g?.containerGroupId) {
        attempts.failures = 0;
        return { kind: 'created', id: g.containerGroupId, adopted: true };
      }
    }
    attempts.failures++;
    const ms = createRetryDelay(attempts.failures);
    if (e.retryable) {
      if (e.category === 'no-stock') attempts.noStock++;
      return { kind: 'retryAfter', ms, reason: e.category, error: e };
    }
    return { kind: 'terminal', code: e.code, message: describeEciError(e), retryInMs: ms, error: e };
  }

  /** The group tagged with this cluster and this pod UID, if any. */
  async findOwned(podUid: string): Promise<EciGroup | undefined> {
    const tags = [...ownershipFilter(this.o.clusterId), { key: TAG_KEYS.podUid, value: podUid }];
    const groups = await this.call(() => this.o.eci.listContainerGroups(tags, 20));
    return groups.find((g) => g.containerGroupId && parseOwner(g.tags)?.podUid === podUid);
  }

  async delete(id: string, options: DeleteOptions = {}): Promise<'deleted' | 'gone'> {
    try {
      await this.call(() => this.o.eci.deleteContainerGroup(id, options));
      return 'deleted';
    } catch (err) {
      if (classifyEciError(err).category === 'not-found') return 'gone';
      throw err;
    }
  }

  async describe(id: string): Promise<EciGroup | undefined> {
    const page = await this.call(() => this.o.eci.describeContainerGroups({ ids: [id], withEvent: true }));
    return page.groups.find((g) => g.containerGroupId === id);
  }

  /** One page of up to 20 groups by id, with events (the poller's batch). */
  async describeMany(ids: string[]): Promise<EciGroup[]> {
    const page = await this.call(() =>
      this.o.eci.describeContainerGroups({ ids, withEvent: true, limit: ids.length }),
    );
    return page.groups;
  }

  listOwned(node?: string): Promise<EciGroup[]> {
    return this.call(() => this.o.eci.listContainerGroups(ownershipFilter(this.o.clusterId, node), 20));
  }

  /** The pages of this cluster's groups (one node's, by its tag), each as it arrives: the poller's full listing. */
  async *ownedPages(node?: string): AsyncGenerator<EciGroup[], void, undefined> {
    const pages = this.o.eci.containerGroupPages(ownershipFilter(this.o.clusterId, node), 20);
    for (;;) {
      const page = await this.call(() => pages.next());
      if (page.done) return;
      yield page.value;
    }
  }

  /** Ids of this cluster's groups whose status changed in the last `seconds`. */
  changedSince(seconds: number): Promise<{ id: string; status: string }[]> {
    return this.call(() => this.o.eci.changedSince(seconds, ownershipFilter(this.o.clusterId), 500));
  }

  update(request: $Eci.UpdateContainerGroupRequest): Promise<void> {
    return this.call(() => this.o.eci.updateContainerGroup(request));
  }

  /** ExecContainerCommand: the WebSocket URI of a command started in a container (the kubelet API's exec). */
  exec(q: Parameters<Eci['execCommand']>[0]): Promise<string> {
    return this.call(() => this.o.eci.execCommand(q));
  }

  /** DescribeMultiContainerGroupMetric for up to 20 groups (the node's /stats/summary and /metrics/resource). */
  groupMetrics(ids: string[]): Promise<readonly unknown[]> {
    return this.call(() => this.o.eci.groupMetrics(ids));
  }

  async readLog(q: LogQuery): Promise<string> {
    try {
      return await this.call(() =>
        this.o.eci.containerLog({
          containerGroupId: q.containerGroupId,
          containerName: q.container,
          tail: q.tail,
          sinceSeconds: q.sinceSeconds,
          limitBytes: q.limitBytes,
          timestamps: q.timestamps,
          previous: q.previous,
        }),
      );
    } catch (err) {
      const e = classifyEciError(err);
      if (e.category !== 'not-found' || e.code === 'InvalidContainer.NotFound') throw err;
      // ECI purges finished groups after a while; say so rather than a bare NotFound.
      throw Object.assign(
        new Error(
          `container group ${q.containerGroupId} no longer exists in ECI (finished groups are purged after a while); its logs are gone`,
        ),
        { code: e.code, statusCode: e.statusCode ?? 404, data: { RequestId: e.requestId } },
      );
    }
  }
}
