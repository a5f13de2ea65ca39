// The address a virtual node advertises as its InternalIP: the API server dials it for logs,
// exec and the node proxy, and its node proxy refuses loopback and link-local addresses
// ("address not allowed", k8s.io/apimachinery pkg/util/proxy IsProxyableIP). In a cluster it
// is the reconciler pod's own IP (env POD_IP, from the downward API); elsewhere the machine's
// address on its default route, else its first other non-loopback IPv4.
import { networkInterfaces, type NetworkInterfaceInfo } from 'node:os';
import { readFileSync } from 'node:fs';

type Interfaces = Record<string, NetworkInterfaceInfo[] | undefined>;

/** Pure: loopback (127/8, ::1), link-local (169.254/16, fe80::/10) and unspecified addresses are refused by the node proxy. */
export function isProxyableIp(ip: string): boolean {
  if (ip.includes(':')) {
    const lower = ip.toLowerCase();
    return lower !== '::' && lower !== '::1' && !/^fe[89ab]/.test(lower);
  }
  return !/^(127\.|169\.254\.|0\.)/.test(ip);
}

/** Pure: the routable IPv4 to advertise, preferring the default route's interface; undefined if there is none. */
export function pickNodeIp(interfaces: Interfaces, defaultRouteInterface?: string): string | undefined {
  const candidates = (name: string) =>
    (interfaces[name] ?? []).filter((a) => a.family === 'IPv4' && !a.internal && isProxyableIp(a.address));
  if (defaultRouteInterface) {
    const preferred = candidates(defaultRouteInterface)[0];
    if (preferred) return preferred.address;
  }
  for (const name of Object.keys(interfaces)) {
    const first = candidates(name)[0];
    if (first) return first.address;
  }
  return undefined;
}

/** Pure: the interface of the IPv4 default route in /proc/net/route's text. */
export function defaultRouteInterfaceOf(procNetRoute: string): string | undefined {
  for (const line of procNetRoute.split('\n').slice(1)) {
    const [iface, destination, , , , , , mask] = line.trim().split(/\s+/);
    if (destination === '00000000' && mask === '00000000') return iface;
  }
  return undefined;
}

function defaultRouteInterface(): string | undefined {
  try {
    return defaultRouteInterfaceOf(readFileSync('/proc/net/route', 'utf8'));
  } catch {
    return undefined; // not Linux: fall back to the first interface with an address
  }
}

/**
 * The node's InternalIP: the flag (or VKUBELET_POD_IP), else env POD_IP, else the machine's
 * routable IPv4; throws when none exists, naming the flag to set.
 */
export function resolveNodeIp(
  configured: string | undefined,
  env: Record<string, string | undefined>,
): string {
  const fromEnv = env.POD_IP?.trim();
  const ip = configured ?? (fromEnv || pickNodeIp(networkInterfaces(), defaultRouteInterface()));
  if (!ip) {
    throw new Error(
      'no routable IPv4 address to advertise as the node InternalIP: set --node-ip (the API server refuses loopback node addresses)',
    );
  }
  return ip;
}
