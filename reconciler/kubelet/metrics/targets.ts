// Which container groups the node measures: the pods bound to this process's nodes whose
// group ECI reports Running (a finished or pending group has no usage to report, and ECI
// answers no record for it). Pure: reads the tracker's entries, returns what the metric call
// and the translation need.
import type { TrackedPod } from '../../tracker.ts';

export interface MetricsTarget {
  groupId: string;
  namespace: string;
  name: string;
  uid: string;
  /** The pod's status.startTime (ms), when set. */
  startMs?: number;
  /** When each container last started (ms), by container name. */
  containerStartMs: ReadonlyMap<string, number>;
}

function ms(t: string | Date | undefined): number | undefined {
  if (t === undefined) return undefined;
  const v = t instanceof Date ? t.getTime() : Date.parse(t);
  return Number.isNaN(v) ? undefined : v;
}

/** Container start times: ECI's own (millisecond precision) first, the pod status's otherwise. */
function containerStarts(e: TrackedPod): Map<string, number> {
  const out = new Map<string, number>();
  for (const s of e.pod?.status?.containerStatuses ?? []) {
    const t = ms(s.state?.running?.startedAt);
    if (t !== undefined) out.set(s.name, t);
  }
  for (const c of e.record?.group?.containers ?? []) {
    const t = c.currentState?.state === 'Running' ? ms(c.currentState.startTime) : undefined;
    if (c.name && t !== undefined) out.set(c.name, t);
  }
  return out;
}

export function metricsTargets(entries: Iterable<TrackedPod>): MetricsTarget[] {
  const out: MetricsTarget[] = [];
  for (const e of entries) {
    const r = e.record;
    const meta = e.pod?.metadata;
    if (!r || r.gone || r.deleteRequested || r.group?.status !== 'Running') continue;
    if (!meta?.namespace || !meta.name || !meta.uid || meta.deletionTimestamp) continue;
    out.push({
      groupId: r.id,
      namespace: meta.namespace,
      name: meta.name,
      uid: meta.uid,
      startMs: ms(e.pod?.status?.startTime),
      containerStartMs: containerStarts(e),
    });
  }
  return out;
}
