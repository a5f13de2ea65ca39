// What to write: the pod's current status in the reconciler's JSON shape, and the
// patch that turns it into the desired one.
import type { V1PodStatus } from '@kubernetes/client-node';
import { rfc3339, type ConditionJson, type PodStatusJson } from './model.ts';

/** The pod's current status in the same JSON shape (dates as second-precision strings). */
export function normalizeStatus(status: V1PodStatus | undefined): PodStatusJson {
  const json = JSON.parse(JSON.stringify(status ?? {})) as Record<string, unknown>;
  const fixTimes = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(fixTimes);
    if (value && typeof value === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) out[k] = fixTimes(v);
      return out;
    }
    if (typeof value === 'string' && /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/.test(value))
      return rfc3339(value);
    return value;
  };
  return fixTimes(json) as PodStatusJson;
}

/** Stable JSON for comparison: sorted keys, and null/undefined/'' values left out (the API server and
 * the client library disagree on which of those they keep). */
export function canonical(value: unknown): string {
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const key of Object.keys(v).sort()) {
        const item = (v as Record<string, unknown>)[key];
        if (item === null || item === undefined || item === '') continue;
        out[key] = walk(item);
      }
      return out;
    }
    return v;
  };
  return JSON.stringify(walk(value)) ?? 'undefined';
}

const CLEARABLE = ['reason', 'message', 'podIP', 'podIPs', 'hostIP', 'hostIPs', 'initContainerStatuses'];

/**
 * Conditions are merged by type in a strategic merge patch, so a field a condition no
 * longer has (the reason and message of a Ready turned True) must be sent as null to
 * be removed, as the kubelet's two-way patch does; otherwise the stale reason stays.
 */
function withClearedFields(desired: readonly ConditionJson[], current: unknown): unknown[] {
  const before = Array.isArray(current) ? (current as Array<Record<string, unknown>>) : [];
  return desired.map((c) => {
    const prev = before.find((p) => p.type === c.type);
    const cleared: Record<string, unknown> = { ...c };
    for (const key of ['reason', 'message'] as const)
      if (c[key] === undefined && prev?.[key] !== undefined && prev[key] !== '') cleared[key] = null;
    return cleared;
  });
}

/** The fields of `desired` that differ from the pod's current status (empty: nothing to write). */
export function statusDiff(
  current: V1PodStatus | undefined,
  desired: PodStatusJson,
): Record<string, unknown> {
  const now = normalizeStatus(current) as unknown as Record<string, unknown>;
  const diff: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(desired)) {
    if (canonical(now[key]) !== canonical(value)) diff[key] = value;
  }
  // Fields this module owns that the new status no longer has are removed (null in a merge patch).
  for (const key of CLEARABLE) {
    if (!(key in desired) && canonical(now[key]) !== canonical(undefined)) diff[key] = null;
  }
  if (diff.conditions) diff.conditions = withClearedFields(desired.conditions, now.conditions);
  return diff;
}
