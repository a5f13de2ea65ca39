// The host side of process mode's networking: one bridge per emulator carrying
// every vSwitch's gateway (.1) address, and per group a veth pair whose inner end
// becomes eth0 in the group's network namespace with the group's IntranetIp, so
// the host reaches every group at the IP the API reports.
import { randomBytes } from 'node:crypto';
import type { VSwitchConfig } from '../options.ts';
import { isAlive, runHost, tryHost, tryHostSync } from './host-commands.ts';

export interface Subnet {
  cidr: string;
  gateway: string;
  prefix: number;
}

function toInt(ip: string): number {
  return ip.split('.').reduce((acc, o) => acc * 256 + Number(o), 0);
}

function toDotted(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
}

/** Pure: the vSwitch CIDR's gateway (network + 1) and prefix length. */
export function subnetOf(cidr: string): Subnet {
  const [base, bits] = cidr.split('/') as [string, string];
  const prefix = Number(bits);
  const size = 2 ** (32 - prefix);
  const network = Math.floor(toInt(base) / size) * size;
  return { cidr, gateway: toDotted(network + 1), prefix };
}

/** Pure: the subnet of the vSwitch `ip` belongs to. */
export function subnetFor(vSwitches: readonly VSwitchConfig[], ip: string): Subnet | undefined {
  for (const v of vSwitches) {
    const s = subnetOf(v.cidr);
    const size = 2 ** (32 - s.prefix);
    if (Math.floor(toInt(ip) / size) === Math.floor(toInt(s.gateway) / size)) return s;
  }
  return undefined;
}

const OWNER_ALIAS = 'eci-emulator:pid=';

/** Pure: bridges in `ip -o link` output whose owning emulator (alias) is not alive. */
export function staleBridges(ipLinkOutput: string, alive: (pid: number) => boolean): string[] {
  const out: string[] = [];
  for (const line of ipLinkOutput.split('\n')) {
    const name = /^\d+: (eciemu[0-9a-f]{6})[:@]/.exec(line)?.[1];
    const owner = new RegExp(`alias ${OWNER_ALIAS}(\\d+)`).exec(line)?.[1];
    if (name && owner && !alive(Number(owner))) out.push(name);
  }
  return out;
}

/** Removes bridges left by emulators that died without cleaning up (kill -9). */
export async function reapStaleBridges(): Promise<string[]> {
  const stale = staleBridges(await runHost('ip', ['-o', 'link', 'show']), isAlive);
  for (const name of stale) await tryHost('ip', ['link', 'del', name]);
  return stale;
}

export class HostBridge {
  readonly name = `eciemu${randomBytes(3).toString('hex')}`;
  private readonly subnets: Subnet[];
  private up = false;

  constructor(vSwitches: readonly VSwitchConfig[]) {
    const seen = new Set<string>();
    this.subnets = vSwitches
      .map((v) => subnetOf(v.cidr))
      .filter((s) => !seen.has(s.cidr) && seen.add(s.cidr));
  }

  /** Another emulator (or anything else) already routes one of our CIDRs: say which. */
  async conflict(): Promise<string | undefined> {
    for (const s of this.subnets) {
      const routes = (await runHost('ip', ['-4', '-o', 'route', 'show', 'exact', s.cidr])).trim();
      if (routes !== '') return `vSwitch CIDR ${s.cidr} is already routed on this host (${routes})`;
    }
    return undefined;
  }

  async create(): Promise<void> {
    await runHost('ip', ['link', 'add', this.name, 'type', 'bridge']);
    this.up = true;
    // The owner, so a later emulator can remove this bridge if we die without cleaning up.
    await runHost('ip', ['link', 'set', this.name, 'alias', `${OWNER_ALIAS}${process.pid}`]);
    for (const s of this.subnets) {
      await runHost('ip', ['addr', 'add', `${s.gateway}/${s.prefix}`, 'dev', this.name]);
    }
    await runHost('ip', ['link', 'set', this.name, 'up']);
  }

  /** A veth from the bridge into the namespace of `pid`, as eth0 with `ip`, default route via the gateway. */
  async attach(pid: number, ip: string, subnet: Subnet): Promise<string> {
    const tag = randomBytes(4).toString('hex');
    const hostEnd = `ev${tag}`;
    const inner = `ep${tag}`;
    await runHost('ip', [
      'link',
      'add',
      hostEnd,
      'type',
      'veth',
      'peer',
      'name',
      inner,
      'netns',
      String(pid),
    ]);
    await runHost('ip', ['link', 'set', hostEnd, 'master', this.name, 'up']);
    const batch = [
      `link set ${inner} name eth0`,
      `addr add ${ip}/${subnet.prefix} dev eth0`,
      'link set eth0 up',
      'link set lo up',
      `route add default via ${subnet.gateway}`,
    ].join('\n');
    await runHost('nsenter', ['-t', String(pid), '-n', 'ip', '-batch', '-'], `${batch}\n`);
    return hostEnd;
  }

  async detach(hostEnd: string): Promise<void> {
    await tryHost('ip', ['link', 'del', hostEnd]);
  }

  async destroy(): Promise<void> {
    if (!this.up) return;
    this.up = false;
    await tryHost('ip', ['link', 'del', this.name]);
  }

  destroySync(): void {
    if (!this.up) return;
    this.up = false;
    tryHostSync('ip', ['link', 'del', this.name]);
  }
}
