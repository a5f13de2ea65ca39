// The ConfigMap cache is an LRU bounded by bytes (issue 10 item 9).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CoreV1Api, V1Pod } from '@kubernetes/client-node';
import { pino } from 'pino';
import { ByteLru, configMapBytes, ReferenceReader } from '../../../../reconciler/controller/references.ts';

test('the LRU evicts the least recently used entries past its byte bound', () => {
  const lru = new ByteLru<string>(100, 10_000, () => 0);
  lru.set('a', 'A', 40);
  lru.set('b', 'B', 40);
  assert.equal(lru.get('a'), 'A'); // a is now the most recently used
  lru.set('c', 'C', 40);
  assert.equal(lru.get('b'), undefined, 'b was the least recently used');
  assert.equal(lru.get('a'), 'A');
  assert.equal(lru.get('c'), 'C');
  assert.equal(lru.bytes, 80);
});

test('an entry larger than the bound is never cached; entries expire', () => {
  let now = 0;
  const lru = new ByteLru<string>(100, 1000, () => now);
  lru.set('small', 's', 10);
  lru.set('huge', 'h', 101);
  assert.equal(lru.get('huge'), undefined);
  assert.equal(lru.get('small'), 's', 'a huge entry does not evict the rest');
  now = 1000;
  assert.equal(lru.get('small'), undefined);
  assert.equal(lru.bytes, 0);
});

test('a flood of 1 MiB ConfigMaps stays within the bound', () => {
  const lru = new ByteLru<object>(16 * 1024 * 1024, 10_000, () => 0);
  const big = { data: { k: 'x'.repeat(1024 * 1024 - 600) } };
  for (let i = 0; i < 300; i++) lru.set(`ns/cm-${i}`, big, configMapBytes(big));
  assert.ok(lru.bytes <= 16 * 1024 * 1024);
  assert.ok(lru.size <= 16);
});

test('a burst of creates in one namespace lists its Services once per TTL, not once per pod', async () => {
  const calls = { list: 0, read: 0 };
  const core = {
    listNamespacedService: async () => {
      calls.list++;
      return {
        items: [{ metadata: { name: 'web' }, spec: { clusterIP: '10.0.0.5', ports: [{ port: 80 }] } }],
      };
    },
    readNamespacedService: async () => {
      calls.read++;
      return { metadata: { name: 'kubernetes' }, spec: { clusterIP: '10.0.0.1', ports: [{ port: 443 }] } };
    },
  } as unknown as CoreV1Api;
  const reader = new ReferenceReader(core, pino({ level: 'silent' }));
  const pod = (name: string): V1Pod => ({
    metadata: { name, namespace: 'team-a' },
    spec: { containers: [{ name: 'c', image: 'busybox' }] },
  });
  for (const name of ['a', 'b', 'c']) {
    const read = await reader.read(pod(name));
    assert.deepEqual(
      read.services?.map((s) => s.metadata?.name),
      ['web', 'kubernetes'],
    );
  }
  assert.deepEqual(calls, { list: 1, read: 1 });
});

test('the pods sharing a Secret read it once per TTL, not once per pod (the content refresher’s pass)', async () => {
  const reads: string[] = [];
  const core = {
    readNamespacedSecret: async ({ name, namespace }: { name: string; namespace: string }) => {
      reads.push(`${namespace}/${name}`);
      return { metadata: { name, namespace }, data: { password: 'c2VjcmV0' } };
    },
    listNamespacedService: async () => ({ items: [] }),
    readNamespacedService: async () => ({
      metadata: { name: 'kubernetes' },
      spec: { clusterIP: '10.0.0.1' },
    }),
  } as unknown as CoreV1Api;
  const reader = new ReferenceReader(core, pino({ level: 'silent' }));
  const pod = (name: string, namespace: string): V1Pod => ({
    metadata: { name, namespace },
    spec: {
      containers: [{ name: 'c', image: 'busybox', volumeMounts: [{ name: 'creds', mountPath: '/creds' }] }],
      volumes: [{ name: 'creds', secret: { secretName: 'db' } }],
    },
  });
  for (const [name, namespace] of [
    ['a', 'team-a'],
    ['b', 'team-a'],
    ['c', 'team-a'],
    ['d', 'team-b'],
  ] as const) {
    const read = await reader.read(pod(name, namespace));
    assert.equal(read.secrets.db?.data?.password, 'c2VjcmV0', `${namespace}/${name} gets the Secret`);
  }
  assert.deepEqual(reads, ['team-a/db', 'team-b/db'], 'one read per namespace’s Secret');
});
