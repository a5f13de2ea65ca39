// PrivateZone service discovery as a replica runs it: only the leader syncs; the others keep
// the sync off without touching the records, so a change of leader never deletes them. The
// ECI Profile's enablePrivateZone switches it (hot) and the leadership hook re-applies it.
import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { eciEndpointOf, type Credentials, type ReconcilerConfig } from '../config.ts';
import { PrivateZoneSync, privateZoneEndpoint, settingsFromProfile } from '../privatezone/sync.ts';
import type { EciProfile } from '../../shared/profile.ts';

export interface LeaderPrivateZone {
  sync: PrivateZoneSync;
  /** Applies the profile's PrivateZone settings as this replica's leadership allows. */
  apply(profile: EciProfile): Promise<void>;
  /** The leadership changed: applies `profile` again under it. */
  lead(isLeader: boolean, profile: EciProfile): Promise<void>;
}

export function leaderPrivateZone(o: {
  kc: KubeConfig;
  config: ReconcilerConfig;
  credentials: Credentials;
  log: Logger;
  registry: Registry;
}): LeaderPrivateZone {
  const { config } = o;
  const { host, protocol } = privateZoneEndpoint(eciEndpointOf(config));
  const sync = new PrivateZoneSync({
    kc: o.kc,
    client: {
      endpoint: host,
      protocol,
      regionId: config.regionId,
      credentials: o.credentials,
      timeoutMs: config.eciTimeoutMs,
    },
    clusterId: config.clusterId,
    regionId: config.regionId,
    log: o.log,
    registry: o.registry,
  });
  let leading = false;
  const apply = (p: EciProfile) => {
    const wanted = settingsFromProfile(p);
    return sync.apply(leading ? wanted : { ...wanted, enabled: false, removeRecordsOnDisable: false });
  };
  return {
    sync,
    apply,
    lead: (isLeader, p) => {
      leading = isLeader;
      return apply(p);
    },
  };
}
