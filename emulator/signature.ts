// Verifies a request exactly as @alicloud/openapi-util signs it: ACS3-HMAC-SHA256
// (the SDK default) and the legacy RPC HMAC-SHA1 form (signatureAlgorithm 'v2').
// Pure apart from the nonce store, which the caller owns.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { Errors } from './errors.ts';

export interface IncomingSignedRequest {
  method: string;
  /** Path and raw query string as received, e.g. `/?A=1&B=2`. */
  url: string;
  /** Lower-cased header names (as Node gives them). */
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export interface VerifyOptions {
  lookupSecret: (accessKeyId: string) => string | undefined;
  nonces: NonceStore;
  now: number;
  /** Allowed clock skew in ms; a negative value switches the check off. */
  clockSkewMs: number;
}

export interface VerifiedRequest {
  scheme: 'ACS3-HMAC-SHA256' | 'HMAC-SHA1';
  action: string;
  version: string;
  accessKeyId: string;
  /** Decoded query + body parameters (signature parameters removed for V2). */
  params: Record<string, string>;
}

/** Remembers (AK, nonce) pairs for the replay window. */
export class NonceStore {
  private readonly seen = new Map<string, number>();
  private readonly ttlMs: number;
  constructor(ttlMs = 30 * 60 * 1000) {
    this.ttlMs = ttlMs;
  }
  /** Returns false when the nonce was already used. */
  use(key: string, now: number): boolean {
    if (this.seen.size > 10_000) this.prune(now);
    const at = this.seen.get(key);
    if (at !== undefined && now - at < this.ttlMs) return false;
    this.seen.set(key, now);
    return true;
  }
  private prune(now: number): void {
    for (const [k, at] of this.seen) if (now - at >= this.ttlMs) this.seen.delete(k);
  }
}

/** openapi-util's encode: RFC 3986, with !'()* escaped too. */
export function acsEncode(s: string): string {
  return encodeURIComponent(s)
    .replace(/!/g, '%21')
    .replace(/'/g, '%27')
    .replace(/\(/g, '%28')
    .replace(/\)/g, '%29')
    .replace(/\*/g, '%2A');
}

function decode(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    throw Errors.invalidParameter(s, 'The parameter is not correctly percent-encoded.');
  }
}

/** Parses `a=1&b=2` into decoded pairs (last one wins on repeats). */
export function parseQuery(raw: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (!raw) return out;
  for (const part of raw.split('&')) {
    if (!part) continue;
    const eq = part.indexOf('=');
    const k = eq < 0 ? part : part.slice(0, eq);
    const v = eq < 0 ? '' : part.slice(eq + 1);
    out[decode(k)] = decode(v);
  }
  return out;
}

function header(h: IncomingSignedRequest['headers'], name: string): string | undefined {
  const v = h[name];
  return Array.isArray(v) ? v.join(',') : v;
}

/** Flattens a JSON body the way openapi-util.query does (1-based arrays). */
export function flattenObject(
  value: unknown,
  prefix = '',
  out: Record<string, string> = {},
): Record<string, string> {
  if (value === null || value === undefined) return out;
  if (Array.isArray(value)) {
    value.forEach((v, i) => flattenObject(v, `${prefix}.${i + 1}`, out));
  } else if (typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) flattenObject(v, prefix ? `${prefix}.${k}` : k, out);
  } else {
    out[prefix] = String(value);
  }
  return out;
}

function bodyParams(req: IncomingSignedRequest): Record<string, string> {
  if (req.body.length === 0) return {};
  const type = (header(req.headers, 'content-type') ?? '').toLowerCase();
  const text = req.body.toString('utf8');
  if (type.startsWith('application/x-www-form-urlencoded')) return parseQuery(text);
  if (type.startsWith('application/json')) {
    try {
      return flattenObject(JSON.parse(text));
    } catch {
      throw Errors.invalidParameter('body', 'The request body is not valid JSON.');
    }
  }
  return {};
}

