// Several reconciler replicas (child processes, so kill -9 is real) sharing three virtual
// nodes through Leases on the real control plane and one emulator: each node held by exactly
// one replica; a killed replica's node taken over and its pods kept in sync, nothing created
// twice, nothing swept; a stopped replica hands its nodes over without a NotReady node; the
// Lease history never shows a node changing hands before its holder had stopped acting.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { CoordinationV1Api, CoreV1Api, type V1Lease, type V1Node, type V1Pod } from '@kubernetes/client-node';
import { startEmulator, type EmulatorHandle } from '../../../emulator/index.ts';
import { EmulatorAdmin } from '../../../emulator/admin-client.ts';
import { startReconciler } from '../../../reconciler/app.ts';
import { parseReconcilerConfig } from '../../../reconciler/config.ts';
import { nodeLeaseName } from '../../../reconciler/leases/lease-rules.ts';
import { HANDOVER_REASONS } from '../../../reconciler/leases/serve-nodes.ts';
import { createLogger } from '../../../shared/logger.ts';
import { watchObjects } from '../../../shared/profile-watcher.ts';
import { controlPlane, type SharedControlPlane } from '../../harness/shared.ts';
import { createNamespace, deleteNamespace, eventually } from '../helpers.ts';
import {
  EMULATOR_CREDENTIALS_ENV,
  FAST_TIMING,
  TEST_PROFILE_DATA,
  testProfileName,
  testReconcilerArgs,
} from '../reconciler/stack.ts';

const LEASE_S = 6;
const DEADLINE_S = 4;
const TIMING = [
  '--lease-duration',
  `${LEASE_S}s`,
  '--renew-deadline',
  `${DEADLINE_S}s`,
  '--retry-period',
  '1s',
];
const CHILD = fileURLToPath(new URL('./replica-process.ts', import.meta.url));
const INSTANCE_ID = 'k8s.aliyun.com/eci-instance-id';
const POD_UID_TAG = 'eci-virtual-node/pod-uid';

interface Replica {
  id: string;
  child: ChildProcess;
  healthUrl: string;
  exited: Promise<unknown>;
}

interface LeaseEvent {
  type: string;
  name: string;
  holder: string;
  renewMs?: number;
  acquireMs?: number;
}

const suffix = randomBytes(3).toString('hex');
const nodes = [0, 1, 2].map((i) => `virtual-node-eci-${suffix}-${i}`);
const clusterId = `test-${suffix}`;
let cp: SharedControlPlane;
let core: CoreV1Api;
let coordination: CoordinationV1Api;
let emu: EmulatorHandle;
let admin: EmulatorAdmin;
let leaseNs: string;
let podNs: string;
const replicas = new Map<string, Replica>();
const history: LeaseEvent[] = [];
const notReady: string[] = [];
const informers: { stop(): Promise<void> }[] = [];
const log = createLogger('replicas-test', { level: 'warn' });

const baseArgs = (nodeNames: string[]) => [
  ...testReconcilerArgs({ nodeName: nodeNames.join(','), clusterId, emulatorUrl: emu.url, suffix }),
  '--node-ip',
  '127.0.0.1',
  '--gc-interval-ms',
  '2000',
  '--resync-interval-ms',
  '2000',
];

async function startReplica(id: string): Promise<Replica> {
  const args = [...baseArgs(nodes), ...TIMING, '--lease-namespace', leaseNs, '--replica-id', id];
  const child = spawn(process.execPath, [CHILD, '--kubeconfig', cp.kubeconfigPath, ...args], {
    env: { ...process.env, ...EMULATOR_CREDENTIALS_ENV, LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const healthUrl = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (line.startsWith('ready ')) resolve(line.slice(6));
    });
    void exited.then((code) =>
      reject(new Error(`replica ${id} exited (${String(code)}) before it was ready`)),
    );
  });
  const r = { id, child, healthUrl, exited };
  replicas.set(id, r);
  return r;
}

async function metric(r: Replica, name: string): Promise<number> {
  const text = await (await fetch(`${r.healthUrl}/metrics`)).text();
  const m = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text);
  return m ? Number(m[1]) : NaN;
}

async function holderOf(node: string): Promise<string> {
  const lease = await coordination.readNamespacedLease({ name: nodeLeaseName(node), namespace: leaseNs });
  return lease.spec?.holderIdentity ?? '';
}

