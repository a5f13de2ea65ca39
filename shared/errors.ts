// Classification of errors thrown by the official ECI SDK (openapi-wire §7): the SDK
// throws a plain Error with string `code`, numeric `statusCode` and `data.RequestId`,
// or a raw Node/network error without any of them. Callers decide on `category` and
// `retryable`, never on message text.

export type EciErrorCategory =
  | 'throttled' // Throttling*: back off and retry
  | 'no-stock' // the zone has no capacity: try the next vSwitch/zone
  | 'not-found' // the resource is gone (success for a delete)
  | 'auth' // credentials or permissions: retry slowly, credentials may be rotated
  | 'conflict' // IdempotentParameterMismatch: same ClientToken, different request
  | 'busy' // IncorrectStatus: the resource is in a transition, retry later
  | 'server' // 5xx
  | 'network' // no HTTP answer: refused, reset, timeout, unparsable body
  | 'invalid'; // any other 4xx: the request itself is wrong

export interface ClassifiedEciError {
  category: EciErrorCategory;
  retryable: boolean;
  /** The ECI error code, or the Node error code / name when there was no HTTP answer. */
  code: string;
  statusCode?: number;
  requestId?: string;
  message: string;
}

const NO_STOCK =
  /NoStock|StockExhaust|StockClose|NotOnSale|InsufficientStock|ResourceNotAvailable|IpNotEnough|InsufficientBalance\.Zone/i;
const AUTH =
  /^(InvalidAccessKeyId|SignatureDoesNotMatch|IncompleteSignature|InvalidTimeStamp|SignatureNonceUsed|Forbidden|InvalidSecurityToken|NoPermission)/;

/**
 * Only these codes say "the container group (or a container in it) does not exist", which
 * callers read as "gone" (a delete succeeded). Every other `*.NotFound` is about the request
 * itself — `InvalidAction.NotFound` (a retired or unknown action), `InvalidApi.NotFound`,
 * `InvalidVSwitchId.NotFound`, `InvalidSecurityGroupId.NotFound`, `InvalidRegionId.NotFound`,
 * `InvalidZoneId.NotFound`, `InvalidImageCache.NotFound` — and is terminal, never "gone".
 */
const GONE = new Set([
  'InvalidContainerGroup.NotFound',
  'ContainerGroup.NotFound',
  'InvalidContainer.NotFound',
]);

interface SdkErrorShape {
  code?: unknown;
  statusCode?: unknown;
  name?: unknown;
  message?: unknown;
  data?: { RequestId?: unknown; requestId?: unknown; Message?: unknown; message?: unknown } | null;
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' && value !== 'undefined' ? value : undefined;
}

/** Pure: maps anything the SDK (or the network under it) throws to a category. */
export function classifyEciError(err: unknown): ClassifiedEciError {
  const e: SdkErrorShape = typeof err === 'object' && err !== null ? (err as SdkErrorShape) : {};
  const statusCode = typeof e.statusCode === 'number' ? e.statusCode : undefined;
  const requestId = str(e.data?.RequestId) ?? str(e.data?.requestId);
  const rawCode = str(e.code);
  const message =
    str(e.data?.Message) ??
    str(e.data?.message) ??
    str(e.message) ??
    (typeof err === 'string' ? err : 'unknown error');
  const base = { statusCode, requestId, message };

  if (statusCode === undefined) {
    // No HTTP status: the request never got a parsable answer (openapi-wire §7, last rows).
    const code = rawCode ?? str(e.name) ?? 'NetworkError';
    return { category: 'network', retryable: true, code, ...base };
  }
  const code = rawCode ?? `HTTP${statusCode}`;
  if (/^Throttling/i.test(code) || statusCode === 429) {
    return { category: 'throttled', retryable: true, code, ...base };
  }
  if (NO_STOCK.test(code)) return { category: 'no-stock', retryable: true, code, ...base };
  if (AUTH.test(code)) return { category: 'auth', retryable: true, code, ...base };
  if (GONE.has(code)) return { category: 'not-found', retryable: false, code, ...base };
  if (code === 'IdempotentParameterMismatch')
    return { category: 'conflict', retryable: false, code, ...base };
  if (code === 'IncorrectStatus' || /^IncorrectStatus\./.test(code)) {
    return { category: 'busy', retryable: true, code, ...base };
  }
  if (statusCode >= 500) return { category: 'server', retryable: true, code, ...base };
  return { category: 'invalid', retryable: false, code, ...base };
}

/** One line for Events and pod messages: code, what ECI said and the RequestId to quote to support. */
export function describeEciError(e: ClassifiedEciError): string {
  const rid = e.requestId ? ` (RequestId: ${e.requestId})` : '';
  return `${e.code}: ${e.message}${rid}`;
}
