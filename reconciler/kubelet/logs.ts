// GET /containerLogs: the answer to one log request, from the pod's container group and ECI's
// DescribeContainerLog. Returns the reply instead of writing it, so every outcome (including a
// throwing lookup) is a value the server shell writes once.
//
// Status codes are chosen for what reaches `kubectl logs`: the API server keeps the node's
// body only for some codes (GenericHttpResponseChecker in k8s.io/apiserver
// pkg/registry/generic/rest/response_checker.go with NewGenericServerResponse in
// k8s.io/apimachinery pkg/api/errors/errors.go): a 404 becomes a bare "the server could not
// find the requested resource", a 503 or 504 a bare sentence too, while a 400 and a 5xx keep
// the text. So, as the kubelet does for "container is waiting to start" and "previous
// terminated container not found", logs that cannot be served are a 400 with the reason, and
// ECI failures a 502 carrying ECI's error.
import { classifyEciError, describeEciError } from '../provider/eci-errors.ts';
import type { LogRequest } from './request.ts';

export interface LogSource {
  /** The container group of a pod bound to this process's nodes. */
  groupOf(namespace: string, pod: string): string | undefined;
  readLog(q: LogRequest & { containerGroupId: string }): Promise<string>;
}

export interface Reply {
  status: number;
  body: string | Buffer;
  headers?: Record<string, string>;
}

/**
 * DescribeContainerLog's own bounds (https://help.aliyun.com/document_detail/90344.htm): Tail
 * at most 2000 lines (500 when not given), LimitBytes 1 to 1048576, content at most 1 MiB.
 * Larger asks are clamped rather than sent to be refused.
 */
const ECI_MAX_TAIL = 2000;
export const ECI_MAX_LOG_BYTES = 1024 * 1024;

/** Seconds a direct client should wait when ECI throttles the log call. */
const THROTTLED_RETRY_AFTER_S = 5;

/**
 * The answer to a parsed log request. `maxLogBytes` bounds what one request may ask ECI for
 * and hold: limitBytes is clamped to it (limitBytes means "at most", so that stays correct)
 * and passed on to ECI, and the content is cut there again in case ECI returns more.
 */
export async function answerLogs(
  source: LogSource,
  q: LogRequest,
  empty: boolean,
  maxLogBytes: number,
): Promise<Reply> {
  const pod = `${q.namespace}/${q.pod}`;
  const containerGroupId = source.groupOf(q.namespace, q.pod);
  if (!containerGroupId) {
    return {
      status: 400,
      body: `pod ${pod} has no container group in ECI on this node (not created yet, or already deleted)`,
    };
  }
  if (empty) return { status: 200, body: '' };
  const limitBytes = Math.min(q.limitBytes ?? maxLogBytes, maxLogBytes);
  let content: string;
  try {
    const tail = q.tail === undefined ? undefined : Math.min(q.tail, ECI_MAX_TAIL);
    content = await source.readLog({ ...q, tail, limitBytes, containerGroupId });
  } catch (err) {
    return logFailure(err, q, containerGroupId);
  }
  const bytes = Buffer.from(content, 'utf8');
  return { status: 200, body: bytes.length > limitBytes ? bytes.subarray(0, limitBytes) : bytes };
}

/** Pure: the reply for a failed DescribeContainerLog. */
export function logFailure(err: unknown, q: LogRequest, containerGroupId: string): Reply {
  const e = classifyEciError(err);
  const pod = `${q.namespace}/${q.pod}`;
  if (e.category === 'not-found') {
    if (e.code === 'InvalidContainer.NotFound') {
      return {
        status: 400,
        body: `container ${q.container} is not in container group ${containerGroupId} of pod ${pod}`,
      };
    }
    // ECI purges finished groups on its own schedule; the logs go with them.
    return {
      status: 400,
      body: `container group ${containerGroupId} of pod ${pod} no longer exists in ECI; its logs are gone`,
    };
  }
  // The request was valid for Kubernetes; whatever ECI objects to is an upstream failure.
  const body = `DescribeContainerLog for pod ${pod} failed: ${describeEciError(e)}`;
  const retry = e.category === 'throttled' ? { 'retry-after': String(THROTTLED_RETRY_AFTER_S) } : undefined;
  return { status: 502, body, headers: retry };
}
