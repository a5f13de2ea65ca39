import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Pod } from '@kubernetes/client-node';
import type { $Eci } from '../../../../reconciler/provider/eci-client.ts';
import { applyInPlaceUpdate } from '../../../../reconciler/update/apply.ts';
import type { TrackedPod } from '../../../../reconciler/tracker.ts';

function entry(image: string): TrackedPod {
  const pod: V1Pod = {
    metadata: { name: 'p', namespace: 'ns', uid: 'u1', generation: 2 },
    spec: { containers: [{ name: 'app', image }] },
    status: { phase: 'Running' },
  };
  return {
    uid: 'u1',
    pod,
    record: { id: 'eci-1', group: { status: 'Running', containers: [{ name: 'app', image: 'nginx:1' }] } },
    seenEvents: new Set(),
    create: { noStock: 0, failures: 0, referenceWaits: 0 },
  };
}

function harness(answers: (Error | undefined)[]) {
  const sent: $Eci.UpdateContainerGroupRequest[] = [];
  const events: { type: string; reason: string; message: string }[] = [];
  let now = 1_000_000;
  const ctx = {
    provider: {
      update: async (r: $Eci.UpdateContainerGroupRequest) => {
        sent.push(r);
        const a = answers.shift();
        if (a) throw a;
      },
    },
    kube: {
      event: (_p: V1Pod, type: string, reason: string, message: string) =>
        events.push({ type, reason, message }),
    },
    now: () => now,
  };
  return { ctx, sent, events, advance: (ms: number) => (now += ms) };
}

const apiError = (code: string, statusCode: number) => Object.assign(new Error(code), { code, statusCode });

test('an image change is sent once: IncrementalUpdate of that container, token from the change', async () => {
  const h = harness([undefined]);
  const e = entry('nginx:2');
  await applyInPlaceUpdate(h.ctx, e);
  await applyInPlaceUpdate(h.ctx, e); // the status poll has not caught up yet
  assert.equal(h.sent.length, 1);
  const r = h.sent[0]!;
  assert.equal(r.containerGroupId, 'eci-1');
  assert.equal(r.updateType, 'IncrementalUpdate');
  assert.deepEqual(
    r.container?.map((c) => [c.name, c.image]),
    [['app', 'nginx:2']],
  );
  assert.match(r.clientToken ?? '', /^upd-/);
  assert.deepEqual(
    h.events.map((x) => x.reason),
    ['InPlaceUpdate'],
  );
});

test('a throttled update is sent again (same token) on the next pass; a refused one waits', async () => {
  const h = harness([apiError('Throttling.User', 400), undefined]);
  const e = entry('nginx:2');
  await applyInPlaceUpdate(h.ctx, e);
  await applyInPlaceUpdate(h.ctx, e);
  assert.equal(h.sent.length, 2);
  assert.equal(h.sent[0]!.clientToken, h.sent[1]!.clientToken);
  assert.deepEqual(
    h.events.map((x) => `${x.type}/${x.reason}`),
    ['Warning/InPlaceUpdateFailed', 'Normal/InPlaceUpdate'],
  );
  assert.match(h.events[0]!.message, /app=nginx:2.*Throttling\.User/);

  const refused = harness([apiError('InvalidParameter', 400), undefined]);
  const f = entry('nginx:3');
  await applyInPlaceUpdate(refused.ctx, f);
  await applyInPlaceUpdate(refused.ctx, f);
  assert.equal(refused.sent.length, 1, 'the same refused request is not repeated at once');
  refused.advance(60_000);
  await applyInPlaceUpdate(refused.ctx, f);
  assert.equal(refused.sent.length, 2, 'but tried again after a minute');
});
