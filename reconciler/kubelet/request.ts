// Pure, total parsing of what reaches the kubelet port: every request target maps to a route
// or to a 400 with a message naming the part that is wrong; nothing here throws. Query values
// follow the kubelet's PodLogOptions rules (k8s.io/api core/v1 PodLogOptions and its
// validation in pkg/apis/core/validation), stricter only where the kubelet would mis-read.

export interface LogRequest {
  namespace: string;
  pod: string;
  container: string;
  tail?: number;
  sinceSeconds?: number;
  limitBytes?: number;
  timestamps?: boolean;
  previous?: boolean;
  /** Keep the response open and stream new lines (kubelet/follow-stream.ts). */
  follow?: boolean;
}

export type KubeletRoute =
  | { kind: 'healthz' }
  /** The node's pods (/pods) or its running pods (/runningpods/), kubelet/pods.ts. */
  | { kind: 'pods' }
  | { kind: 'runningpods' }
  /** `empty`: the answer is known to be no lines (tailLines=0, sinceTime in the future). */
  | { kind: 'containerLogs'; request: LogRequest; empty: boolean }
  | { kind: 'not-found' }
  | { kind: 'bad-request'; message: string };

/** ECI takes these as 32-bit integers; anything larger means "everything" anyway. */
const INT32_MAX = 2 ** 31 - 1;
/** Longer digit strings do not fit the kubelet's int64 either. */
const MAX_DIGITS = 18;

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

function isLabel(s: string): boolean {
  return s.length <= 63 && DNS_LABEL.test(s);
}

function isSubdomain(s: string): boolean {
  return s.length <= 253 && s.split('.').every(isLabel);
}

/** A short, printable rendering of client input for a message (quotes and escapes included). */
function preview(s: string): string {
  return JSON.stringify(s.length > 64 ? `${s.slice(0, 64)}…` : s);
}

function decodeSegment(s: string): string | undefined {
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
}

type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

function integer(name: string, raw: string, min: number): Parsed<number> {
  if (!/^[0-9]+$/.test(raw)) {
    return { ok: false, message: `${name} must be an integer >= ${min}, got ${preview(raw)}` };
  }
  if (raw.length > MAX_DIGITS) return { ok: false, message: `${name} is too large: ${preview(raw)}` };
  const n = Number(raw);
  if (n < min) return { ok: false, message: `${name} must be >= ${min}, got ${n}` };
  return { ok: true, value: Math.min(n, INT32_MAX) };
}

/**
 * Booleans as the API machinery decodes query parameters (Convert_Slice_string_To_bool in
 * k8s.io/apimachinery/pkg/runtime/conversion.go): "false" (any case) and "0" are false, any
 * other value, the empty one included, is true.
 */