function pod(name: string, nodeName: string): V1Pod {
  return {
    metadata: { name, annotations: { 'k8s.aliyun.com/eci-spot-strategy': 'SpotAsPriceGo' } },
    spec: {
      nodeName,
      tolerations: [{ key: 'virtual-kubelet.io/provider', operator: 'Exists', effect: 'NoSchedule' }],
      containers: [
        { name: 'main', image: 'nginx:1.27', resources: { requests: { cpu: '250m', memory: '512Mi' } } },
      ],
    },
  };
}

const phaseOf = async (name: string) =>
  (await core.readNamespacedPod({ name, namespace: podNs })).status?.phase;

/** Every group of this cluster, by the pod UID it is tagged with. */
async function groupsByPod(): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  for (const g of await admin.containerGroups()) {
    if (!g.tags.some((t) => t.Key === 'eci-virtual-node/cluster-id' && t.Value === clusterId)) continue;
    const uid = g.tags.find((t) => t.Key === POD_UID_TAG)?.Value ?? '';
    out.set(uid, [...(out.get(uid) ?? []), g.containerGroupId]);
  }
  return out;
}

before(async () => {
  cp = await controlPlane();
  core = cp.kubeConfig.makeApiClient(CoreV1Api);
  coordination = cp.kubeConfig.makeApiClient(CoordinationV1Api);
  emu = await startEmulator({ timing: FAST_TIMING, logLevel: 'warn' });
  admin = new EmulatorAdmin(emu.url);
  await core.createNamespacedConfigMap({
    namespace: 'kube-system',
    body: { metadata: { name: testProfileName(suffix) }, data: TEST_PROFILE_DATA },
  });
  leaseNs = await createNamespace(cp.kubeConfig, 'eci-leases');
  podNs = await createNamespace(cp.kubeConfig, 'eci-replicas');
  // Informers (list, then watch, restarted when the API server ends a watch): nothing is missed.
  const record = (type: string) => (lease: V1Lease) =>
    history.push({
      type,
      name: lease.metadata?.name ?? '',
      holder: lease.spec?.holderIdentity ?? '',
      renewMs: lease.spec?.renewTime ? new Date(lease.spec.renewTime).getTime() : undefined,
      acquireMs: lease.spec?.acquireTime ? new Date(lease.spec.acquireTime).getTime() : undefined,
    });
  const leases = watchObjects<V1Lease>({
    kubeConfig: cp.kubeConfig,
    logger: log,
    path: `/apis/coordination.k8s.io/v1/namespaces/${leaseNs}/leases`,
    list: () => coordination.listNamespacedLease({ namespace: leaseNs }),
    what: 'replica Leases',
    onAdd: record('ADDED'),
    onUpdate: record('MODIFIED'),
    onDelete: record('DELETED'),
  });
  const checkReady = (node: V1Node) => {
    const name = node.metadata?.name ?? '';
    const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
    if (nodes.includes(name) && ready && ready.status !== 'True') notReady.push(`${name}: ${ready.status}`);
  };
  const nodeWatch = watchObjects<V1Node>({
    kubeConfig: cp.kubeConfig,
    logger: log,
    path: '/api/v1/nodes',
    list: () => core.listNode(),
    what: 'nodes',
    onAdd: checkReady,
    onUpdate: checkReady,
  });
  informers.push(leases, nodeWatch);
  await Promise.all([leases.synced, nodeWatch.synced]);
  await Promise.all(['r0', 'r1', 'r2'].map((id) => startReplica(id)));
});

after(async () => {
  for (const i of informers) await i.stop();
  for (const r of replicas.values()) {
    r.child.kill('SIGKILL');
    await r.exited;
  }
  if (podNs) await deleteNamespace(cp.kubeConfig, podNs);
  if (leaseNs) await deleteNamespace(cp.kubeConfig, leaseNs);
  for (const name of nodes) await core.deleteNode({ name }).catch(() => {});
  await core
    .deleteNamespacedConfigMap({ name: testProfileName(suffix), namespace: 'kube-system' })
    .catch(() => {});
  await emu?.close();
});

