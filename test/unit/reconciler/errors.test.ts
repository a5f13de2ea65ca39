import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classifyEciError, describeEciError } from '../../../shared/errors.ts';

// Builds an error shaped exactly as the SDK throws it (openapi-wire §7).
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
