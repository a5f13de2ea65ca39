// The shell of a pod's group deletion: DeleteContainerGroup (with ECI's Force when the pod's
// grace is over, reconciler/controller/termination.ts), the record's flags, the Event on a
// failure, and what is remembered of forced deletes until the pod is forgotten.
import { classifyEciError, describeEciError } from '../provider/eci-errors.ts';
import type { TrackedPod } from '../tracker.ts';
import type { CreateContext } from './create-pass.ts';
import { REASONS } from './event-reasons.ts';
import type { ForceState } from './termination.ts';

export class GroupDeleter {
  private readonly forces = new Map<string, ForceState>();
  private readonly o: Pick<CreateContext, 'provider' | 'kube' | 'log' | 'onMetric'>;
  private readonly now: () => number;

  constructor(o: Pick<CreateContext, 'provider' | 'kube' | 'log' | 'onMetric' | 'now'>) {
    this.o = o;
    this.now = o.now ?? Date.now;
  }

  /** What nextAction needs to know of the pod's forced deletes. */
  forceState(uid: string): ForceState | undefined {
    return this.forces.get(uid);
  }

  forget(uid: string): void {
    this.forces.delete(uid);
  }

  /** Throws (after an Event on the pod) when ECI refuses, so the queue retries with backoff. */
  async delete(entry: TrackedPod, force = false): Promise<void> {
    const record = entry.record!;
    const state = force ? this.triedNow(entry.uid) : undefined;
    try {
      const outcome = await this.o.provider.delete(record.id, force ? { force } : undefined);
      if (outcome === 'gone') record.gone = true;
      else this.o.onMetric?.('deleted');
    } catch (err) {
      const e = classifyEciError(err);
      if (entry.pod) {
        const message = `DeleteContainerGroup${force ? ' (Force)' : ''} ${record.id} failed: ${describeEciError(e)}; retrying`;
        this.o.kube.event(entry.pod, 'Warning', REASONS.providerDeleteFailed, message, e.code);
      }
      throw err;
    }
    if (state) {
      state.accepted = true;
      this.o.log.info(
        { podUid: entry.uid, groupId: record.id },
        'grace period over: container group force-deleted',
      );
    }
    record.deleteRequested = true;
  }

  private triedNow(uid: string): ForceState {
    let state = this.forces.get(uid);
    if (!state) {
      state = { triedAt: this.now() };
      this.forces.set(uid, state);
    }
    return state;
  }
}
