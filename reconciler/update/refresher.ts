// Content refresh, the shell: once per interval per running pod, re-read what its volumes
// project (ConfigMaps, Secrets, a fresh token), translate them as at create, and send what
// changed (refresh.ts decides) as ONE UpdateContainerGroup of the group's ConfigFile volumes,
// paced by a token bucket. Observable: Event VolumesRefreshed and
// reconciler_content_refreshes_total{reason}. Every tracked pod is woken once per interval so
// steady pods (whose group never changes) are checked too.
import { createHash } from 'node:crypto';
import type { V1Pod } from '@kubernetes/client-node';
import { Counter, type Registry } from 'prom-client';
import type { CreateContext } from '../controller/create-pass.ts';
import type { PodKube } from '../controller/pod-kube.ts';
import { $Eci } from '../provider/eci-client.ts';
import { classifyEciError, describeEciError } from '../provider/eci-errors.ts';
import type { Provider } from '../provider/eci-provider.ts';
import type { GroupRecord, TrackedPod } from '../tracker.ts';
import { translatePod } from '../translate.ts';
import type { TokenBucket } from '../workqueue.ts';
import {
  anyTokenDue,
  keptFile,
  planRefresh,
  withoutTokenSources,
  type ConfigFile,
  type FileVolume,
  type TokenPolicy,
} from './refresh.ts';

/** How often a slice of the pods is woken for their refresh check. */
const WAKE_SLICE_MS = 1000;

export const REFRESH_REASONS = { refreshed: 'VolumesRefreshed', failed: 'VolumesRefreshFailed' } as const;

export interface RefreshContext extends Pick<CreateContext, 'regionId' | 'defaults' | 'profile' | 'log'> {
  provider: Pick<Provider, 'update'>;
  kube: Pick<PodKube, 'event' | 'references'>;
}

export interface ContentRefresherOptions {
  intervalMs: number;
  tokenPolicy: TokenPolicy;
  /** Paces the refresh updates of all pods together (UpdateContainerGroup has its own ECI quota). */
  bucket: TokenBucket;
  registry?: Registry;
  now?: () => number;
}

/** The group's ConfigFile volumes as DescribeContainerGroups reports them (the SDK model fits). */
interface GroupVolumesView {
  volumes?: {
    name?: string;
    type?: string;
    configFileVolumeConfigFileToPaths?: ConfigFile[];
  }[];
}

function groupFileVolumes(group: unknown): FileVolume[] {
  return ((group as GroupVolumesView | undefined)?.volumes ?? [])
    .filter((v) => v.type === 'ConfigFileVolume' && v.name)
    .map((v) => ({ name: v.name!, files: v.configFileVolumeConfigFileToPaths ?? [] }));
}

/**
 * Whether a pod's group may have its volumes refreshed now: its group is Running and neither
 * the pod nor the group is on its way out. A finished pod is left alone; a pod still Pending
 * because one of its containers has not started (status/started.ts) is refreshed, so the tokens
 * of the containers that run do not expire meanwhile.
 */
export function mayRefresh(pod: V1Pod, record: GroupRecord): boolean {
  const phase = pod.status?.phase;
  return (
    record.group?.status === 'Running' &&
    !record.gone &&
    !record.deleteRequested &&
    !pod.metadata?.deletionTimestamp &&
    phase !== 'Succeeded' &&
    phase !== 'Failed'
  );
}

export class ContentRefresher {
  private readonly o: ContentRefresherOptions;
  private readonly now: () => number;
  private readonly checkedAt = new WeakMap<GroupRecord, number>();
  /** What was last sent per group: ECI may not echo file contents back in its describe answer. */
  private readonly sent = new WeakMap<GroupRecord, FileVolume[]>();
  private readonly refreshes: Counter;
  private timer: NodeJS.Timeout | undefined;

  constructor(options: ContentRefresherOptions) {
    this.o = options;
    this.now = options.now ?? Date.now;
    this.refreshes = new Counter({
      name: 'reconciler_content_refreshes_total',
      help: 'UpdateContainerGroup calls that refreshed ConfigFile volumes, by reason (content: a ConfigMap or Secret changed; token: a service-account token was renewed) and result',
      labelNames: ['reason', 'result'],
      registers: options.registry ? [options.registry] : [],
    });
  }

