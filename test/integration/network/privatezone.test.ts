// PrivateZone service discovery (issue 14) on the real control plane and the emulator:
// the ECI Profile switches the sync on and off without a restart; the zone is created and
// bound exactly once, also across a reconciler restart; ClusterIP, headless (real pods,
// real EndpointSlices) and deleted Services give exactly the expected records; a record
// someone else wrote survives; throttled writes are retried; disabling stops the sync and,
// per the profile, keeps or removes our records.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { AppsV1Api, type V1Service } from '@kubernetes/client-node';
import { createNamespace, deleteNamespace, eventually } from '../helpers.ts';
import {
  eciPod,
  EMULATOR_CREDENTIALS_ENV,
  startStack,
  testProfileName,
  TEST_PROFILE_DATA,
  type Stack,
} from '../reconciler/stack.ts';
import { PvtzClient } from '../../../reconciler/privatezone/client.ts';
import { callAction, genericClient } from '../emulator/callapi.ts';
import { OWNER_REMARK, PRIVATE_ZONE_ENABLE_ANNOTATION } from '../../../reconciler/privatezone/records.ts';
import { PRIVATE_ZONE_SYNC_FAILED } from '../../../reconciler/privatezone/service-events.ts';
import type { PvtzZone } from '../../../emulator/model.ts';

let stack: Stack;
let ns: string;
let apps: AppsV1Api;
/** Someone else's client on the same account. */
let other: PvtzClient;

before(async () => {
  stack = await startStack();
  await stack.startReconciler();
  ns = await createNamespace(stack.cp.kubeConfig, 'eci-pvtz');
  apps = stack.cp.kubeConfig.makeApiClient(AppsV1Api);
  other = new PvtzClient({
    endpoint: stack.emu.endpoint,
    protocol: 'http',
    regionId: 'cn-hangzhou',
    credentials: {
      accessKeyId: EMULATOR_CREDENTIALS_ENV.ALIBABA_CLOUD_ACCESS_KEY_ID,
      accessKeySecret: EMULATOR_CREDENTIALS_ENV.ALIBABA_CLOUD_ACCESS_KEY_SECRET,
    },
  });
});

after(async () => {
  if (ns) await deleteNamespace(stack.cp.kubeConfig, ns);
  await stack?.stop();
});

const profileName = () => testProfileName(stack.clusterId.replace(/^test-/, ''));
async function setProfile(data: Record<string, string>): Promise<void> {
  await stack.core.replaceNamespacedConfigMap({
    name: profileName(),
    namespace: 'kube-system',
    body: { metadata: { name: profileName() }, data: { ...TEST_PROFILE_DATA, ...data } },
  });
}
const ENABLED = { enablePrivateZone: 'true', vpcId: 'vpc-emu' };

async function zone(): Promise<PvtzZone | undefined> {
  const zones = (await stack.admin.privateZones()) as PvtzZone[];
  return zones.find((z) => z.ZoneName === `svc.cluster.local.${stack.clusterId}`);
}
/** `rr=value` of the zone's records, ours or everyone's, sorted. */
async function records(owner: 'ours' | 'all' = 'ours'): Promise<string[]> {
  const z = await zone();
  return (z?.Records ?? [])
    .filter((r) => owner === 'all' || r.Remark === OWNER_REMARK)
    .map((r) => `${r.Rr}=${r.Value}`)
    .sort();
}
const same = (want: string[]) => async () => {
  const got = await records();
  return JSON.stringify(got) === JSON.stringify([...want].sort()) ? got : undefined;
};

const PVTZ_ACTIONS = new Set([
  'DescribeZones',
  'AddZone',
  'DescribeZoneInfo',
  'BindZoneVpc',
  'DescribeZoneRecords',
  'AddZoneRecord',
  'DeleteZoneRecord',
]);
async function pvtzCalls(): Promise<Record<string, number>> {
  return Object.fromEntries(Object.entries(await stack.admin.calls()).filter(([a]) => PVTZ_ACTIONS.has(a)));
}

function service(name: string, spec: V1Service['spec'], annotated = true): V1Service {
  return {
    metadata: { name, annotations: annotated ? { [PRIVATE_ZONE_ENABLE_ANNOTATION]: 'true' } : {} },
    spec: { ports: [{ port: 80 }], ...spec },
  };
}

async function peerIps(): Promise<string[]> {
  const pods = (await stack.core.listNamespacedPod({ namespace: ns, labelSelector: 'app=peers' })).items;
  return pods
    .filter(
      (p) =>
        !p.metadata?.deletionTimestamp &&
        p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
    )
    .map((p) => p.status!.podIP!);
}

