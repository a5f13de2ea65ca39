// The verifier against signatures computed by the SDK's own signing code
// (@alicloud/openapi-util), so "accepts what the SDK sends" is not circular.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as OpenApiUtilModule from '@alicloud/openapi-util';
import { ApiError } from '../../../emulator/errors.ts';
import {
  acsEncode,
  NonceStore,
  parseQuery,
  verifyRequest,
  type VerifyOptions,
} from '../../../emulator/signature.ts';

// A CommonJS module whose class is exports.default.
const OpenApiUtil = OpenApiUtilModule.default.default;
const AK = 'test-ak';
const SK = 'test-secret';
const NOW = Date.parse('2026-11-27T18:00:00Z');
const EMPTY_SHA = createHash('sha256').update('').digest('hex');

function opts(extra: Partial<VerifyOptions> = {}): VerifyOptions {
  return {
    lookupSecret: (ak) => (ak === AK ? SK : undefined),
    nonces: new NonceStore(),
    now: NOW,
    clockSkewMs: 15 * 60 * 1000,
    ...extra,
  };
}

/** Builds a request exactly as openapi-client's doRequest does (V3). */
function signedV3(
  query: Record<string, string>,
  over: { date?: string; nonce?: string; secret?: string } = {},
) {
  const headers: Record<string, string> = {
    host: '127.0.0.1:8080',
    'x-acs-version': '2018-08-08',
    'x-acs-action': 'DescribeContainerGroups',
    'x-acs-date': over.date ?? '2026-11-27T18:00:00Z',
    'x-acs-signature-nonce': over.nonce ?? 'b5eb41269fa4a0bc24d82d58a14f1991',
    'x-acs-content-sha256': EMPTY_SHA,
    'x-acs-credentials-provider': 'static_ak',
  };
  const authorization = OpenApiUtil.getAuthorization(
    { pathname: '/', method: 'POST', query, headers } as never,
    'ACS3-HMAC-SHA256',
    EMPTY_SHA,
    AK,
    over.secret ?? SK,
  );
  const qs = Object.entries(query)
    .map(([k, v]) => `${k}=${encodeURIComponent(v).replace(/'/g, '%27')}`)
    .join('&');
  const all: Record<string, string> & { authorization: string } = {
    ...headers,
    authorization: String(authorization),
  };
  return { method: 'POST', url: `/?${qs}`, headers: all, body: Buffer.alloc(0) };
}

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof ApiError, String(e));
    return e.code;
  }
  return 'accepted';
}

