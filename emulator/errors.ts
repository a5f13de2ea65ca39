// The error answers of Alibaba Cloud OpenAPI: HTTP status + JSON
// {RequestId, HostId, Code, Message, Recommend}. Codes and statuses follow the
// real service (docs/error-codes.md); one constructor per code so
// every handler says the same thing the same way.
import { randomUUID } from 'node:crypto';

export class ApiError extends Error {
  readonly httpStatus: number;
  readonly code: string;
  constructor(httpStatus: number, code: string, message: string) {
    super(message);
    this.httpStatus = httpStatus;
    this.code = code;
  }
}

export function newRequestId(): string {
  return randomUUID().toUpperCase();
}

export function errorBody(err: ApiError, requestId: string, host: string): Record<string, string> {
  return {
    RequestId: requestId,
    HostId: host,
    Code: err.code,
    Message: err.message,
    Recommend: `https://api.aliyun.com/troubleshoot?q=${encodeURIComponent(err.code)}&product=Eci&requestId=${requestId}`,
  };
}

export const Errors = {
  missingParameter: (name: string) =>
    new ApiError(
      400,
      'MissingParameter',
      `The input parameter "${name}" that is mandatory for processing this request is not supplied.`,
    ),
  invalidParameter: (name: string, why?: string) =>
    new ApiError(
      400,
      'InvalidParameter',
      `The specified parameter "${name}" is not valid.${why ? ` ${why}` : ''}`,
    ),
  incompleteSignature: (why: string) =>
    new ApiError(
      400,
      'IncompleteSignature',
      `The request signature does not conform to Aliyun standards. ${why}`,
    ),
  invalidSignatureMethod: () =>
    new ApiError(400, 'InvalidSignatureMethod', 'Specified signature method is not supported.'),
  signatureDoesNotMatch: () =>
    new ApiError(400, 'SignatureDoesNotMatch', 'Specified signature is not matched with our calculation.'),
  accessKeyNotFound: () =>
    new ApiError(404, 'InvalidAccessKeyId.NotFound', 'Specified access key is not found.'),
  timestampFormat: () =>
    new ApiError(400, 'InvalidTimeStamp.Format', 'Specified time stamp or date value is not well formatted.'),
  timestampExpired: () =>
    new ApiError(400, 'InvalidTimeStamp.Expired', 'Specified time stamp or date value is expired.'),
  nonceUsed: () => new ApiError(400, 'SignatureNonceUsed', 'Specified signature nonce was used already.'),
  actionNotFound: (action: string, version: string) =>
    new ApiError(
      404,
      'InvalidAction.NotFound',
      `Specified api is not found, please check your url and method. (${action}, version ${version})`,
    ),
  throttling: () => new ApiError(400, 'Throttling.User', 'Request was denied due to user flow control.'),
  idempotentMismatch: () =>
    new ApiError(
      400,
      'IdempotentParameterMismatch',
      'Request uses a client token in a previous request but is not identical to that request.',
    ),
  incorrectStatus: (status: string) =>
    new ApiError(
      403,
      'IncorrectStatus',
      `The current status of the resource does not support this operation. (status: ${status})`,
    ),
  containerGroupNotFound: () =>
    new ApiError(404, 'InvalidContainerGroup.NotFound', 'The specified container group is not found.'),
  containerNotFound: (name: string) =>
    new ApiError(404, 'InvalidContainer.NotFound', `The specified container "${name}" is not found.`),
  imageCacheNotFound: () =>
    new ApiError(404, 'InvalidImageCache.NotFound', 'The specified image cache is not found.'),
  vSwitchNotFound: () =>
    new ApiError(404, 'InvalidVSwitchId.NotFound', 'The specified VSwitchId does not exist.'),
  securityGroupNotFound: () =>
    new ApiError(404, 'InvalidSecurityGroupId.NotFound', 'The specified SecurityGroupId does not exist.'),
  securityGroupVpcMismatch: () =>
    new ApiError(
      400,
      'InvalidSecurityGroup.NetworkMismatch',
      'The specified security group and vSwitch are not in the same VPC.',
    ),
  regionNotFound: (regionId: string) =>
    new ApiError(404, 'InvalidRegionId.NotFound', `The specified region "${regionId}" does not exist.`),
  zoneNotFound: () => new ApiError(404, 'InvalidZoneId.NotFound', 'The specified ZoneId does not exist.'),
  noStock: (zoneId: string) =>
    new ApiError(
      403,
      'OperationDenied.NoStock',
      `The resource is out of stock in the specified zone (${zoneId}). Please try other zones or vSwitches.`,
    ),
  dryRunPassed: () =>
    new ApiError(400, 'DryRunOperation', 'Request validation has been passed with DryRun flag set.'),
  internalError: () =>
    new ApiError(
      500,
      'InternalError',
      'The request processing has failed due to some unknown error, exception or failure.',
    ),
  serviceUnavailable: () =>
    new ApiError(
      503,
      'ServiceUnavailable',
      'The request has failed due to a temporary failure of the server.',
    ),
  // PrivateZone
  zoneNotExists: () => new ApiError(400, 'Zone.NotExists', 'The zone does not exist.'),
  zoneAlreadyExists: () => new ApiError(400, 'Zone.AlreadyExists', 'The zone already exists.'),
  recordNotExists: () => new ApiError(400, 'Record.NotExists', 'The record does not exist.'),
  recordDuplicate: () =>
    new ApiError(400, 'Record.Invalid.Conflict', 'A record with the same RR, type and value already exists.'),
  zoneVpcExists: () =>
    new ApiError(400, 'Zone.VpcExists', 'The zone still has VPCs bound; unbind them before deleting.'),
};
