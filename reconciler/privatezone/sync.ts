// PrivateZone service discovery (issue 14), switched by the ECI Profile's
// enablePrivateZone without a restart. While on: the zone is found or created and bound
// (zone.ts), the zone's records are read once (paged) into a cache, Services and
// EndpointSlices are watched, and every change runs a pass: the pure diff of wanted vs
// cached records (records.ts), written under a token bucket, retried on throttling.
// Nothing changes → no API call at all; the records are re-read only every `resyncMs`,
// to heal drift. Off: the watches stop and, per the profile, our records stay or go.
// Runs on the single replica for now (the replicas issue will give it to the leader).
import { Counter, type Registry } from 'prom-client';
import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { Credentials } from '../config.ts';
import type { EciProfile } from '../../shared/profile.ts';
import { PvtzClient, type PvtzClientOptions } from './client.ts';
import { Run } from './run.ts';

export interface PrivateZoneSettings {
  enabled: boolean;
  vpcId?: string;
  allServices: boolean;
  removeRecordsOnDisable: boolean;
}

export const settingsFromProfile = (p: EciProfile): PrivateZoneSettings => ({
  enabled: p.enablePrivateZone,
  vpcId: p.vpcId,
  allServices: p.privateZoneAllServices,
  removeRecordsOnDisable: p.privateZoneRemoveRecordsOnDisable,
});

export interface PrivateZoneSyncOptions {
  kc: KubeConfig;
  client: Omit<PvtzClientOptions, 'onCall'>;
  clusterId: string;
  regionId: string;
  log: Logger;
  registry?: Registry;
  /** Record writes per second and burst (PrivateZone throttles per account). */
  writeQps?: number;
  writeBurst?: number;
  /** How long changes are gathered before a pass. */
  debounceMs?: number;
  /** How often the zone's records are re-read to heal drift. */
  resyncMs?: number;
}

export class PrivateZoneSync {
  private readonly o: PrivateZoneSyncOptions;
  readonly client: PvtzClient;
  private readonly writes: Counter<'operation' | 'outcome'>;
  private settings: PrivateZoneSettings = {
    enabled: false,
    allServices: false,
    removeRecordsOnDisable: false,
  };
  private run: Run | undefined;
  private transitions: Promise<void> = Promise.resolve();

  constructor(o: PrivateZoneSyncOptions) {
    this.o = o;
    const calls = new Counter({
      name: 'privatezone_api_calls_total',
      help: 'PrivateZone API calls by action and outcome (ok or the error code)',
      labelNames: ['action', 'outcome'],
      registers: o.registry ? [o.registry] : [],
    });
    this.writes = new Counter({
      name: 'privatezone_record_writes_total',
      help: 'PrivateZone record writes by operation (add, delete) and outcome',
      labelNames: ['operation', 'outcome'],
      registers: o.registry ? [o.registry] : [],
    });
    this.client = new PvtzClient({
      ...o.client,
      onCall: (action, outcome) => calls.inc({ action, outcome }),
    });
  }

  setCredentials(credentials: Credentials): void {
    this.client.setCredentials(credentials);
  }

  /** Applies the profile's settings: starts, re-syncs or stops the sync, one change at a time. */
  apply(next: PrivateZoneSettings): Promise<void> {
    this.transitions = this.transitions
      .then(() => this.transition(next))
      .catch((err: unknown) => {
        this.o.log.warn({ err }, 'PrivateZone sync: settings change failed');
      });
    return this.transitions;
  }

  private async transition(next: PrivateZoneSettings): Promise<void> {
    const prev = this.settings;
    this.settings = next;
    if (!next.enabled) {
      if (!this.run) return;
      const run = this.run;
      this.run = undefined;
      await run.stop(next.removeRecordsOnDisable);
      this.o.log.info({ removed: next.removeRecordsOnDisable }, 'PrivateZone sync stopped');
      return;
    }
    if (this.run && prev.vpcId === next.vpcId) {
      this.run.settings = next;
      this.run.schedule(0);
      return;
    }
    await this.run?.stop(false);
    this.run = new Run(this.o, this.client, next, this.writes);
    this.run.start();
    this.o.log.info({ allServices: next.allServices }, 'PrivateZone sync started');
  }

  /** The zone id while the sync is on and set up (tests, status). */
  get zoneId(): string | undefined {
    return this.run?.zoneId;
  }

  /** Resolves when the running sync has no pass pending (tests). */
  idle(): Promise<void> {
    return this.run?.idle() ?? Promise.resolve();
  }

  async stop(): Promise<void> {
    await this.transitions;
    await this.run?.stop(false);
    this.run = undefined;
  }
}

/**
 * PrivateZone has one global endpoint. An ECI endpoint outside aliyuncs.com (the emulator,
 * a proxy) is taken to serve PrivateZone too.
 */
export function privateZoneEndpoint(eci: { host: string; protocol: 'http' | 'https' }): {
  host: string;
  protocol: 'http' | 'https';
} {
  return eci.host.endsWith('.aliyuncs.com') ? { host: 'pvtz.aliyuncs.com', protocol: 'https' } : eci;
}
