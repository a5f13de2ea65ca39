// An ECI call whose request carries a field ECI documents but @alicloud/eci20180808 2.0.3
// lacks (a forced delete's `Force`, a privileged container's `SecurityContextPrivileged`:
// docs/eci-api.md, "Fields the SDK lacks"). The SDK's own methods copy only the fields they
// know, so such a request goes through the SDK client's generic callApi: the query is the
// request model's own toMap, flattened as the SDK's methods flatten theirs (OpenApiUtil.query),
// with the call parameters every 2018-08-08 RPC method of the SDK passes, so the signed wire
// request is the SDK's own plus the added fields. The SDK itself stays unmodified.
import * as $OpenApi from '@alicloud/openapi-client';
import * as OpenApiUtilModule from '@alicloud/openapi-util';

const OpenApiUtil = OpenApiUtilModule.default.default;

/** An SDK request model, or a subclass of one with ECI's extra fields under their wire names. */
interface RequestModel {
  toMap(): Record<string, unknown>;
}

/** The arguments of the SDK client's callApi for `action`, as its `<action>WithOptions` builds them (the config's protocol wins). */
export function rpcCall(action: string, request: RequestModel): [$OpenApi.Params, $OpenApi.OpenApiRequest] {
  const params = new $OpenApi.Params({
    action,
    version: '2018-08-08',
    protocol: 'HTTPS',
    pathname: '/',
    method: 'POST',
    authType: 'AK',
    style: 'RPC',
    reqBodyType: 'formData',
    bodyType: 'json',
  });
  return [params, new $OpenApi.OpenApiRequest({ query: OpenApiUtil.query(request.toMap()) })];
}
