// vSwitch CIDRs for this run's emulator. Process mode routes them on the host, so two
// emulators (another run, a test, a benchmark) must not share them: take the first
// 10.24x.0.0/16 that no route on the host touches. Pure; the caller reads /proc/net/route.

/** Destinations of /proc/net/route as dotted IPv4 (the file holds them as little-endian hex). */
export function routedDestinations(procNetRoute: string): string[] {
  return procNetRoute
    .split('\n')
    .slice(1)
    .map((line) => line.trim().split(/\s+/)[1])
    .filter((hex): hex is string => hex !== undefined && /^[0-9A-Fa-f]{8}$/.test(hex))
    .map((hex) => [6, 4, 2, 0].map((i) => parseInt(hex.slice(i, i + 2), 16)).join('.'));
}

/** `--vswitch` values (ID=ZONE:CIDR) for the two zones of the emulator's defaults. */
export function vSwitchFlags(routed: readonly string[]): string[] {
  for (let second = 241; second <= 254; second++) {
    if (routed.some((d) => d.startsWith(`10.${second}.`))) continue;
    return [`vsw-emu-h=cn-hangzhou-h:10.${second}.0.0/20`, `vsw-emu-i=cn-hangzhou-i:10.${second}.16.0/20`];
  }
  throw new Error('no free 10.241-254.0.0/16 for the emulator vSwitches: every one is routed on this host');
}
