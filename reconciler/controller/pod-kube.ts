// The Kubernetes writes and reads of the pod controller behind one narrow interface, so
// the controller is unit-tested with a recording fake and runs here on the real API.
import {
  CoreV1Api,
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
  type V1Pod,
} from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { isConflict, isNotFound, kubeStatusCode } from '../../shared/kube.ts';
import { TerminalError } from '../workqueue.ts';
import { EventRecorder } from '../events.ts';
import type { PodStatusJson } from '../status.ts';
import { ReferenceReader, type PodReferenceObjects } from './references.ts';
import type { Reason } from './event-reasons.ts';

const SMP = setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch);
const MERGE = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

export interface PodKube {
  /** Patches part of the pod's status; a pod already gone is not an error. */
  patchStatus(pod: V1Pod, status: Partial<PodStatusJson> | Record<string, unknown>): Promise<void>;
  /** Merges annotations; best effort (the caller already has what they record). */
  annotate(pod: V1Pod, annotations: Record<string, string>): Promise<void>;
  /** Removes the pod from the API at once, only if it still has this UID. */
  finalize(pod: V1Pod): Promise<void>;
  /** The UID of the pod of that name now, undefined when there is none. */
  livePodUid(namespace: string, name: string): Promise<string | undefined>;
  references(pod: V1Pod): Promise<PodReferenceObjects>;
  /** Records an Event in the background; the same aggregate key bumps one Event. */
  event(
    pod: V1Pod,
    type: 'Normal' | 'Warning',
    reason: Reason | string,
    message: string,
    aggregateKey?: string,
  ): void;
  forgetEvents(uid: string): void;
}

export class KubePodWriter implements PodKube {
  private readonly core: CoreV1Api;
  private readonly recorder: EventRecorder;
  private readonly refs: ReferenceReader;
  private readonly log: Logger;

  constructor(kc: KubeConfig, log: Logger) {
    this.core = kc.makeApiClient(CoreV1Api);
    this.recorder = new EventRecorder(kc, log);
    this.refs = new ReferenceReader(this.core, log);
    this.log = log;
  }

  async patchStatus(pod: V1Pod, status: Record<string, unknown>): Promise<void> {
    try {
      await this.core.patchNamespacedPodStatus(
        { name: pod.metadata!.name!, namespace: pod.metadata!.namespace!, body: { status } },
        SMP,
      );
    } catch (err) {
      if (isNotFound(err)) return;
      // The API server refused the patch itself: the same patch would be refused again.
      const code = kubeStatusCode(err);
      if (code === 400 || code === 422)
        throw new TerminalError(`status patch refused (${code}): ${(err as Error).message}`);
      throw err;
    }
  }

  async annotate(pod: V1Pod, annotations: Record<string, string>): Promise<void> {
    try {
      await this.core.patchNamespacedPod(
        {
          name: pod.metadata!.name!,
          namespace: pod.metadata!.namespace!,
          body: { metadata: { annotations } },
        },
        MERGE,
      );
    } catch (err) {
      if (!isNotFound(err))
        this.log.warn({ err, uid: pod.metadata?.uid }, 'could not write the pod annotations');
    }
  }

  async finalize(pod: V1Pod): Promise<void> {
    try {
      await this.core.deleteNamespacedPod({
        name: pod.metadata!.name!,
        namespace: pod.metadata!.namespace!,
        gracePeriodSeconds: 0,
        body: { gracePeriodSeconds: 0, preconditions: { uid: pod.metadata!.uid! } },
      });
    } catch (err) {
      // NotFound: already gone. Conflict: a new pod with the same name; not ours to delete.
      if (!isNotFound(err) && !isConflict(err)) throw err;
    }
  }

  async livePodUid(namespace: string, name: string): Promise<string | undefined> {
    try {
      return (await this.core.readNamespacedPod({ name, namespace })).metadata?.uid;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  references(pod: V1Pod): Promise<PodReferenceObjects> {
    return this.refs.read(pod);
  }

  event(
    pod: V1Pod,
    type: 'Normal' | 'Warning',
    reason: string,
    message: string,
    aggregateKey?: string,
  ): void {
    this.recorder.post(pod, type, reason, message, pod.spec?.nodeName, aggregateKey);
  }

  forgetEvents(uid: string): void {
    this.recorder.forget(uid);
  }
}
