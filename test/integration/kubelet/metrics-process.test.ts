// `kubectl top` with the emulator running real processes (process mode): metrics-server shows
// what the containers' processes really use, measured by the emulator from /proc, through
// the same path as in simulation.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { metricsServerBinary } from '../../harness/metrics-server.ts';
import { skipUnlessProcessMode } from '../process/helpers.ts';
import {
  assertNodeEndpoints,
  CONTAINERS,
  startMetricsFixture,
  type MetricsFixture,
} from './metrics-fixture.ts';

const skip = metricsServerBinary()
  ? skipUnlessProcessMode
  : 'metrics-server is not built (make control-plane)';
let f: MetricsFixture;

before(async () => {
  if (!skip) f = await startMetricsFixture({ containers: 'process', mainWorks: true });
});

after(async () => {
  await f?.stop();
});

test('kubectl top pod shows the processes’ real usage, every container', { skip }, async () => {
  const top = await f.topContainers();
  assert.deepEqual([...top.keys()].sort(), CONTAINERS);
  // The computing containers use CPU; the idle web server may show 0m (listed, so its counter moved).
  for (const key of ['single/main', 'pair/sidecar']) {
    assert.ok(top.get(key)!.milliCores > 0, `${key} computes: ${top.get(key)!.milliCores}m`);
  }
  for (const podName of ['single', 'pair']) {
    for (const [name, figures] of await f.emulatorFigures(podName)) {
      const row = top.get(`${podName}/${name}`)!;
      // The processes' RSS, as the emulator measures it now. metrics-server's figure is up to a
      // scrape old, and a shell loop's RSS moves with the commands it runs (seen: 2Mi vs 4.2 MiB
      // on a busy machine), so the bound is relative; a simulated figure would be tens of MiB.
      const mib = figures.workingSet / 2 ** 20;
      assert.ok(
        Math.abs(row.mebibytes - mib) <= Math.max(2, 0.6 * mib),
        `${podName}/${name}: ${row.mebibytes}Mi vs ${figures.workingSet} B`,
      );
    }
  }
});

test('stats/summary and metrics/resource through the node proxy answer with every container', { skip }, () =>
  assertNodeEndpoints(f),
);
