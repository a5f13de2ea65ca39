import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  classifyEciError,
  describeEciError,
  EciCallError,
  redactErrorText,
} from '../../../reconciler/provider/eci-errors.ts';

// Builds an error shaped exactly as the SDK throws it (docs/eci-api.md, "Calling it").
function sdkError(code: string, statusCode: number, message = 'msg', requestId = 'REQ-1'): Error {
  const err = new Error(`${code}: code: ${statusCode}, ${message} request id: ${requestId}`) as Error & {
    code: string;
    statusCode: number;
    data: Record<string, unknown>;
  };
  err.code = code;
  err.statusCode = statusCode;
  err.data = { Code: code, Message: message, RequestId: requestId, statusCode };
  return err;
}

const cases: [string, number, string, boolean][] = [
  ['Throttling', 400, 'throttled', true],
  ['Throttling.User', 400, 'throttled', true],
  ['Throttling.Api', 400, 'throttled', true],
  ['NoStock', 400, 'no-stock', true],
  ['OperationDenied.NoStock', 403, 'no-stock', true],
  ['RecommendEmpty.InstanceTypeNoStock', 400, 'no-stock', true],
  ['Zone.NotOnSale', 400, 'no-stock', true],
  ['InvalidVSwitchId.IpNotEnough', 400, 'no-stock', true],
  ['InvalidContainerGroup.NotFound', 404, 'not-found', false],
  ['ContainerGroup.NotFound', 400, 'not-found', false],
  ['InvalidAccessKeyId.NotFound', 404, 'auth', true],
  ['SignatureDoesNotMatch', 400, 'auth', true],
  ['Forbidden.RAM', 403, 'auth', true],
  ['IncompleteSignature', 400, 'auth', true],
  ['IdempotentParameterMismatch', 409, 'conflict', false],
  ['IncorrectStatus', 403, 'busy', true],
  ['InternalError', 500, 'server', true],
  ['ServiceUnavailable', 503, 'server', true],
  ['InvalidParameter', 400, 'invalid', false],
  ['MissingParameter', 400, 'invalid', false],
  ['InvalidParameter.VolumeType', 400, 'invalid', false],
  ['InvalidApi.NotFound', 404, 'invalid', false],
  ['InvalidContainer.NotFound', 404, 'not-found', false],
  // A retired/unknown action or a missing network/config object is the request's fault, not "gone".
  ['InvalidAction.NotFound', 404, 'invalid', false],
  ['InvalidVSwitchId.NotFound', 404, 'invalid', false],
  ['InvalidSecurityGroupId.NotFound', 404, 'invalid', false],
  ['InvalidRegionId.NotFound', 404, 'invalid', false],
  ['InvalidZoneId.NotFound', 404, 'invalid', false],
  ['InvalidImageCache.NotFound', 404, 'invalid', false],
  ['Something.NotFound', 404, 'invalid', false],
];

for (const [code, status, category, retryable] of cases) {
  test(`${code} (${status}) is ${category}, retryable=${retryable}`, () => {
    const c = classifyEciError(sdkError(code, status));
    assert.equal(c.category, category);
    assert.equal(c.retryable, retryable);
    assert.equal(c.code, code);
    assert.equal(c.statusCode, status);
    assert.equal(c.requestId, 'REQ-1');
  });
}

test('uses the clean ECI message, not the SDK composite', () => {
  const c = classifyEciError(
    sdkError('InvalidParameter', 400, 'The specified parameter "Container.1.Image" is not valid.'),
  );
  assert.equal(c.message, 'The specified parameter "Container.1.Image" is not valid.');
  assert.equal(
    describeEciError(c),
    'InvalidParameter: The specified parameter "Container.1.Image" is not valid. (RequestId: REQ-1)',
  );
});

test('a 500 without Code (code "undefined") is a server error', () => {
  const err = Object.assign(new Error('undefined: code: 500, only message request id: undefined'), {
    code: 'undefined',
    statusCode: 500,
    data: { Message: 'only message', statusCode: 500 },
  });
  const c = classifyEciError(err);
  assert.equal(c.category, 'server');
  assert.equal(c.code, 'HTTP500');
  assert.equal(c.requestId, undefined);
});

test('a 4xx without Code is invalid', () => {
  const c = classifyEciError(Object.assign(new Error('x'), { code: 'undefined', statusCode: 400 }));
  assert.equal(c.category, 'invalid');
  assert.equal(c.code, 'HTTP400');
});

test('network errors without an HTTP status are retryable', () => {
  const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1 POST http://x failed.'), {
    code: 'ECONNREFUSED',
  });
  assert.deepEqual(
    [classifyEciError(refused).category, classifyEciError(refused).code, classifyEciError(refused).retryable],
    ['network', 'ECONNREFUSED', true],
  );
  const timeout = new Error('ReadTimeout(3000)');
  timeout.name = 'RequestTimeoutError';
  assert.equal(classifyEciError(timeout).code, 'RequestTimeoutError');
  const syntax = new SyntaxError('Unexpected end of JSON input');
  assert.equal(classifyEciError(syntax).category, 'network');
  assert.equal(classifyEciError(syntax).code, 'SyntaxError');
});

