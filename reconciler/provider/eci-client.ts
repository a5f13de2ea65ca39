// The ECI client: the official SDK with timeouts raised above its 3 s defaults
// (docs/eci-api.md, "Calling it"), credentials that can be swapped when the Secret rotates, and a
// hook that counts every call by action and outcome. Every failure leaves as an
// EciCallError: the SDK's own error (whose message may hold the request URL with every
// parameter) never reaches a caller, a log line or a metric.
import * as $Eci from '@alicloud/eci20180808';
import type * as $Util from '@alicloud/tea-util';
import { z } from 'zod';
import { EciCallError } from './eci-errors.ts';
import { ForceDeleteContainerGroupRequest } from './eci-delete.ts';
import { rpcCall } from './rpc-call.ts';
import { openApiConfig, runtimeOptions, type OpenApiClientOptions } from './openapi-client.ts';
import type { Credentials } from '../config.ts';
import { slimGroup } from '../slim.ts';

export { $Eci };

// The SDK is CommonJS with `exports.default = Client`: under ESM the class is `.default.default`.
const EciSdkClient = $Eci.default.default;
type EciClient = InstanceType<typeof EciSdkClient>;

export type EciClientOptions = OpenApiClientOptions;

export type EciGroup = $Eci.DescribeContainerGroupsResponseBodyContainerGroups;

export interface GroupPage {
  groups: EciGroup[];
  nextToken?: string;
  totalCount?: number;
  requestId?: string;
}

/**
 * Pure: a listed group with only what the listing's readers use: the tracker's slim view
 * (slim.ts), the id, status and the tags (ownership). The SDK's full description (every
 * container's environment, mounts, ports) is about 2.5 KB per group more (docs/scale.md).
 */
export function listedGroup(g: EciGroup): EciGroup {
  return new $Eci.DescribeContainerGroupsResponseBodyContainerGroups({
    ...slimGroup(g),
    tags: g.tags?.map((t) => ({ key: t.key, value: t.value })),
  });
}

/** What callApi hands back for CreateContainerGroup: the JSON body, ECI's wire names. */
const createdBody = z.object({
  body: z.object({ ContainerGroupId: z.string().optional(), RequestId: z.string().optional() }),
});

export class Eci {
  private client: EciClient;
  private readonly options: EciClientOptions;
  private readonly runtime: $Util.RuntimeOptions;
  readonly regionId: string;

  constructor(options: EciClientOptions) {
    this.options = options;
    this.regionId = options.regionId;
    this.runtime = runtimeOptions(options);
    this.client = this.build(options.credentials);
  }

  private build(credentials: Credentials): EciClient {
    return new EciSdkClient(openApiConfig(this.options, credentials));
  }

  /** Uses new credentials for every later call. */
  setCredentials(credentials: Credentials): void {
    this.client = this.build(credentials);
  }

  private async call<T>(action: string, fn: () => Promise<T>): Promise<T> {
    const started = performance.now();
    try {
      const result = await fn();
      this.options.onCall?.(action, 'ok', performance.now() - started);
      return result;
    } catch (err) {
      const failure = EciCallError.from(action, err);
      this.options.onCall?.(action, failure.code, performance.now() - started);
      throw failure;
    }
  }

  /**
   * Sent through rpc-call.ts, not the SDK's createContainerGroupWithOptions: the request's
   * containers may carry ECI's SecurityContextPrivileged (translate/request.ts), which the
   * SDK's model lacks. The wire request is otherwise the SDK method's own.
   */
  async createContainerGroup(
    request: $Eci.CreateContainerGroupRequest,
  ): Promise<{ containerGroupId: string; requestId: string }> {
    request.regionId ??= this.regionId;
    const res: unknown = await this.call('CreateContainerGroup', () =>
      this.client.callApi(...rpcCall('CreateContainerGroup', request.toMap()), this.runtime),
    );
    const body = createdBody.safeParse(res).data?.body;
    const id = body?.ContainerGroupId;
    if (!id) throw new Error('CreateContainerGroup answered without a ContainerGroupId');
    return { containerGroupId: id, requestId: body.RequestId ?? '' };
  }

