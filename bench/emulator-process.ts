// bench/emulator-process: start latency of process-mode container groups and
// what one group costs. Creates N groups (default 100, BENCH_GROUPS) one after
// another through the SDK, each `sh -c 'echo ready; exec sleep …'`, and times
// CreateContainerGroup → "ready" in DescribeContainerLog (the process really ran).
// Then measures the RSS of every process of those groups (pause + container) and,
// separately, of one nginx group (the built-in web server runs on node), and
// estimates how many groups this machine's available memory holds.
// Needs root and namespaces (emulator/README.md, "Process mode").
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { freemem } from 'node:os';
import { probeProcessMode } from '../emulator/process/probe.ts';
import { startEmulator } from '../emulator/index.ts';
import { $Eci, container, createRequest, eciClient } from '../test/integration/emulator/sdk.ts';

const N = Number(process.env.BENCH_GROUPS ?? 100);
const probe = probeProcessMode();
if (!probe.ok) {
  console.log(`bench/emulator-process: skipped, process mode unavailable: ${probe.reason}`);
  process.exit(0);
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

/** RSS (bytes) of every process outside this process's network namespace, by namespace. */
function rssByNetns(): Map<string, number> {
  const out = new Map<string, number>();
  const self = readlinkSync('/proc/self/ns/net');
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const ns = readlinkSync(`/proc/${entry}/ns/net`);
      if (ns === self) continue;
      const rssKb = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${entry}/status`, 'utf8'))?.[1];
      out.set(ns, (out.get(ns) ?? 0) + Number(rssKb ?? 0) * 1024);
    } catch {
      // exited meanwhile
    }
  }
  return out;
}

const emu = await startEmulator({
  containers: 'process',
  logLevel: 'warn',
  quotas: false,
  zones: ['cn-hangzhou-h'],
  vSwitches: [{ vSwitchId: 'vsw-emu-h', zoneId: 'cn-hangzhou-h', vpcId: 'vpc-emu', cidr: '10.240.0.0/16' }],
  timing: { schedulingMs: 0, pendingMs: 0, terminatingMs: 0 },
});
const client = eciClient(emu.endpoint);
const latencies: number[] = [];
const ids: string[] = [];
try {
  for (let i = 0; i < N; i++) {
    const t0 = performance.now();
    const { body } = await client.createContainerGroup(
      createRequest(`bench-${i}`, [container('app', 'echo ready; exec sleep 3600')]),
    );
    const id = body?.containerGroupId ?? '';
    ids.push(id);
    for (;;) {
      const r = await client
        .describeContainerLog(
          new $Eci.DescribeContainerLogRequest({ containerGroupId: id, containerName: 'app' }),
        )
        .catch(() => undefined);
      if (r?.body?.content?.includes('ready')) break;
      await new Promise((res) => setTimeout(res, 5));
    }
    latencies.push(performance.now() - t0);
  }
  const shellRss = [...rssByNetns().values()];
  const perShellGroup = shellRss.reduce((a, b) => a + b, 0) / Math.max(1, shellRss.length);

  const before = new Set(rssByNetns().keys());
  const { body } = await client.createContainerGroup(
    createRequest('bench-web', [
      new $Eci.CreateContainerGroupRequestContainer({
        name: 'web',
        image: 'nginx',
        port: [new $Eci.CreateContainerGroupRequestContainerPort({ port: 80 })],
      }),
    ]),
  );
  const webId = body?.containerGroupId ?? '';
  for (;;) {
    const r = await client.describeContainerLog(
      new $Eci.DescribeContainerLogRequest({ containerGroupId: webId, containerName: 'web' }),
    );
    if (r.body?.content?.includes('listening')) break;
    await new Promise((res) => setTimeout(res, 20));
  }
  const webRss = [...rssByNetns().entries()].filter(([ns]) => !before.has(ns)).reduce((a, [, v]) => a + v, 0);

  const mib = (b: number) => (b / 2 ** 20).toFixed(1);
  const free = freemem();
  console.log(`process-mode groups: ${N} created one after another (create → the process printed "ready")`);
  console.log(
    `  start latency p50 ${percentile(latencies, 50).toFixed(0)} ms, p99 ${percentile(latencies, 99).toFixed(0)} ms, max ${Math.max(...latencies).toFixed(0)} ms`,
  );
  console.log(
    `  RSS per shell group (pause + sh/sleep): ${mib(perShellGroup)} MiB over ${shellRss.length} namespaces`,
  );
  console.log(`  RSS of one nginx group (built-in web server on node): ${mib(webRss)} MiB`);
  console.log(
    `  this machine (${mib(free)} MiB available now) holds about ${Math.floor(free / Math.max(1, perShellGroup))} shell groups or ${Math.floor(free / Math.max(1, webRss))} nginx groups by memory`,
  );
} finally {
  await emu.close();
}