describe('ACS3-HMAC-SHA256 verification', () => {
  const query = {
    RegionId: 'cn-hangzhou',
    'Container.10.Name': 'ten',
    'Container.2.Name': 'two',
    'Container.1.EnvironmentVar.1.Value': "a b+c&d=e/f!'()*~ü€%",
  };

  test('accepts what openapi-util signs, with unsorted reserved characters and Container.10', () => {
    const v = verifyRequest(signedV3(query), opts());
    assert.equal(v.action, 'DescribeContainerGroups');
    assert.equal(v.version, '2018-08-08');
    assert.equal(v.accessKeyId, AK);
    assert.equal(v.params['Container.1.EnvironmentVar.1.Value'], "a b+c&d=e/f!'()*~ü€%");
  });

  test('a changed parameter value, an extra parameter or a changed action does not match', () => {
    const r = signedV3(query);
    assert.equal(
      code(() => verifyRequest({ ...r, url: r.url.replace('ten', 'eleven') }, opts())),
      'SignatureDoesNotMatch',
    );
    assert.equal(
      code(() => verifyRequest({ ...r, url: `${r.url}&Extra=1` }, opts())),
      'SignatureDoesNotMatch',
    );
    const h = { ...r.headers, 'x-acs-action': 'DeleteContainerGroup' };
    assert.equal(
      code(() => verifyRequest({ ...r, headers: h }, opts())),
      'SignatureDoesNotMatch',
    );
  });

  test('a wrong secret does not match; an unknown key is not found', () => {
    assert.equal(
      code(() => verifyRequest(signedV3(query, { secret: 'other' }), opts())),
      'SignatureDoesNotMatch',
    );
    assert.equal(
      code(() => verifyRequest(signedV3(query), opts({ lookupSecret: () => undefined }))),
      'InvalidAccessKeyId.NotFound',
    );
  });

  test('a body that does not hash to x-acs-content-sha256 does not match', () => {
    const r = signedV3(query);
    assert.equal(
      code(() => verifyRequest({ ...r, body: Buffer.from('x') }, opts())),
      'SignatureDoesNotMatch',
    );
  });

  test('timestamps outside the window or badly formatted are rejected', () => {
    assert.equal(
      code(() => verifyRequest(signedV3(query, { date: '2026-11-27T18:20:00Z' }), opts())),
      'InvalidTimeStamp.Expired',
    );
    assert.equal(
      code(() => verifyRequest(signedV3(query, { date: '2026-11-27 18:00:00' }), opts())),
      'InvalidTimeStamp.Format',
    );
    assert.equal(
      code(() => verifyRequest(signedV3(query, { date: '2026-11-27T18:20:00Z' }), opts({ clockSkewMs: -1 }))),
      'accepted',
    );
  });

  test('a replayed nonce is rejected, only after a successful match', () => {
    const o = opts();
    const r = signedV3(query);
    assert.equal(
      code(() => verifyRequest({ ...r, url: `${r.url}&X=1` }, o)),
      'SignatureDoesNotMatch',
    );
    assert.equal(
      code(() => verifyRequest(r, o)),
      'accepted',
    );
    assert.equal(
      code(() => verifyRequest(r, o)),
      'SignatureNonceUsed',
    );
  });

  test('a missing Authorization, a missing or unsigned x-acs header is an incomplete signature', () => {
    const r = signedV3(query);
    const { authorization: _a, ...noAuth } = r.headers;
    assert.equal(
      code(() => verifyRequest({ ...r, headers: noAuth }, opts())),
      'IncompleteSignature',
    );
    const { 'x-acs-date': _d, ...noDate } = r.headers;
    assert.equal(
      code(() => verifyRequest({ ...r, headers: noDate }, opts())),
      'IncompleteSignature',
    );
    assert.equal(
      code(() => verifyRequest({ ...r, headers: { ...r.headers, 'x-acs-extra': '1' } }, opts())),
      'IncompleteSignature',
    );
    assert.equal(
      code(() =>
        verifyRequest(
          { ...r, headers: { ...r.headers, authorization: 'ACS3-HMAC-SHA256 nonsense' } },
          opts(),
        ),
      ),
      'IncompleteSignature',
    );
    const other = r.headers.authorization.replace('ACS3-HMAC-SHA256', 'ACS3-HMAC-SM3');
    assert.equal(
      code(() => verifyRequest({ ...r, headers: { ...r.headers, authorization: other } }, opts())),
      'InvalidSignatureMethod',
    );
  });
});

describe('legacy RPC HMAC-SHA1 verification', () => {
  function signedV2(params: Record<string, string>) {
    const all: Record<string, string> = {
      Action: 'DeleteContainerGroup',
      Format: 'json',
      Version: '2018-08-08',
      Timestamp: '2026-11-27T18:00:00Z',
      SignatureNonce: 'n-1',
      SignatureMethod: 'HMAC-SHA1',
      SignatureVersion: '1.0',
      AccessKeyId: AK,
      ...params,
    };
    all.Signature = OpenApiUtil.getRPCSignature(all, 'POST', SK);
    const qs = Object.entries(all)
      .map(([k, v]) => `${k}=${encodeURIComponent(v)}`)
      .join('&');
    return { method: 'POST', url: `/?${qs}`, headers: { host: '127.0.0.1:8080' }, body: Buffer.alloc(0) };
  }

  test('accepts the SDK signature and strips the signature parameters', () => {
    const v = verifyRequest(signedV2({ ContainerGroupId: 'eci-x', Weird: "a b*()'!~" }), opts());
    assert.equal(v.scheme, 'HMAC-SHA1');
    assert.equal(v.action, 'DeleteContainerGroup');
    assert.deepEqual(v.params, { ContainerGroupId: 'eci-x', Weird: "a b*()'!~" });
  });

  test('a changed value or a form body parameter changes the signature', () => {
    const r = signedV2({ ContainerGroupId: 'eci-x' });
    assert.equal(
      code(() => verifyRequest({ ...r, url: r.url.replace('eci-x', 'eci-y') }, opts())),
      'SignatureDoesNotMatch',
    );
    const form = {
      ...r,
      headers: { ...r.headers, 'content-type': 'application/x-www-form-urlencoded' },
      body: Buffer.from('Extra=1'),
    };
    assert.equal(
      code(() => verifyRequest(form, opts())),
      'SignatureDoesNotMatch',
    );
  });
});

describe('query helpers', () => {
  test('acsEncode escapes like openapi-util, parseQuery decodes', () => {
    assert.equal(acsEncode("a b!'()*~"), 'a%20b%21%27%28%29%2A~');
    assert.deepEqual(parseQuery('A=1&B=a%20b&C=&D'), { A: '1', B: 'a b', C: '', D: '' });
  });
});