test('non-error values are classified without throwing', () => {
  assert.equal(classifyEciError('boom').category, 'network');
  assert.equal(classifyEciError('boom').message, 'boom');
  assert.equal(classifyEciError(undefined).category, 'network');
  assert.equal(classifyEciError(null).message, 'unknown error');
});

// Issue 10 item 2: the HTTP layer under the SDK appends the request URL, query string
// included, to network error messages; for CreateContainerGroup that is every parameter.
const LEAKY_URL =
  'http://eci.cn-hangzhou.aliyuncs.com/?Container.1.EnvironmentVar.1.Key=DB_PASSWORD&Container.1.EnvironmentVar.1.Value=s3cr3t-DB-PASSWORD&ImageRegistryCredential.1.Password=hunter2';

test('redactErrorText keeps the code and host, drops paths, query strings and key=value runs', () => {
  assert.equal(
    redactErrorText(`read ECONNRESETPOST ${LEAKY_URL} failed.`),
    'read ECONNRESET; POST http://eci.cn-hangzhou.aliyuncs.com failed.',
  );
  assert.equal(
    redactErrorText(`ConnectTimeout: Connect ${LEAKY_URL} failed.`),
    'ConnectTimeout: Connect http://eci.cn-hangzhou.aliyuncs.com failed.',
  );
  assert.equal(
    redactErrorText(
      'ReadTimeout: 10000. POST /?Container.1.EnvironmentVar.1.Value=s3cr3t-DB-PASSWORD failed.',
    ),
    'ReadTimeout: 10000. POST / [query redacted] failed.',
  );
  assert.equal(
    redactErrorText('connect to https://user:pw@host:443/p failed'),
    'connect to https://host:443 failed',
  );
  assert.equal(redactErrorText('body was A.1=x&B.2=s3cr3t'), 'body was [redacted]');
  assert.equal(
    redactErrorText(
      'Specified signature is not matched with our calculation. server string to sign is:POST&%2F&Container.1.EnvironmentVar.1.Value%3Ds3cr3t%26RegionId%3Dcn-hangzhou',
    ),
    'Specified signature is not matched with our calculation. server string to sign [redacted]',
  );
  assert.equal(
    redactErrorText('The specified parameter "Container.1.Image" is not valid.'),
    'The specified parameter "Container.1.Image" is not valid.',
  );
  assert.ok(redactErrorText('x'.repeat(5000)).length <= 512, 'bounded');
  // A megabyte-long URL or token (a big request) is cut before it is looked at.
  const huge = redactErrorText(`read ECONNRESETPOST http://h/?${'A.1=x&'.repeat(200_000)} failed.`);
  assert.equal(huge, 'read ECONNRESET; POST http://h');
  assert.ok(redactErrorText('a'.repeat(2_000_000) + '://x').length <= 512);
});

test('classifyEciError redacts a raw network error, its code and its RequestId', () => {
  const err = Object.assign(new Error(`read ECONNRESETPOST ${LEAKY_URL} failed.`), { code: 'ECONNRESET' });
  const c = classifyEciError(err);
  assert.deepEqual([c.category, c.code, c.retryable], ['network', 'ECONNRESET', true]);
  for (const text of [c.message, describeEciError(c)]) {
    assert.ok(!text.includes('s3cr3t') && !text.includes('hunter2') && !text.includes('?'), text);
  }
  const odd = classifyEciError({ code: 'X=s3cr3t&y', statusCode: 400, data: { RequestId: 'a b?c=d' } });
  assert.equal(odd.code, 'HTTP400', 'a code that is not an identifier is not passed on');
  assert.equal(odd.requestId, undefined);
  assert.doesNotMatch(
    describeEciError({ category: 'network', retryable: true, code: 'E', message: `x ${LEAKY_URL}` }),
    /s3cr3t|\?/,
    'describeEciError redacts a hand-built classification too',
  );
});

test('EciCallError carries the redacted classification and nothing of the SDK error', () => {
  const sdk = Object.assign(new Error(`read ECONNRESETPOST ${LEAKY_URL} failed.`), {
    code: 'ECONNRESET',
    data: { lastRequest: { query: { 'Container.1.EnvironmentVar.1.Value': 's3cr3t-DB-PASSWORD' } } },
  });
  const err = EciCallError.from('CreateContainerGroup', sdk);
  assert.equal(err.name, 'EciCallError');
  assert.equal(err.action, 'CreateContainerGroup');
  assert.equal(err.cause, undefined);
  assert.equal(
    err.message,
    'CreateContainerGroup failed: ECONNRESET: read ECONNRESET; POST http://eci.cn-hangzhou.aliyuncs.com failed.',
  );
  assert.deepEqual(Object.keys(err).sort(), [
    'action',
    'category',
    'code',
    'detail',
    'requestId',
    'retryable',
    'statusCode',
  ]);
  assert.doesNotMatch(JSON.stringify(err) + String(err.stack), /s3cr3t|hunter2/);
  assert.deepEqual(
    classifyEciError(err),
    classifyEciError(sdk),
    'classifying it again gives the same answer',
  );
  assert.equal(EciCallError.from('X', err), err);
});