  /** `force`: ECI's Force, the group stops without its grace period (eci-delete.ts). */
  async deleteContainerGroup(containerGroupId: string, options: { force?: boolean } = {}): Promise<void> {
    if (options.force) {
      const request = new ForceDeleteContainerGroupRequest({
        regionId: this.regionId,
        containerGroupId,
        force: true,
      });
      await this.call('DeleteContainerGroup', () =>
        this.client.callApi(...rpcCall('DeleteContainerGroup', request.toMap()), this.runtime),
      );
      return;
    }
    await this.call('DeleteContainerGroup', () =>
      this.client.deleteContainerGroupWithOptions(
        new $Eci.DeleteContainerGroupRequest({ regionId: this.regionId, containerGroupId }),
        this.runtime,
      ),
    );
  }

  /** One page of DescribeContainerGroups. */
  async describeContainerGroups(filter: {
    ids?: string[];
    tags?: { key: string; value: string }[];
    limit?: number;
    nextToken?: string;
    withEvent?: boolean;
  }): Promise<GroupPage> {
    const request = new $Eci.DescribeContainerGroupsRequest({
      regionId: this.regionId,
      containerGroupIds: filter.ids ? JSON.stringify(filter.ids) : undefined,
      tag: filter.tags?.map((t) => new $Eci.DescribeContainerGroupsRequestTag(t)),
      limit: filter.limit,
      nextToken: filter.nextToken || undefined,
      withEvent: filter.withEvent,
    });
    const res = await this.call('DescribeContainerGroups', () =>
      this.client.describeContainerGroupsWithOptions(request, this.runtime),
    );
    return {
      groups: res.body?.containerGroups ?? [],
      nextToken: res.body?.nextToken || undefined,
      totalCount: res.body?.totalCount,
      requestId: res.body?.requestId,
    };
  }

  /**
   * The pages of DescribeContainerGroups for a tag filter, each handed on as it arrives and
   * slimmed (listedGroup): one page of the SDK's objects is alive at a time, not a node's worth.
   */
  async *containerGroupPages(
    tags: { key: string; value: string }[],
    pageSize = 100,
  ): AsyncGenerator<EciGroup[], void, undefined> {
    let nextToken: string | undefined;
    do {
      const page = await this.describeContainerGroups({ tags, limit: pageSize, nextToken });
      nextToken = page.nextToken;
      yield page.groups.map(listedGroup);
    } while (nextToken);
  }

  /** Every group for a tag filter (slimmed page by page: listedGroup). */
  async listContainerGroups(tags: { key: string; value: string }[], pageSize = 100): Promise<EciGroup[]> {
    const out: EciGroup[] = [];
    for await (const groups of this.containerGroupPages(tags, pageSize)) out.push(...groups);
    return out;
  }

  /** A container's log (DescribeContainerLog). */
  async containerLog(q: {
    containerGroupId: string;
    containerName: string;
    tail?: number;
    sinceSeconds?: number;
    limitBytes?: number;
    timestamps?: boolean;
    previous?: boolean;
  }): Promise<string> {
    const request = new $Eci.DescribeContainerLogRequest({
      regionId: this.regionId,
      containerGroupId: q.containerGroupId,
      containerName: q.containerName,
      tail: q.tail,
      sinceSeconds: q.sinceSeconds,
      limitBytes: q.limitBytes,
      timestamps: q.timestamps,
      lastTime: q.previous,
    });
    const res = await this.call('DescribeContainerLog', () =>
      this.client.describeContainerLogWithOptions(request, this.runtime),
    );
    return res.body?.content ?? '';
  }

  /** UpdateContainerGroup (docs/updates.md): the request carries its own ClientToken. */
  async updateContainerGroup(request: $Eci.UpdateContainerGroupRequest): Promise<void> {
    request.regionId ??= this.regionId;
    await this.call('UpdateContainerGroup', () =>
      this.client.updateContainerGroupWithOptions(request, this.runtime),
    );
  }

