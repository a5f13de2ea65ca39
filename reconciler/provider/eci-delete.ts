// DeleteContainerGroup with ECI's `Force` parameter. ECI documents it (boolean, default false:
// the group is cleaned up after its graceful termination; true: without waiting for it),
// https://www.alibabacloud.com/help/en/eci/developer-reference/api-eci-2018-08-08-deletecontainergroup
// but @alicloud/eci20180808 2.0.3 has no field for it, and its deleteContainerGroupWithOptions
// copies only the fields it knows into the query. So a forced delete is sent through the SDK
// client's generic callApi, with a request model of our own that adds the field under ECI's
// exact wire name, and the same call parameters as the SDK's own method (docs/eci-api.md,
// "Deleting a group"). The SDK itself stays unmodified.
import * as $Eci from '@alicloud/eci20180808';
import * as $OpenApi from '@alicloud/openapi-client';
import * as OpenApiUtilModule from '@alicloud/openapi-util';

const OpenApiUtil = OpenApiUtilModule.default.default;

/** The SDK's DeleteContainerGroupRequest plus ECI's documented `Force`. */
export class ForceDeleteContainerGroupRequest extends $Eci.DeleteContainerGroupRequest {
  // `declare`: a class field would be re-initialised to undefined after the Model's constructor set it.
  declare force?: boolean;

  static override names(): Record<string, string> {
    return { ...super.names(), force: 'Force' };
  }

  static override types(): Record<string, unknown> {
    return { ...super.types(), force: 'boolean' };
  }
}

/** The wire query of a request model (what the SDK's methods build field by field). */
export function deleteQuery(request: ForceDeleteContainerGroupRequest): Record<string, string> {
  return OpenApiUtil.query(request.toMap());
}

/** The call as the SDK's deleteContainerGroupWithOptions makes it (the config's protocol wins). */
export function deleteCall(
  request: ForceDeleteContainerGroupRequest,
): [$OpenApi.Params, $OpenApi.OpenApiRequest] {
  const params = new $OpenApi.Params({
    action: 'DeleteContainerGroup',
    version: '2018-08-08',
    protocol: 'HTTPS',
    pathname: '/',
    method: 'POST',
    authType: 'AK',
    style: 'RPC',
    reqBodyType: 'formData',
    bodyType: 'json',
  });
  return [params, new $OpenApi.OpenApiRequest({ query: deleteQuery(request) })];
}
