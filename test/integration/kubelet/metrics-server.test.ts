// `kubectl top` on ECI pods through a real metrics-server (emulator in simulation: figures
// modelled, so their range is known), the node's endpoints through the API server's node
// proxy, the shared cache and ECI failures as the node answers them.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { eventually } from '../helpers.ts';
import { metricsServerBinary } from '../../harness/metrics-server.ts';
import {
  assertNodeEndpoints,
  CONTAINERS,
  startMetricsFixture,
  type MetricsFixture,
} from './metrics-fixture.ts';

const skip = metricsServerBinary() ? false : 'metrics-server is not built (make control-plane)';
let f: MetricsFixture;

before(async () => {
  if (!skip) f = await startMetricsFixture({ containers: 'simulation', mainWorks: false });
});

after(async () => {
  await f?.stop();
});

test('kubectl top pod lists the ECI pods, every container, with the emulator figures', { skip }, async () => {
  const top = await f.topContainers();
  assert.deepEqual([...top.keys()].sort(), CONTAINERS);
  const cores: Record<string, number> = { 'single/main': 0.5, 'pair/web': 1, 'pair/sidecar': 0.25 };
  for (const podName of ['single', 'pair']) {
    for (const [name, figures] of await f.emulatorFigures(podName)) {
      const key = `${podName}/${name}`;
      const row = top.get(key);
      assert.ok(row, `${key} listed`);
      // The emulator's load stays between 5 % and 15 % of the container's CPU; metrics-server
      // rates the cumulative counter over its window, so the figure lies within those bounds.
      const c = cores[key]!;
      assert.ok(
        row.milliCores >= c * 50 - 1 && row.milliCores <= c * 150 + 1,
        `${key}: ${row.milliCores}m within the emulator's range`,
      );
      // The working set grows a few KiB a second: the last scrape's figure is the emulator's, to the MiB.
      assert.ok(
        Math.abs(row.mebibytes - figures.workingSet / 2 ** 20) <= 1,
        `${key}: ${row.mebibytes}Mi vs ${figures.workingSet} B`,
      );
    }
  }
  // The node's figures are its pods' (1.75 cores in all here, at 5 % to 15 % load).
  const node = await eventually(
    'kubectl top node to show the virtual node',
    async () => {
      const out = await f.kubectl('top', 'node', f.stack.nodeName, '--no-headers').catch(() => '');
      return /^\S+\s+(\d+)m\s+\d+%\s+(\d+)Mi\s+\d+%/m.exec(out) ?? undefined;
    },
    60_000,
    2000,
  );
  const nodeMilli = Number(node[1]);
  assert.ok(nodeMilli >= 1.75 * 50 - 1 && nodeMilli <= 1.75 * 150 + 1, `node CPU ${nodeMilli}m`);
  assert.ok(Number(node[2]) >= 3 * 16, `node memory ${node[2]}Mi: the three containers' working sets`);
  const pods = await f.kubectl('top', 'pod', '-n', f.ns, '--no-headers');
  assert.match(pods, /^single\s+\d+m\s+\d+Mi\s*$/m);
  assert.match(pods, /^pair\s+\d+m\s+\d+Mi\s*$/m);
});

test('stats/summary and metrics/resource through the node proxy answer with every container', { skip }, () =>
  assertNodeEndpoints(f),
);

test(
  'scrapers share one ECI call per interval; an ECI failure is answered as the kubelet does',
  { skip },
  async () => {
    // metrics-server stops scraping so that only the requests below reach the node.
    await f.stopMetricsServer();
    const { admin, nodeName } = f.stack;
    const raw = (path: string) => f.kubectl('get', '--raw', `/api/v1/nodes/${nodeName}/proxy/${path}`);
    const action = 'DescribeMultiContainerGroupMetric';
    await admin.clearCalls();
    const requests = 10;
    await Promise.all(
      Array.from({ length: requests }, (_, i) => raw(i % 2 ? 'metrics/resource' : 'stats/summary')),
    );
    const calls = await admin.callCount(action);
    // 0 when the snapshot of the previous test is still fresh.
    assert.ok(calls < requests, `${calls} ${action} calls for ${requests} requests`);

    await admin.setFault({
      action,
      errorRate: 1,
      code: 'ServiceUnavailable',
      httpStatus: 503,
      message: 'metrics down',
    });
    try {
      await eventually(
        'the error gauges at 1 once the cached snapshot expires',
        async () => /^resource_scrape_error 1$/m.test(await raw('metrics/resource')),
        60_000,
        1000,
      );
      const summary = await raw('stats/summary').then(
        () => 'answered',
        (err: { stderr?: string }) => err.stderr ?? '',
      );
      assert.match(summary, /ServiceUnavailable/);
    } finally {
      await admin.clearFaults(action);
    }
    await eventually(
      'figures back once ECI answers',
      async () => /^resource_scrape_error 0$/m.test(await raw('metrics/resource')),
      60_000,
      1000,
    );
  },
);