function flag(raw: string | undefined): boolean | undefined {
  if (raw === undefined) return undefined;
  return raw === '0' || raw.toLowerCase() === 'false' ? undefined : true;
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;
const KNOWN = [
  'tailLines',
  'sinceSeconds',
  'sinceTime',
  'limitBytes',
  'timestamps',
  'previous',
  'follow',
] as const;

/** Pure: the log options of a /containerLogs query; `now` turns sinceTime into sinceSeconds. */
export function parseLogQuery(
  query: string,
  now: Date,
): Parsed<{ options: Omit<LogRequest, 'namespace' | 'pod' | 'container'>; empty: boolean }> {
  const params = new URLSearchParams(query);
  const one: Partial<Record<(typeof KNOWN)[number], string>> = {};
  for (const name of KNOWN) {
    const all = params.getAll(name);
    if (all.length > 1) return { ok: false, message: `${name} is given ${all.length} times; give it once` };
    if (all.length === 1) one[name] = all[0];
  }

  let tail: number | undefined;
  // -1 is kubectl's "all lines" (its --tail default); other negatives are invalid.
  if (one.tailLines !== undefined && one.tailLines !== '-1') {
    const t = integer('tailLines', one.tailLines, 0);
    if (!t.ok) return t;
    tail = t.value;
  }
  let limitBytes: number | undefined;
  if (one.limitBytes !== undefined) {
    const l = integer('limitBytes', one.limitBytes, 1);
    if (!l.ok) return l;
    limitBytes = l.value;
  }
  if (one.sinceSeconds !== undefined && one.sinceTime !== undefined) {
    return { ok: false, message: 'give at most one of sinceSeconds and sinceTime' };
  }
  let sinceSeconds: number | undefined;
  let future = false;
  if (one.sinceSeconds !== undefined) {
    const s = integer('sinceSeconds', one.sinceSeconds, 1);
    if (!s.ok) return s;
    sinceSeconds = s.value;
  }
  if (one.sinceTime !== undefined) {
    const at = RFC3339.test(one.sinceTime) ? Date.parse(one.sinceTime) : NaN;
    if (Number.isNaN(at)) {
      return { ok: false, message: `sinceTime must be an RFC 3339 time, got ${preview(one.sinceTime)}` };
    }
    const ago = Math.ceil((now.getTime() - at) / 1000);
    future = ago < 1;
    sinceSeconds = Math.min(Math.max(ago, 1), INT32_MAX);
  }
  return {
    ok: true,
    value: {
      options: {
        tail,
        sinceSeconds,
        limitBytes,
        timestamps: flag(one.timestamps),
        previous: flag(one.previous),
        follow: flag(one.follow),
      },
      empty: tail === 0 || future,
    },
  };
}

/** Pure and total: the route of a request target (the raw `req.url`). */
export function routeRequest(rawUrl: string, now: Date = new Date()): KubeletRoute {
  if (!rawUrl.startsWith('/')) {
    return { kind: 'bad-request', message: `the request target must be a path, got ${preview(rawUrl)}` };
  }
  const q = rawUrl.indexOf('?');
  const path = q < 0 ? rawUrl : rawUrl.slice(0, q);
  const query = q < 0 ? '' : rawUrl.slice(q + 1);
  const segments: string[] = [];
  for (const raw of path.slice(1).split('/')) {
    const s = decodeSegment(raw);
    if (s === undefined) {
      return { kind: 'bad-request', message: `malformed percent-encoding in path segment ${preview(raw)}` };
    }
    segments.push(s);
  }

  if (segments.length === 1 && segments[0] === 'healthz') return { kind: 'healthz' };
  // The kubelet's paths are /pods and /runningpods/; either form of the trailing slash reaches them.
  const [first, second, ...more] = segments;
  if ((first === 'pods' || first === 'runningpods') && (second ?? '') === '' && more.length === 0) {
    return first === 'pods' ? { kind: 'pods' } : { kind: 'runningpods' };
  }
  if (segments[0] !== 'containerLogs') return { kind: 'not-found' };
  if (segments.length !== 4) {
    return { kind: 'bad-request', message: 'expected /containerLogs/<namespace>/<pod>/<container>' };
  }
  const [, namespace, pod, container] = segments as [string, string, string, string];
  if (!isLabel(namespace)) {
    return { kind: 'bad-request', message: `namespace ${preview(namespace)} is not a valid namespace name` };
  }
  if (!isSubdomain(pod))
    return { kind: 'bad-request', message: `pod ${preview(pod)} is not a valid pod name` };
  if (!isLabel(container)) {
    return { kind: 'bad-request', message: `container ${preview(container)} is not a valid container name` };
  }
  const parsed = parseLogQuery(query, now);
  if (!parsed.ok) return { kind: 'bad-request', message: parsed.message };
  return {
    kind: 'containerLogs',
    request: { namespace, pod, container, ...parsed.value.options },
    empty: parsed.value.empty,
  };
}

/** Pure: GET /containerLogs/<ns>/<pod>/<container>?tailLines=&sinceSeconds=&limitBytes=&timestamps=&previous= */
export function parseLogRequest(url: string, now: Date = new Date()): LogRequest | undefined {
  const route = routeRequest(url, now);
  return route.kind === 'containerLogs' ? route.request : undefined;
}
