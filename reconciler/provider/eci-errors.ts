// Classification of errors thrown by the official ECI SDK (docs/error-codes.md): the SDK
// throws a plain Error with string `code`, numeric `statusCode` and `data.RequestId`,
// or a raw Node/network error without any of them. Callers decide on `category` and
// `retryable`, never on message text.
//
// Every text taken from an SDK error is redacted here: on a network error the HTTP layer
// (httpx, under @alicloud/tea-typescript) appends the whole request URL to the message,
// and a CreateContainerGroup URL carries every parameter in its query string, env values
// resolved from Secrets, token files and registry passwords included.

/** Longest error text kept (Events and pod messages are bounded anyway). */
const MAX_ERROR_TEXT = 512;
/** Longest text looked at: a request URL can be megabytes; what follows the cut is dropped unread. */
const MAX_INPUT = 4096;

/** httpx glues the method and URL onto the Node message: `read ECONNRESETPOST http://...`. */
const GLUED_METHOD = /(\S)(GET|POST|PUT|DELETE|PATCH|HEAD) (?=[a-z][a-z0-9+.-]{0,15}:\/\/|\/)/g;
const SCHEME = /[a-z][a-z0-9+.-]{0,15}:\/\//i;
/** `=` or `&` percent-encoded (once or more), as in SignatureDoesNotMatch's "string to sign is:POST&%2F&A%3Db". */
const ENCODED_PARAM = /%(?:25)*(?:3D|26)/i;

/** One whitespace-free token with any request parameter removed. */
function redactToken(token: string): string {
  const scheme = SCHEME.exec(token);
  if (scheme) {
    // A URL keeps its scheme and host (which endpoint failed): no userinfo, path or query.
    const rest = token.slice(scheme.index + scheme[0].length);
    const authority = rest.slice(0, rest.search(/[/?#]|$/));
    const host = authority.slice(authority.lastIndexOf('@') + 1);
    return `${token.slice(0, scheme.index)}${scheme[0]}${host}`;
  }
  const query = token.indexOf('?');
  if (query >= 0 && query < token.length - 1) return `${token.slice(0, query)} [query redacted]`;
  if (token.includes('=') || ENCODED_PARAM.test(token)) return '[redacted]';
  return token;
}

/**
 * Pure: an error text with no request parameter left in it. A URL keeps its scheme and
 * host and loses userinfo, path and query; what follows a `?` is dropped; a token holding
 * a `key=value` pair, plain or percent-encoded, is dropped whole. Linear in the (bounded)
 * input, and the result is bounded.
 */
export function redactErrorText(text: string): string {
  const redacted = text
    .slice(0, MAX_INPUT)
    .replace(GLUED_METHOD, '$1; $2 ')
    .split(/\s+/)
    .map(redactToken)
    .join(' ')
    .trim();
  return redacted.length > MAX_ERROR_TEXT ? `${redacted.slice(0, MAX_ERROR_TEXT - 1)}…` : redacted;
}

/** An error code as a metric label and Event reason may carry it: a short identifier, else none. */
function safeCode(code: string | undefined): string | undefined {
  return code !== undefined && /^[A-Za-z0-9][\w.:-]{0,79}$/.test(code) ? code : undefined;
}

function safeRequestId(id: string | undefined): string | undefined {
  return id !== undefined && /^[\w.-]{1,80}$/.test(id) ? id : undefined;
}

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

/**
 * Pure: maps anything the SDK (or the network under it) throws to a category. The code,
 * message and RequestId are redacted (no URL path, query string or `key=value` run) and
 * bounded, so the result is safe for Events, pod status, logs and metric labels.
 */
export function classifyEciError(err: unknown): ClassifiedEciError {
  if (err instanceof EciCallError) return err.classified();
  const e: SdkErrorShape = typeof err === 'object' && err !== null ? (err as SdkErrorShape) : {};
  const statusCode = typeof e.statusCode === 'number' ? e.statusCode : undefined;
  const requestId = safeRequestId(str(e.data?.RequestId) ?? str(e.data?.requestId));
  const rawCode = safeCode(str(e.code));
  const message = redactErrorText(
    str(e.data?.Message) ??
      str(e.data?.message) ??
      str(e.message) ??
      (typeof err === 'string' ? err : 'unknown error'),
  );
  const base = { statusCode, requestId, message };

  if (statusCode === undefined) {
    // No HTTP status: the request never got a parsable answer (docs/error-codes.md, category `network`).
    const code = rawCode ?? safeCode(str(e.name)) ?? 'NetworkError';
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

/**
 * The codes with which RAM refuses one action to a key that is otherwise valid (the policy
 * lacks the action): `Forbidden.RAM` (403, with an AccessDeniedDetail naming `eci:<Action>`),
 * `Forbidden.NoPermission`, `NoPermission`. Bad or disabled keys and signatures are not
 * among them: those fail every action alike.
 */
const ACTION_DENIED = /^(Forbidden\.RAM|Forbidden\.NoPermission|NoPermission)(\.|$)/;

/** Pure: the error code says RAM refused this one action (deploy/ram-policy.md: what each optional one costs). */
export function isActionDeniedCode(code: string): boolean {
  return ACTION_DENIED.test(code);
}

/** One line for Events and pod messages: code, what ECI said and the RequestId to quote to support. */
export function describeEciError(e: ClassifiedEciError): string {
  // Redacted again: a ClassifiedEciError may also be built by hand.
  const requestId = safeRequestId(e.requestId);
  const rid = requestId ? ` (RequestId: ${requestId})` : '';
  return `${safeCode(e.code) ?? 'UnknownError'}: ${redactErrorText(e.message)}${rid}`;
}

/**
 * What the `Eci` client throws instead of the SDK's error: only the action and the
 * redacted classification. It keeps no reference to the SDK error, its `data`, the
 * request or the response, so a logger serializing it (`log.warn({ err })` logs the
 * message, the stack and every enumerable property) cannot print a request parameter.
 */
export class EciCallError extends Error {
  readonly action: string;
  readonly category: EciErrorCategory;
  readonly retryable: boolean;
  readonly code: string;
  readonly statusCode: number | undefined;
  readonly requestId: string | undefined;
  /** What ECI (or the network) said, redacted; `message` adds the action and code. */
  readonly detail: string;

  constructor(action: string, c: ClassifiedEciError) {
    const safe = { ...c, code: safeCode(c.code) ?? 'UnknownError', message: redactErrorText(c.message) };
    super(`${safeCode(action) ?? 'ECI call'} failed: ${describeEciError(safe)}`);
    this.action = safeCode(action) ?? 'unknown';
    this.category = safe.category;
    this.retryable = safe.retryable;
    this.code = safe.code;
    this.statusCode = safe.statusCode;
    this.requestId = safeRequestId(safe.requestId);
    this.detail = safe.message;
  }

  /** The clean error for anything a call of `action` threw. */
  static from(action: string, err: unknown): EciCallError {
    return err instanceof EciCallError ? err : new EciCallError(action, classifyEciError(err));
  }

  classified(): ClassifiedEciError {
    return {
      category: this.category,
      retryable: this.retryable,
      code: this.code,
      statusCode: this.statusCode,
      requestId: this.requestId,
      message: this.detail,
    };
  }
}
Object.defineProperty(EciCallError.prototype, 'name', { value: 'EciCallError' });
