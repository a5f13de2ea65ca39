// The ECI annotation check as the webhook runs it: messages bounded in length and answers
// remembered per annotation set, within a byte budget. Annotation values are the pod
// author's input: a 1 MB value must neither be echoed whole into a warning nor pin
// megabytes in a cache.

/** A check of ECI annotation values (provided by the translation's annotation parsers). */
export type AnnotationChecker = (annotations: Record<string, string>) => {
  errors: Array<{ annotation: string; message: string }>;
  warnings: string[];
};

type CheckResult = ReturnType<AnnotationChecker>;

/** Longest message passed on; the apiserver shows warnings to a person, one line each. */
export const MAX_MESSAGE_CHARS = 512;
const HEAD_CHARS = 300;
const TAIL_CHARS = 160;

/**
 * The text itself when short, else its head and tail around an ellipsis: the head names
 * the annotation and starts the quoted value, the tail keeps what was expected.
 */
export function boundedMessage(text: string, maxChars = MAX_MESSAGE_CHARS): string {
  if (text.length <= maxChars) return text;
  const omitted = text.length - HEAD_CHARS - TAIL_CHARS;
  return `${text.slice(0, HEAD_CHARS)}… (${omitted} characters omitted) …${text.slice(-TAIL_CHARS)}`;
}

function bounded(result: CheckResult): CheckResult {
  const long = (s: string) => s.length > MAX_MESSAGE_CHARS;
  if (!result.errors.some((e) => long(e.message)) && !result.warnings.some(long)) return result;
  return {
    errors: result.errors.map((e) => ({ annotation: e.annotation, message: boundedMessage(e.message) })),
    warnings: result.warnings.map((w) => boundedMessage(w)),
  };
}

export interface CacheLimits {
  /** Total accounted bytes of keys and answers held. */
  maxBytes: number;
  /** An annotation set larger than this is checked every time, never kept. */
  maxSetBytes: number;
  maxEntries: number;
}

/** 8 MiB: a small share of the webhook's 256 MiB limit, room for ~1,000 typical workloads. */
export const DEFAULT_CACHE_LIMITS: CacheLimits = {
  maxBytes: 8 * 1024 * 1024,
  maxSetBytes: 8 * 1024,
  maxEntries: 1024,
};

/** Bytes per string character as accounted: V8 keeps a string in one or two bytes a character. */
const BYTES_PER_CHAR = 2;
/** Map entry, key and answer objects: a fixed charge on top of their strings. */
const ENTRY_OVERHEAD_BYTES = 128;

/** Accounted size of an annotation set, without building its key (stops once past `limit`). */
function setBytes(annotations: Record<string, string>, limit: number): number {
  let bytes = 0;
  for (const key in annotations) {
    const value = annotations[key];
    bytes += (key.length + (typeof value === 'string' ? value.length : 16) + 6) * BYTES_PER_CHAR;
    if (bytes > limit) break;
  }
  return bytes;
}

function resultBytes(result: CheckResult): number {
  let chars = 0;
  for (const e of result.errors) chars += e.annotation.length + e.message.length;
  for (const w of result.warnings) chars += w.length;
  return chars * BYTES_PER_CHAR;
}

export interface MemoizedChecker extends AnnotationChecker {
  /** The cache's own accounting, for tests and metrics. */
  cacheStats(): { entries: number; bytes: number };
}

/**
 * Remembers the checker's (bounded) answers by annotation set: the pods of one workload
 * share their annotations, so most reviews repeat a check already made. Bounded by bytes
 * and entries; the oldest entry goes first; large sets are never kept.
 */
export function memoizeChecker(
  checker: AnnotationChecker,
  limits: Partial<CacheLimits> = {},
): MemoizedChecker {
  const { maxBytes, maxSetBytes, maxEntries } = { ...DEFAULT_CACHE_LIMITS, ...limits };
  const cache = new Map<string, { result: CheckResult; bytes: number }>();
  let total = 0;
  const memoized = (annotations: Record<string, string>): CheckResult => {
    if (setBytes(annotations, maxSetBytes) > maxSetBytes) return bounded(checker(annotations));
    const key = JSON.stringify(annotations);
    const hit = cache.get(key);
    if (hit) return hit.result;
    const result = bounded(checker(annotations));
    const bytes = key.length * BYTES_PER_CHAR + resultBytes(result) + ENTRY_OVERHEAD_BYTES;
    if (bytes > maxSetBytes * 2) return result; // an answer far larger than its question: not kept
    while (cache.size > 0 && (cache.size >= maxEntries || total + bytes > maxBytes)) {
      const [oldestKey, oldest] = cache.entries().next().value!;
      cache.delete(oldestKey);
      total -= oldest.bytes;
    }
    cache.set(key, { result, bytes });
    total += bytes;
    return result;
  };
  return Object.assign(memoized, { cacheStats: () => ({ entries: cache.size, bytes: total }) });
}
