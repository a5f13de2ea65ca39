// An OpenAPI RPC call made through an SDK client's generic callApi. ECI: a call whose request
// carries a field ECI documents but @alicloud/eci20180808 2.0.3 lacks (a forced delete's
// `Force`, a privileged container's `SecurityContextPrivileged`: docs/eci-api.md, "Fields the
// SDK lacks"). The SDK's own methods copy only the fields they know, so such a request goes
// through the SDK client's generic callApi: the query is the request model's own toMap,
// flattened as the SDK's methods flatten theirs (OpenApiUtil.query), with the call parameters
// every 2018-08-08 RPC method of the SDK passes, so the signed wire request is the SDK's own
// plus the added fields. The SDK itself stays unmodified. PrivateZone
// (reconciler/privatezone/client.ts) has no SDK among the chosen packages and calls the same way.
import * as $OpenApi from '@alicloud/openapi-client';
import * as OpenApiUtilModule from '@alicloud/openapi-util';

const OpenApiUtil = OpenApiUtilModule.default.default;

/** One RPC-style Alibaba Cloud API: its version and the body type its SDK methods declare. */
export interface RpcApi {
  version: string;
  reqBodyType: 'formData' | 'json';
}

/** ECI 2018-08-08, as @alicloud/eci20180808's methods call it. */
const ECI_RPC: RpcApi = { version: '2018-08-08', reqBodyType: 'formData' };

/**
 * The arguments of an OpenAPI client's callApi for `action` with these query fields (a request
 * model's toMap(), or plain fields), as the SDK's `<action>WithOptions` builds them; the
 * config's protocol wins over the one named here, as callApi decides.
 */
export function rpcCall(
  action: string,
  query: Record<string, unknown>,
  api: RpcApi = ECI_RPC,
): [$OpenApi.Params, $OpenApi.OpenApiRequest] {
  const params = new $OpenApi.Params({
    action,
    version: api.version,
    protocol: 'HTTPS',
    pathname: '/',
    method: 'POST',
    authType: 'AK',
    style: 'RPC',
    reqBodyType: api.reqBodyType,
    bodyType: 'json',
  });
  return [params, new $OpenApi.OpenApiRequest({ query: OpenApiUtil.query(query) })];
}
