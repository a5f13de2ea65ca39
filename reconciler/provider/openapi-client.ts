// What the ECI client and the PrivateZone client share: where and how they call an Alibaba
// Cloud OpenAPI (endpoint, protocol, region, timeouts raised above the SDK's 3 s defaults)
// and the per-call hook the metrics count with. Defined once so the two cannot drift.
import * as $OpenApi from '@alicloud/openapi-client';
import * as $Util from '@alicloud/tea-util';
import type { Credentials } from '../config.ts';

export interface OpenApiClientOptions {
  /** host[:port], no scheme. */
  endpoint: string;
  protocol: 'http' | 'https';
  regionId: string;
  credentials: Credentials;
  timeoutMs?: number;
  /** Called once per API call with the action and 'ok' or the error code. */
  onCall?: (action: string, outcome: string, durationMs: number) => void;
}

const DEFAULT_TIMEOUT_MS = 10_000;

/** The SDK configuration for `credentials` (rebuilt when the Secret rotates). */
export function openApiConfig(options: OpenApiClientOptions, credentials: Credentials): $OpenApi.Config {
  const timeout = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  return new $OpenApi.Config({
    accessKeyId: credentials.accessKeyId,
    accessKeySecret: credentials.accessKeySecret,
    endpoint: options.endpoint,
    protocol: options.protocol,
    regionId: options.regionId,
    readTimeout: timeout,
    connectTimeout: timeout,
  });
}

/** Per-call runtime options: the same timeouts (the SDK reads them from here, not the config). */
export function runtimeOptions(options: OpenApiClientOptions): $Util.RuntimeOptions {
  const timeout = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  return new $Util.RuntimeOptions({ readTimeout: timeout, connectTimeout: timeout });
}