test('3 replicas x 3 nodes: each node held by exactly one replica, one node each, one leader', async () => {
  await eventually('one node per replica', async () => {
    const held = await Promise.all([...replicas.values()].map((r) => metric(r, 'reconciler_nodes_held')));
    return held.every((n) => n === 1);
  });
  const holders = await Promise.all(nodes.map(holderOf));
  assert.deepEqual(
    [...holders].sort(),
    ['r0', 'r1', 'r2'],
    'every replica holds one node, no node is shared',
  );
  const leaders = await Promise.all([...replicas.values()].map((r) => metric(r, 'reconciler_is_leader')));
  assert.equal(leaders.filter((x) => x === 1).length, 1, `exactly one leader (${leaders.join(',')})`);
  for (const name of nodes) {
    const node = await core.readNode({ name });
    assert.equal(node.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'True', `${name} Ready`);
  }
});

test('kill -9 of a replica: its node taken over within lease + 5 s, its pods keep syncing, nothing created twice, nothing swept', async (t) => {
  for (const [i, node] of nodes.entries()) {
    for (const n of [0, 1])
      await core.createNamespacedPod({ namespace: podNs, body: pod(`p${i}-${n}`, node) });
  }
  const names = nodes.flatMap((_, i) => [`p${i}-0`, `p${i}-1`]);
  for (const name of names)
    await eventually(`${name} Running`, async () => (await phaseOf(name)) === 'Running');

  const node = nodes[1]!;
  const victim = replicas.get(await holderOf(node))!;
  victim.child.kill('SIGKILL');
  await victim.exited;
  replicas.delete(victim.id);
  const killedAt = Date.now();
  // A status change made in ECI after the kill, and a pod created while nobody serves the node.
  const running = await core.readNamespacedPod({ name: 'p1-0', namespace: podNs });
  await admin.expire(running.metadata!.annotations![INSTANCE_ID]!);
  await core.createNamespacedPod({ namespace: podNs, body: pod('gap', node) });

  const survivor = await eventually(
    'the node taken over',
    async () => {
      const h = await holderOf(node);
      return h !== victim.id && h !== '' ? h : undefined;
    },
    (LEASE_S + 5) * 1000,
    100,
  );
  const tookMs = Date.now() - killedAt;
  assert.ok(replicas.has(survivor), `taken by a live replica (${survivor}) after ${tookMs} ms`);
  t.diagnostic(`takeover after ${tookMs} ms (lease ${LEASE_S} s)`);

  await eventually('the expired group reaches its pod', async () => (await phaseOf('p1-0')) === 'Failed');
  await eventually('the gap pod Running', async () => (await phaseOf('gap')) === 'Running');
  await eventually('NodeTakenOver Event on the node', async () => {
    const events = await core.listNamespacedEvent({
      namespace: 'default',
      fieldSelector: `involvedObject.name=${node},reason=${HANDOVER_REASONS.takenOver}`,
    });
    return events.items.length > 0;
  });

  // Let the leader's orphan sweep run a few times over the new layout before counting.
  await new Promise((r) => setTimeout(r, 5000));
  const groups = await groupsByPod();
  const pods = (await core.listNamespacedPod({ namespace: podNs })).items;
  assert.equal(pods.length, names.length + 1);
  for (const p of pods) {
    assert.deepEqual(
      groups.get(p.metadata!.uid!)?.length,
      1,
      `${p.metadata?.name}: exactly one group (no duplicate, not swept)`,
    );
  }
  assert.equal(groups.size, pods.length, 'no group without a pod');
  assert.equal(await admin.callCount('CreateContainerGroup'), pods.length, 'one create per pod');
  assert.equal(await phaseOf('p1-1'), 'Running', 'the other pod of the node is untouched');
});