describe('PrivateZone sync', () => {
  let web: V1Service;
  let doomed: V1Service;

  test('enabling creates the zone, binds the VPC once and writes exactly the expected records', async () => {
    web = await stack.core.createNamespacedService({ namespace: ns, body: service('web', {}) });
    doomed = await stack.core.createNamespacedService({ namespace: ns, body: service('doomed', {}) });
    await stack.core.createNamespacedService({ namespace: ns, body: service('plain', {}, false) });
    await stack.core.createNamespacedService({
      namespace: ns,
      body: service('peers', { clusterIP: 'None', selector: { app: 'peers' } }),
    });
    const template = eciPod(stack, 'peers');
    await apps.createNamespacedDeployment({
      namespace: ns,
      body: {
        metadata: { name: 'peers' },
        spec: {
          replicas: 3,
          selector: { matchLabels: { app: 'peers' } },
          template: { metadata: { labels: { app: 'peers' } }, spec: template.spec },
        },
      },
    });
    const ips = await eventually(
      '3 ready peers',
      async () => {
        const got = await peerIps();
        return got.length === 3 ? got : undefined;
      },
      120_000,
    );
    await stack.admin.clearCalls();

    await setProfile(ENABLED);
    const want = [
      `web.${ns}=${web.spec!.clusterIP}`,
      `doomed.${ns}=${doomed.spec!.clusterIP}`,
      ...ips.map((ip) => `peers.${ns}=${ip}`),
    ];
    await eventually('the expected records', same(want));
    const z = (await zone())!;
    assert.deepEqual(
      z.Vpcs.map((v) => v.VpcId),
      ['vpc-emu'],
    );
    const calls = await stack.admin.calls();
    assert.equal(calls.AddZone, 1);
    assert.equal(calls.BindZoneVpc, 1);
    assert.equal(calls.AddZoneRecord, want.length, 'one write per record');
    const metrics = await (await fetch(`${stack.reconciler!.healthUrl}/metrics`)).text();
    assert.match(
      metrics,
      new RegExp(`privatezone_record_writes_total\\{operation="add",outcome="ok"[^}]*\\} ${want.length}\\b`),
    );
    assert.match(metrics, /privatezone_api_calls_total\{action="BindZoneVpc",outcome="ok"[^}]*\} 1\b/);
  });

  test('a record someone else wrote is never touched, even at a synced name', async () => {
    const zoneId = stack.reconciler!.privateZone.zoneId!;
    await other.addRecord(zoneId, {
      rr: `web.${ns}`,
      type: 'A',
      value: '10.9.9.9',
      ttl: 60,
      remark: 'theirs',
    });
    await other.addRecord(zoneId, { rr: `legacy.${ns}`, type: 'A', value: '10.9.9.8', ttl: 60, remark: '' });
    // The sync reads the zone when it starts: after a restart it has seen the foreign records.
    await stack.stopReconciler();
    await stack.startReconciler();
    await eventually('the sync is set up', async () => stack.reconciler!.privateZone.zoneId);
    await stack.reconciler!.privateZone.idle();
    await stack.core.deleteNamespacedService({ name: 'doomed', namespace: ns });
    await eventually(
      'the deleted Service has no records',
      async () => !(await records()).some((r) => r.startsWith(`doomed.${ns}=`)),
    );
    const all = await records('all');
    assert.ok(all.includes(`web.${ns}=10.9.9.9`));
    assert.ok(all.includes(`legacy.${ns}=10.9.9.8`));
  });

  test('scaling the headless Service updates its records', async () => {
    const scale = await apps.readNamespacedDeploymentScale({ name: 'peers', namespace: ns });
    scale.spec = { replicas: 2 };
    await apps.replaceNamespacedDeploymentScale({ name: 'peers', namespace: ns, body: scale });
    const ips = await eventually(
      '2 ready peers',
      async () => {
        const got = await peerIps();
        return got.length === 2 ? got : undefined;
      },
      120_000,
    );
    await eventually(
      '2 peer records',
      same([`web.${ns}=${web.spec!.clusterIP}`, ...ips.map((ip) => `peers.${ns}=${ip}`)]),
    );
  });

  test('a reconciler restart neither creates nor binds the zone again, and writes nothing when nothing changed', async () => {
    const before = await records();
    await stack.stopReconciler();
    await stack.admin.clearCalls();
    await stack.startReconciler();
    await eventually('the sync is set up', async () => stack.reconciler!.privateZone.zoneId);
    await stack.reconciler!.privateZone.idle();
    const calls = await stack.admin.calls();
    assert.equal(calls.AddZone ?? 0, 0);
    assert.equal(calls.BindZoneVpc ?? 0, 0);
    assert.equal(calls.AddZoneRecord ?? 0, 0);
    assert.equal(calls.DeleteZoneRecord ?? 0, 0);
    assert.deepEqual(await records(), before);
  });

  test('a throttled write is retried', async () => {
    await stack.admin.setFault({
      action: 'AddZoneRecord',
      code: 'Throttling.User',
      httpStatus: 400,
      errorRate: 1,
    });
    const svc = await stack.core.createNamespacedService({ namespace: ns, body: service('late', {}) });
    await eventually(
      'a throttled AddZoneRecord',
      async () => (await stack.admin.callCount('AddZoneRecord')) >= 2,
    );
    await stack.admin.clearFaults('AddZoneRecord');
    await eventually('the record after the throttling', async () =>
      (await records()).includes(`late.${ns}=${svc.spec!.clusterIP}`),
    );
  });

  test('a write PrivateZone refuses leaves a Warning Event on the Service, and heals once it is accepted', async () => {
    await stack.admin.setFault({
      action: 'AddZoneRecord',
      code: 'InvalidParameter',
      httpStatus: 400,
      errorRate: 1,
    });
    const svc = await stack.core.createNamespacedService({ namespace: ns, body: service('refused', {}) });
    const event = await eventually('a PrivateZoneSyncFailed Event on the Service', async () => {
      const list = await stack.core.listNamespacedEvent({
        namespace: ns,
        fieldSelector: 'involvedObject.kind=Service,involvedObject.name=refused',
      });
      return list.items.find((e) => e.reason === PRIVATE_ZONE_SYNC_FAILED);
    });
    assert.equal(event.type, 'Warning');
    assert.equal(event.involvedObject.uid, svc.metadata!.uid);
    assert.match(event.message ?? '', /InvalidParameter/);
    await stack.admin.clearFaults('AddZoneRecord');
    await eventually('the record once PrivateZone accepts it', async () =>
      (await records()).includes(`refused.${ns}=${svc.spec!.clusterIP}`),
    );
  });

  test('privateZoneAllServices turned on (hot) syncs Services without the annotation too', async () => {
    const plain = await stack.core.readNamespacedService({ name: 'plain', namespace: ns });
    assert.ok(
      !(await records()).some((r) => r.startsWith(`plain.${ns}=`)),
      'not synced without the annotation',
    );
    await setProfile({ ...ENABLED, privateZoneAllServices: 'true' });
    await eventually('the unannotated Service synced', async () =>
      (await records()).includes(`plain.${ns}=${plain.spec!.clusterIP}`),
    );
  });

  test('disabling stops the sync and keeps the records; with privateZoneRemoveRecordsOnDisable it removes ours only', async () => {
    await setProfile({ ...ENABLED, enablePrivateZone: 'false' });
    await eventually('the sync stopped', async () => stack.reconciler!.privateZone.zoneId === undefined);
    const kept = await records();
    assert.ok(kept.length > 0, 'records kept by default');
    await stack.admin.clearCalls();
    await stack.core.createNamespacedService({ namespace: ns, body: service('after-off', {}) });
    await sleep(1000); // several debounce periods: a running sync would have written by now
    assert.deepEqual(await pvtzCalls(), {}, 'no PrivateZone call while off');
    assert.deepEqual(await records(), kept);

    // On again (no new zone, no new binding), then off with removal.
    await setProfile(ENABLED);
    await eventually('the new Service synced', async () =>
      (await records()).some((r) => r.startsWith(`after-off.${ns}=`)),
    );
    await setProfile({ ...ENABLED, enablePrivateZone: 'false', privateZoneRemoveRecordsOnDisable: 'true' });
    await eventually('our records removed', async () => (await records()).length === 0);
    assert.deepEqual(await records('all'), [`legacy.${ns}=10.9.9.8`, `web.${ns}=10.9.9.9`]);
    const calls = await stack.admin.calls();
    assert.equal(calls.AddZone ?? 0, 0);
    assert.equal(calls.BindZoneVpc ?? 0, 0);
  });

  test('a zone deleted by hand is created and bound again, with the records', async () => {
    await setProfile(ENABLED);
    const web = `web.${ns}=${(await stack.core.readNamespacedService({ name: 'web', namespace: ns })).spec!.clusterIP}`;
    await eventually('synced again', async () => (await records()).includes(web));
    const old = (await zone())!.ZoneId;
    await other.bindVpcs(old, []);
    const generic = genericClient(stack.emu.endpoint);
    await callAction(generic, '2018-01-01', 'DeleteZone', { ZoneId: old });
    // A change makes the sync write into the missing zone.
    const svc = await stack.core.createNamespacedService({
      namespace: ns,
      body: service('after-delete', {}),
    });
    await eventually(
      'the zone back, bound, with the records',
      async () => {
        const z = await zone();
        const got = await records();
        return (
          z &&
          z.ZoneId !== old &&
          z.Vpcs.some((v) => v.VpcId === 'vpc-emu') &&
          got.includes(web) &&
          got.includes(`after-delete.${ns}=${svc.spec!.clusterIP}`)
        );
      },
      60_000,
    );
  });
});
