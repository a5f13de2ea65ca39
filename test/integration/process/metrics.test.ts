// Process mode (issue 11): metrics are measured from the container's processes.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { container, createRequest, waitFor, waitForStatus, type TestEmulator } from '../emulator/sdk.ts';
import { $Eci, skipUnlessProcessMode, startProcessEmulator } from './helpers.ts';

describe('process mode: metrics', { skip: skipUnlessProcessMode }, () => {
  let t: TestEmulator;
  before(async () => {
    t = await startProcessEmulator(236);
  });
  after(async () => {
    await t?.emu.close();
  });

  test('CPU time grows while a busy loop runs, memory is the processes’ RSS', async () => {
    const { body } = await t.client.createContainerGroup(
      createRequest('busy', [container('app', 'while :; do :; done', { cpu: 1, memory: 2 })]),
    );
    const id = body?.containerGroupId ?? '';
    await waitForStatus(t.client, id, 'Running', 20_000);
    const sample = async () => {
      const r = await t.client.describeMultiContainerGroupMetric(
        new $Eci.DescribeMultiContainerGroupMetricRequest({
          regionId: 'cn-hangzhou',
          containerGroupIds: JSON.stringify([id]),
        }),
      );
      return r.body?.monitorDatas?.[0]?.records?.[0]?.containers?.[0];
    };
    const first = await waitFor(async () => {
      const c = await sample();
      return (c?.CPU?.usageCoreNanoSeconds ?? 0) > 0 && (c?.memory?.rss ?? 0) > 0 ? c : undefined;
    }, 15_000);
    const later = await waitFor(async () => {
      const c = await sample();
      return (c?.CPU?.usageCoreNanoSeconds ?? 0) > (first?.CPU?.usageCoreNanoSeconds ?? 0) ? c : undefined;
    }, 15_000);
    assert.ok((later.CPU?.usageNanoCores ?? 0) > 0, 'a busy loop uses CPU');
    // One shell's RSS: real, and far below the modelled figure (about 13 MiB), and no modelled cache.
    const rss = later.memory?.rss ?? 0;
    assert.ok(rss > 0 && rss < 8 * 2 ** 20, `rss ${rss}`);
    assert.equal(later.memory?.cache, 0);
    assert.equal(later.CPU?.limit, 1000);
  });
});
