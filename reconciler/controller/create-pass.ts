// One create attempt for one pod: fetch what the translation reads, translate, hand the
// request to the provider, and turn its typed outcome into Kubernetes writes and the
// next pass. Failure policy: fail-fast (`eci-fail-strategy: fail-fast` or
// `pod-fail-on-create-err: "true"`) fails the pod on any create error; otherwise a
// retryable error is retried with backoff and a refused request (ECI or the translation)
// leaves the pod Pending with reason ProviderFailed and is retried with capped backoff,
// both bounded by `eci-max-pending-minute` (nextAction). `restartPolicy: Never` pods fail
// on a refused request, as virtual-kubelet fails them.
import type { V1Pod } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { INSTANCE_ANNOTATIONS } from '../../shared/annotations.ts';
import { describeEciError } from '../provider/eci-errors.ts';
import { type WorkResult } from '../workqueue.ts';
import { backoffDelay } from '../../shared/backoff.ts';
import type { Owner } from '../ownership.ts';
import { podStatusForMissingReferences, rfc3339, statusDiff } from '../status.ts';
import type { TrackedPod, PodTracker } from '../tracker.ts';
import { admissionRejection } from './admission.ts';
import {
  translatePod,
  type MissingReference,
  type ProfileDefaults,
  type TranslateError,
} from '../translate.ts';
import {
  createRetryDelay,
  SLOT_WAIT_FALLBACK_MS,
  type CreateOutcome,
  type Provider,
} from '../provider/eci-provider.ts';
import { CONTAINER_INSTANCE_CREATED, REASONS } from './event-reasons.ts';
import type { PodKube } from './pod-kube.ts';
import { failsOnCreateError, failurePhase } from './policy.ts';

/** A missing ConfigMap/Secret/PVC is looked for again after 1 s, doubling to 30 s. */
const REFERENCE_RECHECK_BASE_MS = 1000;
const REFERENCE_RECHECK_MAX_MS = 30_000;

type Metric = 'created' | 'create_error' | 'status_write' | 'deleted' | 'orphan_deleted';

export interface CreateContext {
  clusterId: string;
  regionId: string;
  /** The placement flags (the translation lets the ECI Profile win over them). */
  defaults: { vSwitchIds: string[]; securityGroupId: string };
  /** The ECI Profile in force now, as the translation reads it. */
  profile: () => ProfileDefaults | undefined;
  provider: Provider;
  kube: PodKube;
  tracker: PodTracker;
  log: Logger;
  onMetric?: (name: Metric, label?: string) => void;
  now?: () => number;
  /** --allowed-unsafe-sysctls: unsafe sysctls (names, `prefix*`) pods may set; unset = none. */
  allowedUnsafeSysctls?: readonly string[];
}

function ownerOf(pod: V1Pod, clusterId: string): Owner {
  return {
    clusterId,
    nodeName: pod.spec?.nodeName ?? '',
    namespace: pod.metadata?.namespace ?? '',
    podName: pod.metadata?.name ?? '',
    podUid: pod.metadata?.uid ?? '',
  };
}

/** Why the controller stopped an attempt before ECI was called. */
type Stopped =
  | { kind: 'missing'; message: string; missing: MissingReference[]; configErrors: TranslateError[] }
  | { kind: 'invalid'; message: string };

const seconds = (ms: number) => Math.max(1, Math.round(ms / 1000));

export async function createPass(ctx: CreateContext, entry: TrackedPod): Promise<WorkResult> {
  const pod = entry.pod!;
  const now = ctx.now ?? Date.now;
  // A pod the kubelet would not admit fails before anything is asked of ECI.
  const rejection = admissionRejection(pod, ctx.allowedUnsafeSysctls);
  if (rejection) {
    await writeFailure(ctx, pod, 'Failed', rejection.message, rejection.reason, rejection.reason);
    return;
  }
  let stopped: Stopped | undefined;
  const owner = ownerOf(pod, ctx.clusterId);
  const outcome = await ctx.provider.create({
    owner,
    attempts: entry.create,
    request: async (attempt) => {
      // The final request for this attempt: ClientToken, ownership tags, vSwitch order.
      const result = translatePod({
        ...(await ctx.kube.references(pod)),
        pod,
        profile: ctx.profile(),
        defaults: { regionId: ctx.regionId, ...ctx.defaults },
        owner,
        attempt,
      });
      for (const warning of result.warnings)
        ctx.kube.event(pod, 'Warning', REASONS.translationWarning, warning);
      // Optional…NotFound (the pod runs without it) and Mandatory…NotFound (it waits), as a kubelet.
      for (const e of result.events ?? []) ctx.kube.event(pod, e.type, e.reason, e.message);
      if (result.ok) return result.request;
      const message = result.errors.map((e) => `${e.field}: ${e.message}`).join('; ');
      // What a kubelet waits on (a missing reference, a container it cannot configure yet).
      stopped = result.errors.every((e) => e.missingReference || e.configError)
        ? {
            kind: 'missing',
            message,
            missing: result.missing ?? [],
            configErrors: result.errors.filter((e) => e.configError),
          }
        : { kind: 'invalid', message };
      return undefined;
    },
  });
  return settle(ctx, entry, outcome, stopped, now());
}

