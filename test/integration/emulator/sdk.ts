// Shared helpers for the emulator's SDK-over-HTTP tests.
import Eci, * as $Eci from '@alicloud/eci20180808';
import * as $OpenApi from '@alicloud/openapi-client';
import { startEmulator, type EmulatorHandle, type EmulatorInput } from '../../../emulator/index.ts';
import { EmulatorAdmin } from '../../../emulator/admin-client.ts';

export { $Eci };
export type EciClient = InstanceType<typeof Eci.default>;

export const FAST_TIMING = {
  schedulingMs: 40,
  pendingMs: 40,
  terminatingMs: 40,
  restartingMs: 40,
  updatingMs: 40,
  restartBackoffMs: 40,
  restartBackoffMaxMs: 80,
  imageCacheMs: 40,
  sleepScale: 0.02,
};

export interface TestEmulator {
  emu: EmulatorHandle;
  client: EciClient;
  admin: EmulatorAdmin;
}

export function eciClient(
  endpoint: string,
  extra: Partial<{ accessKeyId: string; accessKeySecret: string; signatureAlgorithm: string }> = {},
): EciClient {
  return new Eci.default(
    new $OpenApi.Config({
      accessKeyId: 'emulator-access-key-id',
      accessKeySecret: 'emulator-access-key-secret',
      endpoint,
      protocol: 'http',
      regionId: 'cn-hangzhou',
      // The SDK's 3 s default read timeout fails a test's burst of 150 calls queued behind one
      // emulator process on a loaded 2-core machine (seen: 64 of 150 ReadTimeout); what the
      // tests assert is the emulator's answer, not how fast a busy machine gives it.
      readTimeout: 60_000,
      ...extra,
    }),
  );
}

export async function startTestEmulator(input: EmulatorInput = {}): Promise<TestEmulator> {
  const emu = await startEmulator({
    logLevel: 'silent',
    ...input,
    timing: { ...FAST_TIMING, ...input.timing },
  });
  return { emu, client: eciClient(emu.endpoint), admin: new EmulatorAdmin(emu.url) };
}

export function container(
  name: string,
  script?: string,
  extra: Partial<ConstructorParameters<typeof $Eci.CreateContainerGroupRequestContainer>[0]> = {},
): $Eci.CreateContainerGroupRequestContainer {
  return new $Eci.CreateContainerGroupRequestContainer({
    name,
    image: 'busybox:1.36',
    cpu: 0.5,
    memory: 1,
    ...(script === undefined ? {} : { command: ['sh', '-c'], arg: [script] }),
    ...extra,
  });
}

export function createRequest(
  name: string,
  containers: $Eci.CreateContainerGroupRequestContainer[],
  extra: Partial<ConstructorParameters<typeof $Eci.CreateContainerGroupRequest>[0]> = {},
): $Eci.CreateContainerGroupRequest {
  return new $Eci.CreateContainerGroupRequest({
    regionId: 'cn-hangzhou',
    containerGroupName: name,
    securityGroupId: 'sg-emu',
    vSwitchId: 'vsw-emu-h',
    container: containers,
    ...extra,
  });
}

export async function describeOne(client: EciClient, id: string) {
  const r = await client.describeContainerGroups(
    new $Eci.DescribeContainerGroupsRequest({
      regionId: 'cn-hangzhou',
      containerGroupIds: JSON.stringify([id]),
    }),
  );
  return r.body?.containerGroups?.[0];
}

/** Polls until the check returns a value (not undefined) or the time runs out. */
export async function waitFor<T>(check: () => Promise<T | undefined>, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline)
      throw new Error(`condition not met in ${timeoutMs} ms${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export async function waitForStatus(client: EciClient, id: string, status: string, timeoutMs = 5000) {
  return waitFor(async () => {
    const g = await describeOne(client, id);
    return g?.status === status ? g : undefined;
  }, timeoutMs);
}

/** The SDK throws a plain Error with code/statusCode; this captures them. */
export async function apiError(
  p: Promise<unknown>,
): Promise<{ code: string; statusCode: number; message: string }> {
  try {
    await p;
  } catch (e) {
    const err = e as { code?: string; statusCode?: number; message?: string };
    return { code: String(err.code), statusCode: Number(err.statusCode), message: String(err.message) };
  }
  throw new Error('expected the call to fail');
}