  /**
   * Wakes every pod once per interval (the checks run in the pods' own status passes), a slice
   * each second rather than all at once: 10,000 wakes in one go queued that many passes ahead
   * of every status change for as long as they took.
   */
  start(uids: () => Iterable<string>, wake: (uid: string) => void): void {
    const sliceMs = Math.min(WAKE_SLICE_MS, this.o.intervalMs);
    const slices = Math.max(1, Math.round(this.o.intervalMs / sliceMs));
    let round: string[] = [];
    let next = 0;
    let perSlice = 0;
    this.timer = setInterval(() => {
      if (next >= round.length) {
        round = [...uids()];
        next = 0;
        perSlice = Math.ceil(round.length / slices);
      }
      const end = Math.min(round.length, next + perSlice);
      for (; next < end; next++) wake(round[next]!);
    }, sliceMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** One check of one pod; never throws (a failure is an Event and the next interval retries). */
  async check(ctx: RefreshContext, entry: TrackedPod): Promise<void> {
    const { pod, record } = entry;
    if (!pod || !record || !ctx.provider.update || !mayRefresh(pod, record)) return;
    const now = this.now();
    // The group was made from fresh contents: the first check is one interval after it runs.
    const last = this.checkedAt.get(record);
    if (last === undefined || now - last < this.o.intervalMs) {
      if (last === undefined) this.checkedAt.set(record, now);
      return;
    }
    this.checkedAt.set(record, now);

    const current = this.sent.get(record) ?? groupFileVolumes(record.group);
    // No token due: read (and translate) the pod without its token sources.
    const withTokens = anyTokenDue(pod, current, now, this.o.tokenPolicy);
    const first = await this.plan(ctx, pod, withTokens ? pod : withoutTokenSources(pod), current, now);
    // A volume to resend holds a token kept only as a digest: read with tokens so a fresh one goes along.
    const plan = first?.needsTokens && !withTokens ? await this.plan(ctx, pod, pod, current, now) : first;
    if (!plan || plan.volumes.length === 0) return;
    const wait = this.o.bucket.reserve();
    // Over the rate: this pod's slot is `wait` away; check again then.
    if (wait > 0) this.checkedAt.set(record, now - this.o.intervalMs + wait);
    if (wait > 0) return;

    const names = plan.volumes.map((v) => v.name).join(', ');
    const reasons = [...plan.reasons];
    try {
      await ctx.provider.update(
        new $Eci.UpdateContainerGroupRequest({
          containerGroupId: record.id,
          clientToken: refreshToken(entry.uid, plan.volumes),
          updateType: 'IncrementalUpdate',
          volume: plan.volumes.map(
            (v) =>
              new $Eci.UpdateContainerGroupRequestVolume({
                name: v.name,
                type: 'ConfigFileVolume',
                configFileVolume: new $Eci.UpdateContainerGroupRequestVolumeConfigFileVolume({
                  configFileToPath: v.files.map(
                    (f) =>
                      new $Eci.UpdateContainerGroupRequestVolumeConfigFileVolumeConfigFileToPath({
                        path: f.path,
                        content: f.content,
                      }),
                  ),
                }),
              }),
          ),
        }),
      );
    } catch (err) {
      const e = classifyEciError(err);
      for (const reason of reasons) this.refreshes.inc({ reason, result: 'error' });
      const message = `UpdateContainerGroup ${record.id} (volumes ${names}) failed: ${describeEciError(e)}; retried in the next interval`;
      ctx.kube.event(pod, 'Warning', REFRESH_REASONS.failed, message, e.code);
      return;
    }
    // Kept as digests (keptFile), as the tracker keeps the group's own files.
    this.sent.set(record, [
      ...current.filter((c) => !plan.volumes.some((v) => v.name === c.name)),
      ...plan.volumes.map((v) => ({ name: v.name, files: v.files.map(keptFile) })),
    ]);
    for (const reason of reasons) this.refreshes.inc({ reason, result: 'ok' });
    const what = reasons.map((r) =>
      r === 'token' ? 'service-account token renewed' : 'ConfigMap/Secret changed',
    );
    ctx.kube.event(
      pod,
      'Normal',
      REFRESH_REASONS.refreshed,
      `Refreshed volumes ${names} (${what.join(', ')})`,
    );
  }

  /** Reads the pod's references, translates, and plans; undefined when they cannot be read. */
  private async plan(
    ctx: RefreshContext,
    pod: V1Pod,
    read: V1Pod,
    current: FileVolume[],
    now: number,
  ): Promise<ReturnType<typeof planRefresh> | undefined> {
    let wanted: FileVolume[];
    try {
      const result = translatePod({
        ...(await ctx.kube.references(read)),
        pod: read,
        profile: ctx.profile(),
        defaults: { regionId: ctx.regionId, ...ctx.defaults },
      });
      // A reference gone or unreadable: the pod keeps what it has, as on a kubelet.
      if (!result.ok) return undefined;
      wanted = (result.request.volume ?? [])
        .filter((v) => v.type === 'ConfigFileVolume' && v.name)
        .map((v) => ({ name: v.name!, files: v.configFileVolume?.configFileToPath ?? [] }));
    } catch (err) {
      ctx.log.warn({ err, uid: pod.metadata?.uid }, 'content refresh: cannot read the pod’s references');
      return undefined;
    }
    return planRefresh(pod, wanted, current, now, this.o.tokenPolicy);
  }
}

/** Idempotent per content: a retry of the same refresh is the same request. */
function refreshToken(uid: string, volumes: FileVolume[]): string {
  const h = createHash('sha256').update(uid);
  for (const v of volumes) for (const f of v.files) h.update(`${v.name}/${f.path}\n${f.content}\n`);
  return `ref-${h.digest('hex').slice(0, 40)}`;
}
