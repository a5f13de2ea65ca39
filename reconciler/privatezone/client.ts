// The PrivateZone (pvtz 2018-01-01) calls the sync makes. There is no typed Node SDK for
// PrivateZone in this project, so the calls go through the generic OpenAPI client
// (@alicloud/openapi-client callApi, RPC style, reconciler/provider/rpc-call.ts) with the same
// configuration as the ECI client (reconciler/provider/eci-client.ts): timeouts, swappable
// credentials, a per-call hook, and every failure turned into an EciCallError so no request
// parameter reaches a log.
// API reference: https://www.alibabacloud.com/help/en/privatezone/developer-reference/api-pvtz-2018-01-01-dir
import * as $OpenApi from '@alicloud/openapi-client';
import type * as $Util from '@alicloud/tea-util';
import { z } from 'zod';
import type { Credentials } from '../config.ts';
import { EciCallError } from '../provider/eci-errors.ts';
import { openApiConfig, runtimeOptions, type OpenApiClientOptions } from '../provider/openapi-client.ts';
import { rpcCall, type RpcApi } from '../provider/rpc-call.ts';

const OpenApiClient = $OpenApi.default.default;
/** pvtz 2018-01-01 takes its parameters in the query and declares a JSON body, as its SDKs call it. */
const PVTZ_RPC: RpcApi = { version: '2018-01-01', reqBodyType: 'json' };
/** The largest page DescribeZones and DescribeZoneRecords accept. */
const PAGE_SIZE = 100;

export type PvtzClientOptions = OpenApiClientOptions;

export interface Zone {
  zoneId: string;
  zoneName: string;
}
export interface BoundVpc {
  regionId: string;
  vpcId: string;
}
export interface ZoneRecord {
  recordId: number;
  rr: string;
  type: string;
  value: string;
  ttl: number;
  remark: string;
}

// The answers, checked at the boundary: a missing field is an error naming it, not a crash later.
const zonesPage = z.object({
  TotalPages: z.coerce.number().optional(),
  Zones: z.object({ Zone: z.array(z.object({ ZoneId: z.string(), ZoneName: z.string() })) }).optional(),
});
const zoneInfo = z.object({
  BindVpcs: z
    .object({ Vpc: z.array(z.object({ RegionId: z.string().default(''), VpcId: z.string() })) })
    .optional(),
});
const recordsPage = z.object({
  TotalPages: z.coerce.number().optional(),
  Records: z
    .object({
      Record: z.array(
        z.object({
          RecordId: z.coerce.number(),
          Rr: z.string(),
          Type: z.string(),
          Value: z.string(),
          Ttl: z.coerce.number().default(60),
          Remark: z.string().default(''),
        }),
      ),
    })
    .optional(),
});
const added = z.object({ ZoneId: z.string().optional(), RecordId: z.coerce.number().optional() });

function parsed<T>(action: string, schema: z.ZodType<T>, body: unknown): T {
  const r = schema.safeParse(body);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  throw new Error(`${action} answered unexpectedly: ${issue?.path.join('.')}: ${issue?.message}`);
}

export class PvtzClient {
  private client: InstanceType<typeof OpenApiClient>;
  private readonly options: PvtzClientOptions;
  private readonly runtime: $Util.RuntimeOptions;

  constructor(options: PvtzClientOptions) {
    this.options = options;
    this.runtime = runtimeOptions(options);
    this.client = this.build(options.credentials);
  }

  private build(credentials: Credentials): InstanceType<typeof OpenApiClient> {
    return new OpenApiClient(openApiConfig(this.options, credentials));
  }

  setCredentials(credentials: Credentials): void {
    this.client = this.build(credentials);
  }