  /** CreateImageCache: the id of the new (or, for a known ClientToken, the first) cache. */
  async createImageCache(request: $Eci.CreateImageCacheRequest): Promise<string> {
    request.regionId ??= this.regionId;
    const res = await this.call('CreateImageCache', () =>
      this.client.createImageCacheWithOptions(request, this.runtime),
    );
    const id = res.body?.imageCacheId;
    if (!id) throw new Error('CreateImageCache answered without an ImageCacheId');
    return id;
  }

  /** DescribeImageCaches by id; undefined when ECI does not know it. */
  async describeImageCache(
    imageCacheId: string,
  ): Promise<$Eci.DescribeImageCachesResponseBodyImageCaches | undefined> {
    const request = new $Eci.DescribeImageCachesRequest({ regionId: this.regionId, imageCacheId });
    const res = await this.call('DescribeImageCaches', () =>
      this.client.describeImageCachesWithOptions(request, this.runtime),
    );
    return res.body?.imageCaches?.find((c) => c.imageCacheId === imageCacheId);
  }

  async deleteImageCache(imageCacheId: string): Promise<void> {
    await this.call('DeleteImageCache', () =>
      this.client.deleteImageCacheWithOptions(
        new $Eci.DeleteImageCacheRequest({ regionId: this.regionId, imageCacheId }),
        this.runtime,
      ),
    );
  }

  /** Starts a command in a container (ExecContainerCommand): the session's WebSocket URI. */
  async execCommand(q: {
    containerGroupId: string;
    containerName: string;
    command: string[];
    tty: boolean;
    stdin: boolean;
  }): Promise<string> {
    const request = new $Eci.ExecContainerCommandRequest({
      regionId: this.regionId,
      containerGroupId: q.containerGroupId,
      containerName: q.containerName,
      command: JSON.stringify(q.command),
      TTY: q.tty,
      stdin: q.stdin,
      sync: false,
    });
    const res = await this.call('ExecContainerCommand', () =>
      this.client.execContainerCommandWithOptions(request, this.runtime),
    );
    return res.body?.webSocketUri ?? '';
  }

  /** The newest metric record of each group (DescribeMultiContainerGroupMetric: at most 20 ids a call). */
  async groupMetrics(
    ids: string[],
  ): Promise<$Eci.DescribeMultiContainerGroupMetricResponseBodyMonitorDatas[]> {
    const request = new $Eci.DescribeMultiContainerGroupMetricRequest({
      regionId: this.regionId,
      containerGroupIds: JSON.stringify(ids),
    });
    const res = await this.call('DescribeMultiContainerGroupMetric', () =>
      this.client.describeMultiContainerGroupMetricWithOptions(request, this.runtime),
    );
    return res.body?.monitorDatas ?? [];
  }

  /** Ids of groups whose status changed in the last `sinceSeconds` (DescribeContainerGroupStatus), all pages. */
  async changedSince(
    sinceSeconds: number,
    tags: { key: string; value: string }[],
    pageSize = 100,
  ): Promise<{ id: string; status: string }[]> {
    const out: { id: string; status: string }[] = [];
    let nextToken: string | undefined;
    do {
      const request = new $Eci.DescribeContainerGroupStatusRequest({
        regionId: this.regionId,
        sinceSecond: sinceSeconds,
        tag: tags.map((t) => new $Eci.DescribeContainerGroupStatusRequestTag(t)),
        limit: pageSize,
        nextToken,
      });
      const res = await this.call('DescribeContainerGroupStatus', () =>
        this.client.describeContainerGroupStatusWithOptions(request, this.runtime),
      );
      for (const d of res.body?.data ?? []) {
        if (d.containerGroupId) out.push({ id: d.containerGroupId, status: d.status ?? '' });
      }
      nextToken = res.body?.nextToken || undefined;
    } while (nextToken);
    return out;
  }
}
