// Pure: which PrivateZone records the cluster's Services call for, and the writes that
// turn the zone's records into them. A record is ours only when its Remark is
// OWNER_REMARK: records anyone else wrote are never updated or deleted, and a value
// someone else already publishes is not added twice.
//
// Records follow ACK's PrivateZone service discovery
// (https://www.alibabacloud.com/help/en/ack/ack-managed-and-ack-dedicated/user-guide/use-alibaba-cloud-dns-privatezone-to-implement-service-discovery-on-virtual-nodes):
// RR `<service>.<namespace>` in zone `svc.cluster.local.<clusterId>`; a ClusterIP Service
// → its ClusterIP(s); a headless Service → its ready endpoint addresses; an intranet
// LoadBalancer → its ingress IPs (its ClusterIP until it has some).
import { isIPv4, isIPv6 } from 'node:net';
import type { V1EndpointSlice, V1Service } from '@kubernetes/client-node';
import type { ZoneRecord } from './client.ts';

/** ACK's per-Service switch: only Services with it are synced unless the profile says all. */
export const PRIVATE_ZONE_ENABLE_ANNOTATION = 'service.beta.kubernetes.io/alibaba-cloud-private-zone-enable';
const LB_ADDRESS_TYPE_ANNOTATION = 'service.beta.kubernetes.io/alibaba-cloud-loadbalancer-address-type';
/** Marks the records this reconciler wrote (PrivateZone Remarks are short: keep it under 50 characters). */
export const OWNER_REMARK = 'managed-by:eci-virtual-node';
export const RECORD_TTL = 60;
/** The record types the sync writes and, among its own records, removes. */
const SYNCED_TYPES = new Set(['A', 'AAAA']);

export const zoneNameFor = (clusterId: string) => `svc.cluster.local.${clusterId}`;

export interface WantedRecord {
  rr: string;
  type: 'A' | 'AAAA';
  value: string;
  /** `<namespace>/<name>` of the Service it is for (Events name it). */
  service: string;
}

const keyOf = (r: { rr: string; type: string; value: string }) => `${r.rr}|${r.type}|${r.value}`;

export const serviceKey = (s: { metadata?: { namespace?: string; name?: string } }) =>
  `${s.metadata?.namespace ?? ''}/${s.metadata?.name ?? ''}`;

/** The Service an EndpointSlice belongs to, as `<namespace>/<name>` (its kubernetes.io/service-name label). */
export function sliceServiceKey(slice: V1EndpointSlice): string | undefined {
  const name = slice.metadata?.labels?.['kubernetes.io/service-name'];
  return name ? `${slice.metadata?.namespace ?? ''}/${name}` : undefined;
}

export function isSynced(service: V1Service, allServices: boolean): boolean {
  if (allServices) return true;
  return service.metadata?.annotations?.[PRIVATE_ZONE_ENABLE_ANNOTATION]?.trim().toLowerCase() === 'true';
}

function addressRecord(rr: string, service: string, ip: string): WantedRecord | undefined {
  if (isIPv4(ip)) return { rr, type: 'A', value: ip, service };
  if (isIPv6(ip)) return { rr, type: 'AAAA', value: ip, service };
  return undefined;
}

/** The addresses one Service resolves to. */
export function serviceAddresses(service: V1Service, slices: readonly V1EndpointSlice[]): string[] {
  const spec = service.spec ?? {};
  if (spec.type === 'ExternalName') return [];
  if (spec.clusterIP === 'None') {
    // Ready as the EndpointSlice API means it: an absent `ready` is ready.
    return slices.flatMap((s) =>
      s.addressType === 'FQDN'
        ? []
        : (s.endpoints ?? []).filter((e) => e.conditions?.ready !== false).flatMap((e) => e.addresses),
    );
  }
  const clusterIps = spec.clusterIPs?.length ? spec.clusterIPs : spec.clusterIP ? [spec.clusterIP] : [];
  const intranet =
    spec.type === 'LoadBalancer' &&
    service.metadata?.annotations?.[LB_ADDRESS_TYPE_ANNOTATION]?.toLowerCase() === 'intranet';
  if (intranet) {
    const ingress = (service.status?.loadBalancer?.ingress ?? []).map((i) => i.ip).filter((ip) => !!ip);
    if (ingress.length) return ingress as string[];
  }
  return clusterIps;
}

/** Every record the selected Services call for, without duplicates. */
export function wantedRecords(
  services: Iterable<V1Service>,
  slicesOf: (serviceKey: string) => readonly V1EndpointSlice[],
  allServices: boolean,
): WantedRecord[] {
  const out = new Map<string, WantedRecord>();
  for (const service of services) {
    if (!isSynced(service, allServices)) continue;
    const key = serviceKey(service);
    const rr = `${service.metadata?.name}.${service.metadata?.namespace}`;
    for (const ip of serviceAddresses(service, slicesOf(key))) {
      const r = addressRecord(rr, key, ip);
      if (r) out.set(keyOf(r), r);
    }
  }
  return [...out.values()];
}

export interface RecordChanges {
  add: WantedRecord[];
  remove: ZoneRecord[];
}

/**
 * The writes from `actual` to `wanted`: add what no record (ours or not) publishes yet;
 * remove our records nothing calls for (and our duplicates). Others' records stay.
 */
export function diffRecords(wanted: readonly WantedRecord[], actual: readonly ZoneRecord[]): RecordChanges {
  const present = new Set(actual.map(keyOf));
  const want = new Set(wanted.map(keyOf));
  const add = wanted.filter((r) => !present.has(keyOf(r)));
  const kept = new Set<string>();
  const remove: ZoneRecord[] = [];
  for (const r of actual) {
    if (r.remark !== OWNER_REMARK || !SYNCED_TYPES.has(r.type)) continue;
    const key = keyOf(r);
    if (want.has(key) && !kept.has(key)) kept.add(key);
    else remove.push(r);
  }
  return { add, remove };
}

/** Our records only: what "remove the records on disable" deletes. */
export const ownedRecords = (actual: readonly ZoneRecord[]) =>
  actual.filter((r) => r.remark === OWNER_REMARK && SYNCED_TYPES.has(r.type));

/**
 * The VPC list to send to BindZoneVpc so that `ours` is bound, keeping every VPC bound
 * now (BindZoneVpc replaces the list); undefined when `ours` is bound already.
 */
export function vpcsToBind<T extends { vpcId: string }>(bound: readonly T[], ours: T): T[] | undefined {
  if (bound.some((v) => v.vpcId === ours.vpcId)) return undefined;
  return [...bound, ours];
}
