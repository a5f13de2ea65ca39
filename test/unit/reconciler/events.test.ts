import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setImmediate as tick } from 'node:timers/promises';
import type { KubeConfig, V1Pod } from '@kubernetes/client-node';
import pino from 'pino';
import { EventRecorder, podRef, type EventApi } from '../../../reconciler/events.ts';

const log = pino({ level: 'silent' });
const pod = (uid: string, rv = '1'): V1Pod => ({
  metadata: { uid, name: `pod-${uid}`, namespace: 'ns', resourceVersion: rv },
  spec: {
    nodeName: 'vn',
    containers: [{ name: 'main', image: 'nginx', env: [{ name: 'BIG', value: 'x'.repeat(4096) }] }],
  },
});

/** A fake of the two Event calls whose answers wait until `open()`; records every call. */
function gatedApi() {
  const created: { count?: number; reason?: string; involvedObject?: unknown }[] = [];
  const patched: { count: number; message: string }[] = [];
  let gate!: () => void;
  const opened = new Promise<void>((r) => (gate = r));
  const api = {
    createNamespacedEvent: async (req: {
      body: { count?: number; reason?: string; involvedObject?: unknown };
    }) => {
      await opened;
      created.push(req.body);
      return req.body;
    },
    patchNamespacedEvent: async (req: { body: { count: number; message: string } }) => {
      await opened;
      patched.push(req.body);
      return req.body;
    },
  } as unknown as EventApi;
  return {
    api,
    created,
    patched,
    open: () => gate(),
  };
}

async function settle(recorder: EventRecorder): Promise<void> {
  for (let i = 0; i < 1000 && recorder.waiting > 0; i++) await tick();
  for (let i = 0; i < 50; i++) await tick();
}

test('the involvedObject reference is the pod reference fields only', () => {
  assert.deepEqual(podRef(pod('u1', '7')), {
    uid: 'u1',
    name: 'pod-u1',
    namespace: 'ns',
    resourceVersion: '7',
  });
  assert.deepEqual(podRef({}), { uid: '', name: 'pod', namespace: 'default', resourceVersion: undefined });
});

test('a burst of one Event while writes wait is one Event with every occurrence counted', async () => {
  const fake = gatedApi();
  const recorder = new EventRecorder({} as KubeConfig, log, fake.api);
  for (let i = 0; i < 500; i++)
    recorder.post(pod('u1'), 'Warning', 'ProviderCreateFailed', `try ${i}`, 'vn', 'create');
  // The first occurrence is being written; the other 499 are folded into one waiting Event.
  assert.equal(recorder.waiting, 1);
  fake.open();
  await settle(recorder);
  assert.equal(fake.created.length, 1);
  assert.equal(fake.created[0]!.count, 1);
  assert.deepEqual(
    fake.patched.map((p) => [p.count, p.message]),
    [[500, 'try 499']],
  );
});

test('a flood of distinct Events drops the oldest beyond the cap but never a repeat', async () => {
  const fake = gatedApi();
  const recorder = new EventRecorder({} as KubeConfig, log, fake.api);
  for (let i = 0; i < 10_050; i++) recorder.post(pod(`u${i}`), 'Normal', 'Created', 'group created');
  // 8 are being written; 10,000 wait; the 42 oldest waiting were dropped.
  assert.equal(recorder.waiting, 10_000);
  for (let i = 0; i < 100; i++) recorder.post(pod('u10049'), 'Normal', 'Created', 'group created');
  assert.equal(recorder.waiting, 10_000);
  fake.open();
  await settle(recorder);
  assert.equal(fake.created.length, 8 + 10_000);
  const last = fake.created.find((e) => (e.involvedObject as { uid: string }).uid === 'u10049');
  assert.equal(last?.count, 101);
});

test('a repeat after the Event was written bumps its count; a forgotten pod starts over', async () => {
  const fake = gatedApi();
  fake.open();
  const recorder = new EventRecorder({} as KubeConfig, log, fake.api);
  recorder.post(pod('u1'), 'Normal', 'Pulled', 'pulled nginx');
  await settle(recorder);
  recorder.post(pod('u1', '2'), 'Normal', 'Pulled', 'pulled nginx');
  await settle(recorder);
  assert.equal(fake.created.length, 1);
  assert.equal(fake.patched[0]!.count, 2);
  recorder.forget('u1');
  recorder.post(pod('u1', '3'), 'Normal', 'Pulled', 'pulled nginx');
  await settle(recorder);
  assert.equal(fake.created.length, 2);
  assert.deepEqual(fake.created[1]!.involvedObject, {
    apiVersion: 'v1',
    kind: 'Pod',
    name: 'pod-u1',
    namespace: 'ns',
    uid: 'u1',
    resourceVersion: '3',
  });
});
