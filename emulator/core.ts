// Shared state and services every action handler works with: the state, the
// clock, idempotency, IP allocation, zone stock and call counters.
import { createHash, randomBytes } from 'node:crypto';
import type { Logger } from '../shared/logger.ts';
import { Errors } from './errors.ts';
import { advance } from './lifecycle.ts';
import { emptyState, type ContainerGroup, type EmulatorState } from './model.ts';
import type { EmulatorOptions, VSwitchConfig } from './options.ts';
import type { ProcessRuntime } from './process/runtime.ts';

/** How long a ClientToken is remembered (the real service documents it as valid for a day). */
export const CLIENT_TOKEN_TTL_MS = 24 * 60 * 60 * 1000;

export type StockMode = 'reject' | 'schedule-failed';

export interface ExecSession {
  token: string;
  containerGroupId: string;
  containerName: string;
  command: string[];
  /** The caller asked for stdin (process mode keeps the command's stdin open). */
  stdin: boolean;
  expiresAt: number;
}

export class EmulatorCore {
  readonly opts: EmulatorOptions;
  readonly log: Logger;
  state: EmulatorState = emptyState();
  readonly calls = new Map<string, number>();
  /** Zones marked out of stock and how creates there fail. */
  readonly outOfStock = new Map<string, StockMode>();
  readonly execSessions = new Map<string, ExecSession>();
  private readonly clock: () => number;
  /** Set in process mode: runs containers as real processes (emulator/process/). */
  processes: ProcessRuntime | undefined;
  /** Called after every state change (persistence). */
  onChange: () => void = () => {};

  constructor(opts: EmulatorOptions, log: Logger, clock: () => number = Date.now) {
    this.opts = opts;
    this.log = log;
    this.clock = clock;
  }

  now(): number {
    return this.clock();
  }

  countCall(action: string): void {
    this.calls.set(action, (this.calls.get(action) ?? 0) + 1);
  }

  changed(): void {
    this.onChange();
    // Process mode reacts at once (a create, a delete) instead of on its next tick.
    this.processes?.poke();
  }

  /** The group, advanced to now; NotFound when it does not exist (or just went away). */
  group(id: string | undefined): ContainerGroup {
    if (!id) throw Errors.missingParameter('ContainerGroupId');
    const g = this.state.groups[id];
    if (!g) throw Errors.containerGroupNotFound();
    if (advance(g, this.now(), this.opts.timing).removed) {
      delete this.state.groups[id];
      this.changed();
      throw Errors.containerGroupNotFound();
    }
    return g;
  }

  /** Every group, advanced to now, gone ones purged. Newest first. */
  groups(): ContainerGroup[] {
    const now = this.now();
    const out: ContainerGroup[] = [];
    let removed = false;
    for (const [id, g] of Object.entries(this.state.groups)) {
      if (advance(g, now, this.opts.timing).removed) {
        delete this.state.groups[id];
        removed = true;
      } else {
        out.push(g);
      }
    }
    if (removed) this.changed();
    return out.sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  /** The named groups that exist, advanced to now (cheaper than groups() for id filters). */
  groupsByIds(ids: readonly string[]): ContainerGroup[] {
    const out: ContainerGroup[] = [];
    for (const id of new Set(ids)) {
      if (!this.state.groups[id]) continue;
      try {
        out.push(this.group(id));
      } catch {
        // went away while advancing
      }
    }
    return out.sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  vSwitch(id: string): VSwitchConfig | undefined {
    return this.opts.vSwitches.find((v) => v.vSwitchId === id);
  }

  checkRegion(regionId: string | undefined): string {
    const r = regionId || this.opts.regionId;
    if (r !== this.opts.regionId) throw Errors.regionNotFound(r);
    return r;
  }

  allocateIp(vsw: VSwitchConfig): string {
    const [base, bitsText] = vsw.cidr.split('/') as [string, string];
    const bits = Number(bitsText);
    const baseInt = base.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
    const size = 2 ** (32 - bits);
    const cursor = this.state.ipCursor[vsw.vSwitchId] ?? 0;
    this.state.ipCursor[vsw.vSwitchId] = cursor + 1;
    // Skip the network address and the vSwitch gateway (.1), wrap before broadcast.
    const offset = 2 + (cursor % Math.max(1, size - 3));
    const ip = baseInt + offset;
    return [24, 16, 8, 0].map((s) => (ip >>> s) & 255).join('.');
  }

  /**
   * ClientToken idempotency: the same token with the same parameters returns
   * the first answer; with different parameters it is IdempotentParameterMismatch.
   */
  idempotent<T extends Record<string, unknown>>(
    action: string,
    token: string | undefined,
    params: Record<string, string>,
    run: () => T,
  ): T {
    if (!token) return run();
    const key = `${action}\n${token}`;
    const { ClientToken: _t, RegionId: _r, ...rest } = params;
    const hash = createHash('sha256')
      .update(
        JSON.stringify(
          Object.keys(rest)
            .sort()
            .map((k) => [k, rest[k]]),
        ),
      )
      .digest('hex');
    const now = this.now();
    const seen = this.state.clientTokens[key];
    if (seen && now - seen.at < CLIENT_TOKEN_TTL_MS) {
      if (seen.hash !== hash) throw Errors.idempotentMismatch();
      return seen.result as T;
    }
    const result = run();
    this.pruneTokens(now);
    this.state.clientTokens[key] = { hash, result, at: now };
    return result;
  }

  private lastPrune = 0;

  /** Forgets expired tokens, at most once a minute. */
  private pruneTokens(now: number): void {
    if (now - this.lastPrune < 60_000) return;
    this.lastPrune = now;
    for (const [k, v] of Object.entries(this.state.clientTokens)) {
      if (now - v.at >= CLIENT_TOKEN_TTL_MS) delete this.state.clientTokens[k];
    }
  }

  reset(): void {
    this.state = emptyState();
    this.calls.clear();
    this.outOfStock.clear();
    this.execSessions.clear();
    this.changed();
  }
}

export function newId(prefix: string, length = 20): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  const bytes = randomBytes(length);
  let s = '';
  for (const b of bytes) s += alphabet[b % alphabet.length];
  return `${prefix}-${s}`;
}
