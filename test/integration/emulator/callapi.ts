// The generic OpenAPI client (PrivateZone has no typed Node SDK; retired ECI actions neither).
import * as $OpenApi from '@alicloud/openapi-client';
import * as OpenApiUtilModule from '@alicloud/openapi-util';
import * as $Util from '@alicloud/tea-util';

const OpenApiUtil = OpenApiUtilModule.default.default;
const OpenApiClient = $OpenApi.default.default;

export function genericClient(endpoint: string): InstanceType<typeof OpenApiClient> {
  return new OpenApiClient(
    new $OpenApi.Config({
      accessKeyId: 'emulator-access-key-id',
      accessKeySecret: 'emulator-access-key-secret',
      endpoint,
      protocol: 'http',
    }),
  );
}

/** callApi as the PrivateZone integration does it: RPC style, parameters in the query. */
export async function callAction(
  client: InstanceType<typeof OpenApiClient>,
  version: string,
  action: string,
  params: Record<string, unknown> = {},
): Promise<Record<string, unknown>> {
  const p = new $OpenApi.Params({
    action,
    version,
    protocol: 'HTTPS',
    method: 'POST',
    authType: 'AK',
    style: 'RPC',
    pathname: '/',
    reqBodyType: 'json',
    bodyType: 'json',
  });
  const request = new $OpenApi.OpenApiRequest({ query: OpenApiUtil.query(params) });
  const res = (await client.callApi(p, request, new $Util.RuntimeOptions({}))) as {
    body: Record<string, unknown>;
  };
  return res.body;
}