const DATE_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

function checkTime(value: string, opts: VerifyOptions): void {
  if (!DATE_RE.test(value)) throw Errors.timestampFormat();
  const t = Date.parse(value);
  if (Number.isNaN(t)) throw Errors.timestampFormat();
  if (opts.clockSkewMs >= 0 && Math.abs(opts.now - t) > opts.clockSkewMs) throw Errors.timestampExpired();
}

function safeEqual(a: string, b: string): boolean {
  const ba = Buffer.from(a);
  const bb = Buffer.from(b);
  return ba.length === bb.length && timingSafeEqual(ba, bb);
}

function splitUrl(url: string): { path: string; query: string } {
  const q = url.indexOf('?');
  return q < 0 ? { path: url, query: '' } : { path: url.slice(0, q), query: url.slice(q + 1) };
}

const REQUIRED_V3 = [
  'host',
  'x-acs-action',
  'x-acs-version',
  'x-acs-date',
  'x-acs-signature-nonce',
  'x-acs-content-sha256',
];

/** The V3 canonical request for the given decoded query and signed headers. */
export function canonicalRequestV3(
  method: string,
  query: Record<string, string>,
  headers: IncomingSignedRequest['headers'],
  signedHeaders: string[],
  payloadHash: string,
  encodeNames = false,
): string {
  const qs = Object.keys(query)
    .sort()
    .map((k) => `${encodeNames ? acsEncode(k) : k}=${acsEncode(query[k] ?? '')}`)
    .join('&');
  const hs = signedHeaders.map((h) => `${h}:${(header(headers, h) ?? '').trim()}\n`).join('');
  return `${method}\n/\n${qs}\n${hs}\n${signedHeaders.join(';')}\n${payloadHash}`;
}

function hmacSha256Hex(secret: string, text: string): string {
  return createHmac('sha256', secret).update(text).digest('hex');
}

function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function verifyV3(req: IncomingSignedRequest, auth: string, opts: VerifyOptions): VerifiedRequest {
  const m = /^(\S+)\s+Credential=([^,]*),\s*SignedHeaders=([^,]*),\s*Signature=([0-9a-fA-F]+)\s*$/.exec(auth);
  if (!m) throw Errors.incompleteSignature('The Authorization header is malformed.');
  const [, algorithm, accessKeyId, signedList, signature] = m as unknown as [
    string,
    string,
    string,
    string,
    string,
  ];
  if (algorithm !== 'ACS3-HMAC-SHA256') throw Errors.invalidSignatureMethod();
  const signedHeaders = signedList.split(';').filter(Boolean);
  for (const h of REQUIRED_V3) {
    if (header(req.headers, h) === undefined) throw Errors.incompleteSignature(`The header ${h} is missing.`);
    if (!signedHeaders.includes(h)) throw Errors.incompleteSignature(`The header ${h} is not signed.`);
  }
  // Strict: every x-acs-* / content-type header present must be signed.
  for (const name of Object.keys(req.headers)) {
    const n = name.toLowerCase();
    if ((n.startsWith('x-acs-') || n === 'content-type') && !signedHeaders.includes(n)) {
      throw Errors.incompleteSignature(`The header ${n} is not signed.`);
    }
  }
  const secret = opts.lookupSecret(accessKeyId);
  if (secret === undefined) throw Errors.accessKeyNotFound();
  checkTime(header(req.headers, 'x-acs-date') ?? '', opts);
  const payloadHash = sha256Hex(req.body);
  const claimedHash = header(req.headers, 'x-acs-content-sha256') ?? '';
  if (!safeEqual(payloadHash, claimedHash.toLowerCase())) throw Errors.signatureDoesNotMatch();
  // RPC signs '/' whatever the request path (https://www.alibabacloud.com/help/en/sdk/product-overview/rpc-mechanism), so only the query matters.
  const { query } = splitUrl(req.url);
  const q = parseQuery(query);
  let matched = false;
  for (const encodeNames of [false, true]) {
    const canonical = canonicalRequestV3(req.method, q, req.headers, signedHeaders, claimedHash, encodeNames);
    const expected = hmacSha256Hex(secret, `ACS3-HMAC-SHA256\n${sha256Hex(canonical)}`);
    if (safeEqual(expected, signature.toLowerCase())) {
      matched = true;
      break;
    }
  }
  if (!matched) throw Errors.signatureDoesNotMatch();
  const nonce = header(req.headers, 'x-acs-signature-nonce') ?? '';
  if (!opts.nonces.use(`${accessKeyId}\n${nonce}`, opts.now)) throw Errors.nonceUsed();
  return {
    scheme: 'ACS3-HMAC-SHA256',
    action: header(req.headers, 'x-acs-action') ?? '',
    version: header(req.headers, 'x-acs-version') ?? '',
    accessKeyId,
    params: { ...bodyParams(req), ...q },
  };
}