test('graceful stop (SIGTERM): the nodes are handed over at once, never NotReady', async () => {
  const [leaving, staying] = [...replicas.values()];
  const theirs: string[] = [];
  for (const n of nodes) if ((await holderOf(n)) === leaving!.id) theirs.push(n);
  assert.ok(theirs.length > 0, `${leaving!.id} holds a node`);
  const nodeLeaseBefore = new Map<string, number>();
  for (const n of theirs) {
    const l = await coordination.readNamespacedLease({ name: n, namespace: 'kube-node-lease' });
    nodeLeaseBefore.set(n, new Date(l.spec!.renewTime!).getTime());
  }
  const stoppedAt = Date.now();
  leaving!.child.kill('SIGTERM');
  assert.equal(await leaving!.exited, 0, 'exits cleanly');
  replicas.delete(leaving!.id);
  for (const n of theirs) {
    // Released, not left to expire: the survivor holds it well before the lease would run out.
    await eventually(`${n} held by ${staying!.id}`, async () => (await holderOf(n)) === staying!.id);
    await eventually(`${n}'s node Lease renewed by the new holder`, async () => {
      const l = await coordination.readNamespacedLease({ name: n, namespace: 'kube-node-lease' });
      return new Date(l.spec!.renewTime!).getTime() > Math.max(nodeLeaseBefore.get(n)!, stoppedAt);
    });
    const released = history.some((e) => e.name === nodeLeaseName(n) && e.holder === '');
    assert.ok(released, `${n}'s Lease was released (holder emptied) before it was taken`);
    const events = await core.listNamespacedEvent({
      namespace: 'default',
      fieldSelector: `involvedObject.name=${n},reason=${HANDOVER_REASONS.handedOver}`,
    });
    assert.ok(events.items.length > 0, `NodeHandedOver Event on ${n}`);
  }
  await eventually(
    'the survivor serves all three',
    async () => (await metric(staying!, 'reconciler_nodes_held')) === 3,
  );
  assert.equal(await metric(staying!, 'reconciler_is_leader'), 1, 'and leads');
  await core.createNamespacedPod({ namespace: podNs, body: pod('after-handover', theirs[0]!) });
  await eventually(
    'a pod on a handed-over node runs',
    async () => (await phaseOf('after-handover')) === 'Running',
  );
  assert.deepEqual(notReady, [], 'no node was ever NotReady');
});

test('the Lease history never shows a node changing hands before its holder had stopped acting', () => {
  let takeovers = 0;
  for (const node of nodes) {
    const events = history.filter((e) => e.name === nodeLeaseName(node) && e.type !== 'DELETED');
    assert.ok(events.length > 0, `${node}: Lease events recorded`);
    let holder = '';
    let lastRenew = 0;
    for (const e of events) {
      if (e.holder !== holder && holder !== '' && e.holder !== '') {
        // Taken without a release: the old holder stops at its last renewal + the renew deadline.
        takeovers++;
        assert.ok(
          (e.acquireMs ?? 0) - lastRenew >= DEADLINE_S * 1000,
          `${node}: ${e.holder} took it ${(e.acquireMs ?? 0) - lastRenew} ms after ${holder}'s last renewal`,
        );
      }
      holder = e.holder;
      lastRenew = e.renewMs ?? lastRenew;
    }
  }
  assert.ok(takeovers >= 1, 'the kill -9 takeover is in the history');
});

test('--leader-elect=false: one replica serves every node, without Leases', async () => {
  const own = [0, 1].map((i) => `virtual-node-eci-${suffix}-solo-${i}`);
  const soloLeases = await createNamespace(cp.kubeConfig, 'eci-solo-leases');
  const parsed = parseReconcilerConfig(
    [...baseArgs(own), '--leader-elect=false', '--lease-namespace', soloLeases],
    EMULATOR_CREDENTIALS_ENV,
  );
  assert.ok(parsed.ok, parsed.ok ? '' : parsed.error);
  const solo = await startReconciler(parsed.config, {
    kc: cp.kubeConfig,
    log,
  });
  try {
    assert.deepEqual(
      own.map((n) => solo.holds(n)),
      [true, true],
    );
    assert.equal(solo.ownership.isLeader, true);
    for (const [i, n] of own.entries())
      await core.createNamespacedPod({ namespace: podNs, body: pod(`solo-${i}`, n) });
    for (const i of [0, 1])
      await eventually(`solo-${i} Running`, async () => (await phaseOf(`solo-${i}`)) === 'Running');
    const leases = await coordination.listNamespacedLease({ namespace: soloLeases });
    assert.equal(leases.items.length, 0, 'no Lease written');
  } finally {
    await solo.stop();
    await deleteNamespace(cp.kubeConfig, soloLeases);
    for (const name of own) await core.deleteNode({ name }).catch(() => {});
  }
});