async function settle(
  ctx: CreateContext,
  entry: TrackedPod,
  outcome: CreateOutcome,
  stopped: Stopped | undefined,
  now: number,
): Promise<WorkResult> {
  const pod = entry.pod!;
  const uid = entry.uid;
  switch (outcome.kind) {
    case 'created': {
      ctx.onMetric?.('created');
      entry.retryCreateAt = undefined;
      entry.create.referenceWaits = 0;
      ctx.tracker.bindGroup(uid, outcome.id, undefined, { fresh: true });
      await ctx.kube.annotate(pod, {
        [INSTANCE_ANNOTATIONS.instanceId]: outcome.id,
        [INSTANCE_ANNOTATIONS.clientToken]: uid,
        ...(outcome.requestId ? { [INSTANCE_ANNOTATIONS.requestId]: outcome.requestId } : {}),
        ...(outcome.spec ? { [INSTANCE_ANNOTATIONS.instanceSpec]: outcome.spec } : {}),
      });
      return;
    }
    case 'waiting':
      // The provider wakes the pod when a slot frees; the delay only covers a lost wake-up.
      return { requeueAfterMs: SLOT_WAIT_FALLBACK_MS };
    case 'retryAfter': {
      if (outcome.reason === 'quota' || !outcome.error) return { requeueAfterMs: outcome.ms };
      const e = outcome.error;
      ctx.onMetric?.('create_error', e.code);
      if (failsOnCreateError(pod)) {
        await writeFailure(ctx, pod, 'Failed', `CreateContainerGroup failed: ${describeEciError(e)}`, e.code);
        return;
      }
      const what =
        e.category === 'no-stock' ? 'no stock in the chosen zone; trying the next vSwitch' : 'retrying';
      ctx.kube.event(
        pod,
        'Warning',
        e.category === 'throttled' ? REASONS.throttling : REASONS.providerCreateFailed,
        `CreateContainerGroup failed: ${describeEciError(e)}; ${what} in about ${seconds(outcome.ms)} s`,
        e.code,
      );
      ctx.log.info(
        { pod: `${pod.metadata?.namespace}/${pod.metadata?.name}`, code: e.code },
        'create failed; retrying',
      );
      entry.retryCreateAt = now + outcome.ms;
      return { requeueAfterMs: outcome.ms };
    }
    case 'terminal':
      ctx.onMetric?.('create_error', outcome.code);
      return refused(
        ctx,
        entry,
        outcome.code,
        `CreateContainerGroup failed: ${outcome.message}`,
        outcome.retryInMs,
        now,
      );
    case 'cancelled': {
      if (stopped?.kind === 'missing') {
        // A ConfigMap/Secret/PVC that does not exist yet: wait for it, as a kubelet waits to mount.
        const ms = backoffDelay(
          entry.create.referenceWaits++,
          REFERENCE_RECHECK_BASE_MS,
          REFERENCE_RECHECK_MAX_MS,
        );
        if (stopped.configErrors.length > 0)
          ctx.kube.event(
            pod,
            'Warning',
            REASONS.containerConfigFailed,
            `Error: ${stopped.configErrors.map((e) => e.message).join('; ')}`,
            'config-error',
          );
        else
          ctx.kube.event(
            pod,
            'Warning',
            REASONS.waitingForReference,
            `waiting for referenced objects: ${stopped.message}`,
            'missing-reference',
          );
        // Its containers wait with CreateContainerConfigError, as on a kubelet.
        const waiting = statusDiff(
          pod.status,
          podStatusForMissingReferences(pod, stopped.missing, new Date(now), stopped.configErrors),
        );
        if (Object.keys(waiting).length > 0) await ctx.kube.patchStatus(pod, waiting);
        entry.retryCreateAt = now + ms;
        return { requeueAfterMs: ms };
      }
      ctx.onMetric?.('create_error', 'InvalidSpec');
      entry.create.failures++;
      const message = `the pod cannot run on ECI: ${stopped?.message ?? 'no request'}`;
      return refused(ctx, entry, 'InvalidSpec', message, createRetryDelay(entry.create.failures), now);
    }
  }
}

/** A request refused as it is: Failed under fail-fast or Never, else Pending and retried later. */
async function refused(
  ctx: CreateContext,
  entry: TrackedPod,
  code: string,
  message: string,
  retryInMs: number,
  now: number,
): Promise<WorkResult> {
  const pod = entry.pod!;
  if (failurePhase(pod) === 'Failed') {
    await writeFailure(ctx, pod, 'Failed', message, code);
    return;
  }
  entry.retryCreateAt = now + retryInMs;
  await writeFailure(ctx, pod, 'Pending', `${message}; retrying in about ${seconds(retryInMs)} s`, code);
  return { requeueAfterMs: retryInMs };
}

/** The pod's phase, reason ProviderFailed (or the given reason), the condition and an Event. */
export async function writeFailure(
  ctx: Pick<CreateContext, 'kube'>,
  pod: V1Pod,
  phase: 'Pending' | 'Failed',
  message: string,
  code: string,
  reason: string = REASONS.providerFailed,
): Promise<void> {
  // One Event per cause: a retried failure bumps its count instead of adding another.
  ctx.kube.event(pod, 'Warning', reason, message, code);
  await ctx.kube.patchStatus(pod, {
    phase,
    reason,
    message,
    conditions: [
      {
        type: CONTAINER_INSTANCE_CREATED,
        status: 'False',
        reason: code,
        message,
        lastTransitionTime: rfc3339(new Date()),
      },
    ],
  });
}
