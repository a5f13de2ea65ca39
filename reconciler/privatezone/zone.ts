// The cluster's zone: found by exact name or created, then bound to the cluster VPC only
// when it is not bound yet. BindZoneVpc replaces the zone's whole VPC list, so the list
// sent keeps every VPC bound now (by others, or by hand), and a bound VPC is never sent again.
import type { Logger } from 'pino';
import type { PvtzClient } from './client.ts';
import { vpcsToBind, zoneNameFor } from './records.ts';

export async function ensureZone(
  client: PvtzClient,
  o: { clusterId: string; regionId: string; vpcId?: string; log: Logger },
): Promise<string> {
  const zoneName = zoneNameFor(o.clusterId);
  let zone = await client.findZone(zoneName);
  if (!zone) {
    try {
      // No ClientToken: zone names are unique, so a retried AddZone answers Zone.AlreadyExists
      // and the zone is found below; a fixed token would replay a zone deleted since.
      zone = await client.addZone(zoneName);
      o.log.info({ zone: zoneName, zoneId: zone.zoneId }, 'PrivateZone zone created');
    } catch (err) {
      // Created meanwhile (another replica, a retry after a lost answer): use that one.
      zone = await client.findZone(zoneName);
      if (!zone) throw err;
    }
  }
  if (!o.vpcId) {
    o.log.warn(
      { zone: zoneName },
      'the ECI Profile has no vpcId: the PrivateZone zone is not bound to a VPC, so nothing resolves its records',
    );
    return zone.zoneId;
  }
  const bound = await client.boundVpcs(zone.zoneId);
  const next = vpcsToBind(bound, { regionId: o.regionId, vpcId: o.vpcId });
  if (next) {
    await client.bindVpcs(zone.zoneId, next);
    o.log.info({ zone: zoneName, vpcId: o.vpcId, kept: bound.length }, 'PrivateZone zone bound to the VPC');
  }
  return zone.zoneId;
}
