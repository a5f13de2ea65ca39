// A RAM policy without eci:DescribeContainerGroupStatus (issue 15): the emulator denies the
// action as RAM does (403 Forbidden.RAM); the reconciler says so once (an ECIActionDenied Event
// on its node, eci_api_action_denied{action} = 1) and polls the groups by id instead, so a
// status change reaches the pod within a few poll intervals, long before the full resync
// (set to 10 minutes here). An optional action without a fallback (DescribeContainerLog) is
// said once as well.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { Eci } from '../../../reconciler/provider/eci-client.ts';
import { EciCallError } from '../../../reconciler/provider/eci-errors.ts';
import { createNamespace, deleteNamespace, eventually } from '../helpers.ts';
import { EMULATOR_CREDENTIALS_ENV, eciPod, startStack, type Stack } from '../reconciler/stack.ts';

const DENIED = 'DescribeContainerGroupStatus';

describe('DescribeContainerGroupStatus denied by RAM', () => {
  let stack: Stack;
  let ns: string;

  before(async () => {
    stack = await startStack({ extraFlags: ['--resync-interval-ms', '600000'] });
    // The emulator's `deny` fault: every call of the action gets RAM's refusal.
    const res = await fetch(`${stack.emu.url}/_emulator/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ action: DENIED, kind: 'deny' }),
    });
    assert.equal(res.status, 200, await res.text());
    await stack.startReconciler();
    ns = await createNamespace(stack.cp.kubeConfig, 'denied-status');
  });

  after(async () => {
    if (ns) await deleteNamespace(stack.cp.kubeConfig, ns);
    await stack?.stop();
  });

  test('the SDK sees what RAM answers: Forbidden.RAM, HTTP 403', async () => {
    const eci = new Eci({
      endpoint: new URL(stack.emu.url).host,
      protocol: 'http',
      regionId: 'cn-hangzhou',
      credentials: {
        accessKeyId: EMULATOR_CREDENTIALS_ENV.ALIBABA_CLOUD_ACCESS_KEY_ID,
        accessKeySecret: EMULATOR_CREDENTIALS_ENV.ALIBABA_CLOUD_ACCESS_KEY_SECRET,
      },
      timeoutMs: 10_000,
    });
    const err = await eci.changedSince(10, []).then(
      () => assert.fail('the call was not denied'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof EciCallError);
    assert.equal(err.code, 'Forbidden.RAM');
    assert.equal(err.statusCode, 403);
    assert.equal(err.category, 'auth');
  });

  test('status still reaches the pod by polling; the node gets one Event, the metric says which action', async () => {
    // Runs ~6 s, then exits 3: two status changes, both seen only through the fallback.
    const pod = eciPod(stack, 'exits-three', {
      command: ['sh', '-c', 'sleep 6; exit 3'],
      restartPolicy: 'Never',
    });
    await stack.core.createNamespacedPod({ namespace: ns, body: pod });
    const phase = async () =>
      (await stack.core.readNamespacedPod({ name: 'exits-three', namespace: ns })).status;
    await eventually('the pod to run', async () => (await phase())?.phase === 'Running', 60_000);
    const failed = await eventually(
      'the exit to reach the pod',
      async () => {
        const s = await phase();
        return s?.phase === 'Failed' ? s : undefined;
      },
      90_000,
    );
    assert.equal(failed.containerStatuses?.[0]?.state?.terminated?.exitCode, 3);

    // kubectl describe node shows the Event (it matches the node's uid).
    const describe = await eventually(
      'the Event on the node',
      async () => {
        const { stdout } = await promisify(execFile)(stack.cp.kubectlPath, [
          '--kubeconfig',
          stack.cp.kubeconfigPath,
          'describe',
          'node',
          stack.nodeName,
        ]);
        return stdout.includes('ECIActionDenied') ? stdout : undefined;
      },
      30_000,
    );
    assert.match(describe, /eci:DescribeContainerGroupStatus/);
    const events = await stack.core.listNamespacedEvent({
      namespace: 'default',
      fieldSelector: `involvedObject.name=${stack.nodeName},reason=ECIActionDenied`,
    });
    assert.equal(events.items.length, 1);
    assert.equal(events.items[0]!.count, 1, 'said once, though every tick would have called it');

    const metrics = await (await fetch(`${stack.reconciler!.healthUrl}/metrics`)).text();
    assert.match(metrics, /^eci_api_action_denied\{[^}]*action="DescribeContainerGroupStatus"[^}]*\} 1$/m);
  });

  test('an optional action without a fallback (DescribeContainerLog): kubectl logs fails with the code, and it is said once too', async () => {
    await stack.admin.setFault({
      action: 'DescribeContainerLog',
      errorRate: 1,
      code: 'Forbidden.RAM',
      httpStatus: 403,
    });
    const kubectl = (args: string[]) =>
      promisify(execFile)(stack.cp.kubectlPath, ['--kubeconfig', stack.cp.kubeconfigPath, ...args]).then(
        () => '',
        (err: { stderr?: string }) => err.stderr ?? 'failed',
      );
    for (let i = 0; i < 2; i++) {
      const stderr = await kubectl(['logs', '-n', ns, 'exits-three']);
      assert.match(stderr, /Forbidden\.RAM/);
    }
    const events = await eventually('the Event about DescribeContainerLog', async () => {
      const list = await stack.core.listNamespacedEvent({
        namespace: 'default',
        fieldSelector: `involvedObject.name=${stack.nodeName},reason=ECIActionDenied`,
      });
      return list.items.length === 2 ? list.items : undefined;
    });
    const logs = events.find((e) => e.message?.includes('eci:DescribeContainerLog'));
    assert.match(logs?.message ?? '', /kubectl logs on ECI pods fails/);
    assert.equal(logs?.count, 1, 'two refused kubectl logs, one Event');
    const metrics = await (await fetch(`${stack.reconciler!.healthUrl}/metrics`)).text();
    assert.match(metrics, /^eci_api_action_denied\{[^}]*action="DescribeContainerLog"[^}]*\} 1$/m);
  });

  test("every metric the Grafana dashboard charts for the reconciler is on this reconciler's /metrics", async () => {
    const dashboard = JSON.parse(
      readFileSync(new URL('../../../deploy/grafana/eci-virtual-node.json', import.meta.url), 'utf8'),
    ) as { panels: { targets?: { expr: string }[] }[] };
    const charted = new Set(
      dashboard.panels
        .flatMap((p) => p.targets ?? [])
        .filter((t) => !t.expr.includes('program="eci-webhook"'))
        .flatMap((t) => {
          // Series names: identifiers followed by a selector, a range, a closing parenthesis or the end.
          const bare = t.expr.replace(/\b(?:by|without)\s*\([^)]*\)/g, ' ');
          return [...bare.matchAll(/(?<![$\w])([a-z_:][a-z0-9_:]*)\s*(?=[{[)]|$)/g)].map((m) => m[1]!);
        }),
    );
    const exported = await (await fetch(`${stack.reconciler!.healthUrl}/metrics`)).text();
    const families = new Set([...exported.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]!));
    const missing = [...charted].filter((name) => !families.has(name.replace(/_(bucket|sum|count)$/, '')));
    assert.deepEqual(missing, []);
  });
});
