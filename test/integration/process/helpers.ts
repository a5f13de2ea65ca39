// Process-mode test helpers: an emulator running real processes on a vSwitch CIDR
// of its own (so test files running side by side never share a bridge subnet),
// and the host-side checks the cleanup tests make.
import { execFileSync } from 'node:child_process';
import { readdirSync, readlinkSync } from 'node:fs';
import { probeProcessMode } from '../../../emulator/process/probe.ts';
import { $Eci, startTestEmulator, type TestEmulator } from '../emulator/sdk.ts';

export { $Eci };

const probe = probeProcessMode();
/** `skip` option for node:test: the reason process mode cannot run here, or false. */
export const skipUnlessProcessMode: string | false = probe.ok
  ? false
  : `process mode unavailable: ${probe.reason}`;

export async function startProcessEmulator(thirdOctet: number): Promise<TestEmulator> {
  return startTestEmulator({
    containers: 'process',
    quotas: false, // the tests poll logs faster than the per-minute log quota allows
    vSwitches: [
      { vSwitchId: 'vsw-emu-h', zoneId: 'cn-hangzhou-h', vpcId: 'vpc-emu', cidr: `10.${thirdOctet}.0.0/24` },
    ],
    zones: ['cn-hangzhou-h'],
  });
}

export async function log(
  t: TestEmulator,
  id: string,
  containerName: string,
  lastTime = false,
): Promise<string> {
  const r = await t.client.describeContainerLog(
    new $Eci.DescribeContainerLogRequest({ containerGroupId: id, containerName, lastTime }),
  );
  return r.body?.content ?? '';
}

export function hostLinks(): string {
  return execFileSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' });
}

/** Command lines of every process on the host. */
export function processTable(): string {
  return execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' });
}

/** Network namespace → PIDs in it, for every process not in this process's network namespace. */
export function foreignNetnsProcesses(): Map<string, number[]> {
  const own = readlinkSync('/proc/self/ns/net');
  const out = new Map<string, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let ns: string;
    try {
      ns = readlinkSync(`/proc/${entry}/ns/net`);
    } catch {
      continue; // exited meanwhile
    }
    if (ns !== own) out.set(ns, [...(out.get(ns) ?? []), Number(entry)]);
  }
  return out;
}