/** The V2 string to sign over all parameters but Signature. */
export function stringToSignV2(method: string, params: Record<string, string>): string {
  const canonical = Object.keys(params)
    .filter((k) => k !== 'Signature')
    .sort()
    .map((k) => `${acsEncode(k)}=${acsEncode(params[k] ?? '')}`)
    .join('&');
  return `${method}&${acsEncode('/')}&${acsEncode(canonical)}`;
}

const V2_SIGNATURE_PARAMS = [
  'Signature',
  'SignatureMethod',
  'SignatureVersion',
  'SignatureNonce',
  'SignatureType',
  'AccessKeyId',
  'Timestamp',
  'Format',
  'Action',
  'Version',
  'SecurityToken',
];

function verifyV2(req: IncomingSignedRequest, opts: VerifyOptions): VerifiedRequest {
  const { query } = splitUrl(req.url);
  const all = { ...bodyParams(req), ...parseQuery(query) };
  for (const p of ['Signature', 'AccessKeyId', 'SignatureNonce', 'Timestamp']) {
    if (all[p] === undefined) throw Errors.incompleteSignature(`The parameter ${p} is missing.`);
  }
  if ((all.SignatureMethod ?? 'HMAC-SHA1') !== 'HMAC-SHA1') throw Errors.invalidSignatureMethod();
  const accessKeyId = all.AccessKeyId ?? '';
  const secret = opts.lookupSecret(accessKeyId);
  if (secret === undefined) throw Errors.accessKeyNotFound();
  checkTime(all.Timestamp ?? '', opts);
  const expected = createHmac('sha1', `${secret}&`).update(stringToSignV2(req.method, all)).digest('base64');
  if (!safeEqual(expected, all.Signature ?? '')) throw Errors.signatureDoesNotMatch();
  if (!opts.nonces.use(`${accessKeyId}\n${all.SignatureNonce ?? ''}`, opts.now)) throw Errors.nonceUsed();
  const params = Object.fromEntries(Object.entries(all).filter(([k]) => !V2_SIGNATURE_PARAMS.includes(k)));
  return {
    scheme: 'HMAC-SHA1',
    action: all.Action ?? header(req.headers, 'x-acs-action') ?? '',
    version: all.Version ?? header(req.headers, 'x-acs-version') ?? '',
    accessKeyId,
    params,
  };
}

/** Verifies the request or throws the ApiError the real gateway would answer. */
export function verifyRequest(req: IncomingSignedRequest, opts: VerifyOptions): VerifiedRequest {
  const auth = header(req.headers, 'authorization');
  if (auth !== undefined) return verifyV3(req, auth, opts);
  const { query } = splitUrl(req.url);
  if (/(^|&)Signature=/.test(query) || /(^|&)Signature=/.test(req.body.toString('utf8'))) {
    return verifyV2(req, opts);
  }
  throw Errors.incompleteSignature(
    'The request carries neither an Authorization header nor a Signature parameter.',
  );
}
