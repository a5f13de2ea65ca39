// PrivateZone (pvtz 2018-01-01): zones, VPC bindings and records, answered in
// PrivateZone's wrapped-list style ({Zones: {Zone: [...]}}, PageNumber paging).
import { randomBytes } from 'node:crypto';
import { isIPv4, isIPv6 } from 'node:net';
import { z } from 'zod';
import type { EmulatorCore } from '../core.ts';
import { Errors } from '../errors.ts';
import type { PvtzRecord, PvtzZone } from '../model.ts';
import { parseParams, unflatten } from '../params.ts';
import { int, list, str } from '../wire.ts';
import type { ActionHandler } from './types.ts';

function time(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function zoneOf(core: EmulatorCore, id: string): PvtzZone {
  const z = core.state.pvtzZones[id];
  if (!z) throw Errors.zoneNotExists();
  return z;
}

function findRecord(core: EmulatorCore, id: number): { zone: PvtzZone; record: PvtzRecord } {
  for (const zone of Object.values(core.state.pvtzZones)) {
    const record = zone.Records.find((r) => r.RecordId === id);
    if (record) return { zone, record };
  }
  throw Errors.recordNotExists();
}

const paging = {
  PageNumber: int.refine((n) => n >= 1, 'must be at least 1').optional(),
  PageSize: int.refine((n) => n >= 1 && n <= 100, 'must be between 1 and 100').optional(),
  Keyword: str.optional(),
  SearchMode: z.enum(['LIKE', 'EXACT'], { message: 'must be LIKE or EXACT' }).optional(),
  Lang: str.optional(),
  UserClientIp: str.optional(),
};

function paginate<T>(items: T[], pageNumber = 1, pageSize = 20) {
  const start = (pageNumber - 1) * pageSize;
  return {
    page: items.slice(start, start + pageSize),
    meta: {
      TotalItems: items.length,
      TotalPages: Math.ceil(items.length / pageSize),
      PageNumber: pageNumber,
      PageSize: pageSize,
    },
  };
}

function matches(value: string, keyword: string | undefined, mode: 'LIKE' | 'EXACT' | undefined): boolean {
  if (!keyword) return true;
  return (mode ?? 'LIKE') === 'EXACT' ? value === keyword : value.includes(keyword);
}

function renderZone(z: PvtzZone) {
  return {
    ZoneId: z.ZoneId,
    ZoneName: z.ZoneName,
    RecordCount: z.Records.length,
    ProxyPattern: z.ProxyPattern,
    Remark: z.Remark ?? '',
    ResourceGroupId: z.ResourceGroupId ?? '',
    IsPtr: z.ZoneName.endsWith('.in-addr.arpa'),
    ZoneType: 'AUTH_ZONE',
    CreateTime: time(z.CreateTimestamp),
    CreateTimestamp: z.CreateTimestamp,
    UpdateTime: time(z.UpdateTimestamp),
    UpdateTimestamp: z.UpdateTimestamp,
  };
}

function renderVpcs(core: EmulatorCore, z: PvtzZone) {
  return z.Vpcs.map((v) => ({
    RegionId: v.RegionId,
    VpcId: v.VpcId,
    VpcName: v.VpcId,
    RegionName: v.RegionId,
    VpcType: 'STANDARD',
  }));
}

// DNS names are case-insensitive: any case is accepted, duplicates are found regardless of case.
const ZONE_NAME_RE =
  /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i;

const addZoneSchema = z
  .object({
    ZoneName: z.string().regex(ZONE_NAME_RE, 'must be a domain name'),
    ProxyPattern: z.enum(['ZONE', 'RECORD'], { message: 'must be ZONE or RECORD' }).optional(),
    ResourceGroupId: str.optional(),
    Remark: str.optional(),
    ClientToken: str.optional(),
    Lang: str.optional(),
  })
  .catchall(z.unknown());

export const addZone: ActionHandler = (core, params) => {
  const p = parseParams(addZoneSchema, unflatten(params));
  return core.idempotent('AddZone', p.ClientToken, params, () => {
    if (
      Object.values(core.state.pvtzZones).some((z) => z.ZoneName.toLowerCase() === p.ZoneName.toLowerCase())
    )
      throw Errors.zoneAlreadyExists();
    const now = core.now();
    const zone: PvtzZone = {
      ZoneId: randomBytes(16).toString('hex'),
      ZoneName: p.ZoneName,
      ProxyPattern: p.ProxyPattern ?? 'ZONE',
      Remark: p.Remark,
      ResourceGroupId: p.ResourceGroupId,
      CreateTimestamp: now,
      UpdateTimestamp: now,
      Vpcs: [],
      Records: [],
    };
    core.state.pvtzZones[zone.ZoneId] = zone;
    core.changed();
    return { Success: true, ZoneId: zone.ZoneId, ZoneName: zone.ZoneName };
  });
};

const zoneIdSchema = z.object({ ZoneId: z.string().min(1), Lang: str.optional() }).catchall(z.unknown());

export const deleteZone: ActionHandler = (core, params) => {
  const p = parseParams(zoneIdSchema, unflatten(params));
  const zone = zoneOf(core, p.ZoneId);
  if (zone.Vpcs.length > 0) throw Errors.zoneVpcExists();
  delete core.state.pvtzZones[p.ZoneId];
  core.changed();
  return { ZoneId: p.ZoneId };
};

const describeZonesSchema = z
  .object({
    ...paging,
    QueryVpcId: str.optional(),
    QueryRegionId: str.optional(),
    ResourceGroupId: str.optional(),
    ZoneType: str.optional(),
  })
  .catchall(z.unknown());

export const describeZones: ActionHandler = (core, params) => {
  const p = parseParams(describeZonesSchema, unflatten(params));
  const all = Object.values(core.state.pvtzZones)
    .filter(
      (z) =>
        matches(z.ZoneName, p.Keyword, p.SearchMode) &&
        (!p.QueryVpcId || z.Vpcs.some((v) => v.VpcId === p.QueryVpcId)) &&
        (!p.QueryRegionId || z.Vpcs.some((v) => v.RegionId === p.QueryRegionId)) &&
        (!p.ResourceGroupId || z.ResourceGroupId === p.ResourceGroupId),
    )
    .sort((a, b) => a.CreateTimestamp - b.CreateTimestamp || a.ZoneName.localeCompare(b.ZoneName));
  const { page, meta } = paginate(all, p.PageNumber, p.PageSize);
  return { ...meta, Zones: { Zone: page.map(renderZone) } };
};

export const describeZoneInfo: ActionHandler = (core, params) => {
  const p = parseParams(zoneIdSchema, unflatten(params));
  const zone = zoneOf(core, p.ZoneId);
  return { ...renderZone(zone), SlaveDns: false, BindVpcs: { Vpc: renderVpcs(core, zone) } };
};

const bindSchema = z
  .object({
    ZoneId: z.string().min(1),
    Vpcs: list(z.object({ RegionId: str.optional(), VpcId: z.string().min(1) }))
      .max(100)
      .optional(),
    ClientToken: str.optional(),
    Lang: str.optional(),
  })
  .catchall(z.unknown());

export const bindZoneVpc: ActionHandler = (core, params) => {
  const p = parseParams(bindSchema, unflatten(params));
  const zone = zoneOf(core, p.ZoneId);
  const known = new Set(core.opts.vSwitches.map((v) => v.vpcId));
  const vpcs = (p.Vpcs ?? []).map((v, i) => {
    if (!known.has(v.VpcId))
      throw Errors.invalidParameter(`Vpcs.${i + 1}.VpcId`, `VPC ${v.VpcId} does not exist.`);
    return { RegionId: v.RegionId || core.opts.regionId, VpcId: v.VpcId };
  });
  // BindZoneVpc replaces the bound list (an empty list unbinds everything).
  zone.Vpcs = vpcs;
  zone.UpdateTimestamp = core.now();
  core.changed();
  return {};
};

export const describeZoneVpcTree: ActionHandler = (core) => {
  const zones = Object.values(core.state.pvtzZones).map((z) => ({
    ...renderZone(z),
    Vpcs: { Vpc: renderVpcs(core, z) },
  }));
  return { Zones: { Zone: zones } };
};

const RECORD_TYPES = ['A', 'AAAA', 'CNAME', 'TXT', 'MX', 'PTR', 'SRV'] as const;

const recordFields = {
  Rr: z.string().regex(/^(@|\*|[A-Za-z0-9_*]([A-Za-z0-9_.-]{0,253}[A-Za-z0-9_])?)$/, 'must be a host record'),
  Type: z.enum(RECORD_TYPES, { message: `must be one of ${RECORD_TYPES.join(', ')}` }),
  Value: z.string().min(1),
  Ttl: int.refine((n) => n >= 5 && n <= 86_400, 'must be between 5 and 86400').optional(),
  Priority: int.refine((n) => n >= 1 && n <= 99, 'must be between 1 and 99').optional(),
  Remark: str.optional(),
  Lang: str.optional(),
  UserClientIp: str.optional(),
  ClientToken: str.optional(),
};

function checkValue(type: (typeof RECORD_TYPES)[number], value: string, priority: number | undefined): void {
  if (type === 'A' && !isIPv4(value))
    throw Errors.invalidParameter('Value', 'An A record needs an IPv4 address.');
  if (type === 'AAAA' && !isIPv6(value))
    throw Errors.invalidParameter('Value', 'An AAAA record needs an IPv6 address.');
  if (type === 'MX' && priority === undefined) throw Errors.missingParameter('Priority');
}

const addRecordSchema = z.object({ ZoneId: z.string().min(1), ...recordFields }).catchall(z.unknown());

export const addZoneRecord: ActionHandler = (core, params) => {
  const p = parseParams(addRecordSchema, unflatten(params));
  return core.idempotent('AddZoneRecord', p.ClientToken, params, () => {
    const zone = zoneOf(core, p.ZoneId);
    checkValue(p.Type, p.Value, p.Priority);
    if (zone.Records.some((r) => r.Rr === p.Rr && r.Type === p.Type && r.Value === p.Value)) {
      throw Errors.recordDuplicate();
    }
    const now = core.now();
    const record: PvtzRecord = {
      RecordId: core.state.nextRecordId++,
      Rr: p.Rr,
      Type: p.Type,
      Value: p.Value,
      Ttl: p.Ttl ?? 60,
      Priority: p.Priority,
      Remark: p.Remark,
      Status: 'ENABLE',
      CreateTimestamp: now,
      UpdateTimestamp: now,
    };
    zone.Records.push(record);
    zone.UpdateTimestamp = now;
    core.changed();
    return { Success: true, RecordId: record.RecordId };
  });
};

const recordIdSchema = z
  .object({ RecordId: int, Lang: str.optional(), UserClientIp: str.optional() })
  .catchall(z.unknown());

const updateRecordSchema = z.object({ RecordId: int, ...recordFields }).catchall(z.unknown());

export const updateZoneRecord: ActionHandler = (core, params) => {
  const p = parseParams(updateRecordSchema, unflatten(params));
  const { zone, record } = findRecord(core, p.RecordId);
  checkValue(p.Type, p.Value, p.Priority);
  if (zone.Records.some((r) => r !== record && r.Rr === p.Rr && r.Type === p.Type && r.Value === p.Value)) {
    throw Errors.recordDuplicate();
  }
  Object.assign(record, {
    Rr: p.Rr,
    Type: p.Type,
    Value: p.Value,
    Ttl: p.Ttl ?? record.Ttl,
    Priority: p.Priority ?? record.Priority,
    Remark: p.Remark ?? record.Remark,
    UpdateTimestamp: core.now(),
  });
  core.changed();
  return { RecordId: record.RecordId };
};

export const deleteZoneRecord: ActionHandler = (core, params) => {
  const p = parseParams(recordIdSchema, unflatten(params));
  const { zone, record } = findRecord(core, p.RecordId);
  zone.Records = zone.Records.filter((r) => r !== record);
  core.changed();
  return { RecordId: record.RecordId };
};

const statusSchema = z
  .object({ RecordId: int, Status: z.enum(['ENABLE', 'DISABLE'], { message: 'must be ENABLE or DISABLE' }) })
  .catchall(z.unknown());

export const setZoneRecordStatus: ActionHandler = (core, params) => {
  const p = parseParams(statusSchema, unflatten(params));
  const { record } = findRecord(core, p.RecordId);
  record.Status = p.Status;
  core.changed();
  return { RecordId: record.RecordId, Status: record.Status };
};

const describeRecordsSchema = z
  .object({ ZoneId: z.string().min(1), ...paging, Tag: str.optional() })
  .catchall(z.unknown());

export const describeZoneRecords: ActionHandler = (core, params) => {
  const p = parseParams(describeRecordsSchema, unflatten(params));
  const zone = zoneOf(core, p.ZoneId);
  const all = zone.Records.filter((r) => matches(r.Rr, p.Keyword, p.SearchMode));
  const { page, meta } = paginate(all, p.PageNumber, p.PageSize);
  return {
    ...meta,
    Records: {
      Record: page.map((r) => ({
        RecordId: r.RecordId,
        Rr: r.Rr,
        Type: r.Type,
        Value: r.Value,
        Ttl: r.Ttl,
        Priority: r.Priority ?? 0,
        Remark: r.Remark ?? '',
        Status: r.Status,
        CreateTime: time(r.CreateTimestamp),
        CreateTimestamp: r.CreateTimestamp,
        UpdateTime: time(r.UpdateTimestamp),
        UpdateTimestamp: r.UpdateTimestamp,
      })),
    },
  };
};

export const describeRegions: ActionHandler = (core) => ({
  Regions: {
    Region: [
      { RegionId: core.opts.regionId, RegionName: core.opts.regionId, RegionEndpoint: 'pvtz.aliyuncs.com' },
    ],
  },
});

export const privateZoneActions: Record<string, ActionHandler> = {
  AddZone: addZone,
  DeleteZone: deleteZone,
  DescribeZones: describeZones,
  DescribeZoneInfo: describeZoneInfo,
  BindZoneVpc: bindZoneVpc,
  DescribeZoneVpcTree: describeZoneVpcTree,
  AddZoneRecord: addZoneRecord,
  UpdateZoneRecord: updateZoneRecord,
  DeleteZoneRecord: deleteZoneRecord,
  SetZoneRecordStatus: setZoneRecordStatus,
  DescribeZoneRecords: describeZoneRecords,
  DescribeRegions: describeRegions,
};