  private async call(action: string, params: Record<string, unknown>): Promise<unknown> {
    const started = performance.now();
    try {
      const res = (await this.client.callApi(...rpcCall(action, params, PVTZ_RPC), this.runtime)) as {
        body?: unknown;
      };
      this.options.onCall?.(action, 'ok', performance.now() - started);
      return res.body ?? {};
    } catch (err) {
      const failure = EciCallError.from(action, err);
      this.options.onCall?.(action, failure.code, performance.now() - started);
      throw failure;
    }
  }

  /** The zone of exactly this name, if any (DescribeZones, SearchMode EXACT, every page). */
  async findZone(zoneName: string): Promise<Zone | undefined> {
    for (let page = 1; ; page++) {
      const body = parsed(
        'DescribeZones',
        zonesPage,
        await this.call('DescribeZones', {
          Keyword: zoneName,
          SearchMode: 'EXACT',
          PageNumber: page,
          PageSize: PAGE_SIZE,
        }),
      );
      const hit = body.Zones?.Zone.find((z) => z.ZoneName.toLowerCase() === zoneName.toLowerCase());
      if (hit) return { zoneId: hit.ZoneId, zoneName: hit.ZoneName };
      if (page >= (body.TotalPages ?? 1)) return undefined;
    }
  }

  async addZone(zoneName: string): Promise<Zone> {
    const body = parsed(
      'AddZone',
      added,
      await this.call('AddZone', { ZoneName: zoneName, ProxyPattern: 'ZONE' }),
    );
    if (!body.ZoneId) throw new Error('AddZone answered without a ZoneId');
    return { zoneId: body.ZoneId, zoneName };
  }

  /** The VPCs bound to the zone now (DescribeZoneInfo BindVpcs). */
  async boundVpcs(zoneId: string): Promise<BoundVpc[]> {
    const body = parsed(
      'DescribeZoneInfo',
      zoneInfo,
      await this.call('DescribeZoneInfo', { ZoneId: zoneId }),
    );
    return (body.BindVpcs?.Vpc ?? []).map((v) => ({ regionId: v.RegionId, vpcId: v.VpcId }));
  }

  /** Replaces the zone's whole VPC list with `vpcs` (that is what BindZoneVpc does). */
  async bindVpcs(zoneId: string, vpcs: BoundVpc[]): Promise<void> {
    const params: Record<string, unknown> = { ZoneId: zoneId };
    vpcs.forEach((v, i) => {
      params[`Vpcs.${i + 1}.RegionId`] = v.regionId;
      params[`Vpcs.${i + 1}.VpcId`] = v.vpcId;
    });
    await this.call('BindZoneVpc', params);
  }

  /** Every record of the zone, page by page. */
  async listRecords(zoneId: string): Promise<ZoneRecord[]> {
    const out: ZoneRecord[] = [];
    for (let page = 1; ; page++) {
      const body = parsed(
        'DescribeZoneRecords',
        recordsPage,
        await this.call('DescribeZoneRecords', { ZoneId: zoneId, PageNumber: page, PageSize: PAGE_SIZE }),
      );
      for (const r of body.Records?.Record ?? [])
        out.push({
          recordId: r.RecordId,
          rr: r.Rr,
          type: r.Type,
          value: r.Value,
          ttl: r.Ttl,
          remark: r.Remark,
        });
      if (page >= (body.TotalPages ?? 1)) return out;
    }
  }

  async addRecord(
    zoneId: string,
    r: { rr: string; type: string; value: string; ttl: number; remark: string },
  ): Promise<number> {
    const body = parsed(
      'AddZoneRecord',
      added,
      await this.call('AddZoneRecord', {
        ZoneId: zoneId,
        Rr: r.rr,
        Type: r.type,
        Value: r.value,
        Ttl: r.ttl,
        Remark: r.remark,
      }),
    );
    if (body.RecordId === undefined) throw new Error('AddZoneRecord answered without a RecordId');
    return body.RecordId;
  }

  async deleteRecord(recordId: number): Promise<void> {
    await this.call('DeleteZoneRecord', { RecordId: recordId });
  }
}
