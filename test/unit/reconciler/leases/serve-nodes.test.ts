// What holding a node starts and stops, including a node let go while it is still being
// registered: no informer and no heartbeat may outlive the hold.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KubeConfig } from '@kubernetes/client-node';
import type { NodeController } from '../../../../reconciler/node.ts';
import { serveNodes } from '../../../../reconciler/leases/serve-nodes.ts';
import { createLogger } from '../../../../shared/logger.ts';

function setup() {
  const kc = new KubeConfig();
  kc.loadFromClusterAndUser(
    { name: 'none', server: 'http://127.0.0.1:9', skipTLSVerify: true },
    { name: 'none' },
  );
  const calls: string[] = [];
  let releaseStart: () => void = () => {};
  const served = serveNodes({
    kc,
    replicaId: 'r0',
    pods: {
      addNode: (node) => {
        calls.push(`addNode ${node}`);
        return Promise.resolve();
      },
      removeNode: (node) => {
        calls.push(`removeNode ${node}`);
        return Promise.resolve();
      },
    },
    makeNode: (name) =>
      ({
        name,
        renewals: 0,
        start: () => {
          calls.push(`start ${name}`);
          return new Promise<void>((resolve) => (releaseStart = resolve));
        },
        stop: () => {
          calls.push(`stop ${name}`);
          return Promise.resolve();
        },
      }) as unknown as NodeController,
    leader: () => {},
    log: createLogger('test', { level: 'silent' }),
  });
  return { served, calls, finishStart: () => releaseStart() };
}

test('acquired: the heartbeat first, then the pods; handOver stops both', async () => {
  const { served, calls, finishStart } = setup();
  const acquired = served.acquired('vn-0', undefined);
  finishStart();
  await acquired;
  assert.deepEqual(served.nodes().length, 1);
  await served.handOver('vn-0');
  assert.deepEqual(calls, ['start vn-0', 'addNode vn-0', 'stop vn-0', 'removeNode vn-0']);
  assert.deepEqual(served.nodes(), []);
});

test('lost while the node is still being registered: its pods are never served', async () => {
  const { served, calls, finishStart } = setup();
  const acquired = served.acquired('vn-0', 'r9');
  served.lost('vn-0');
  finishStart();
  await acquired;
  assert.equal(calls.includes('addNode vn-0'), false, `calls: ${calls.join(', ')}`);
  assert.deepEqual(served.nodes(), []);
});
