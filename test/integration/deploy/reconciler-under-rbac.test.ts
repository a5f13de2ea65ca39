// The reconciler runs under exactly deploy/'s RBAC and admission policy (issue 10 item 5,
// "sufficient"): with the service account's own token it registers its node, renews the lease,
// runs a pod that references a Secret, a ConfigMap and a service-account token, writes status,
// annotations and Events, and finalizes the pod on delete, and no API request it makes is
// refused (a refused Event write or TokenRequest is only logged, so the log is checked too).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import {
  CoordinationV1Api,
  CoreV1Api,
  PatchStrategy,
  setHeaderOptions,
  type V1Pod,
} from '@kubernetes/client-node';
import { pino } from 'pino';
import { EmulatorAdmin } from '../../../emulator/admin-client.ts';
import { startEmulator, type EmulatorHandle } from '../../../emulator/index.ts';
import { startReconciler, type ReconcilerHandle } from '../../../reconciler/app.ts';
import { INSTANCE_ANNOTATIONS } from '../../../shared/annotations.ts';
import { parseReconcilerConfig } from '../../../reconciler/config.ts';
import { OWNER_REMARK, PRIVATE_ZONE_ENABLE_ANNOTATION } from '../../../reconciler/privatezone/records.ts';
import { createNamespace, deleteNamespace, eventually, uniqueName } from '../helpers.ts';
import { EMULATOR_CREDENTIALS_ENV, FAST_TIMING } from '../reconciler/stack.ts';
import { installDeployRbac, NAMESPACE, refusedRequests, VIRTUAL_NODE, type Installed } from './installed.ts';

const PRIVATE_ZONE_RBAC = fileURLToPath(
  new URL('../../../deploy/reconciler/rbac-privatezone.yaml', import.meta.url),
);

describe('the reconciler under these permissions', () => {
  let emu: EmulatorHandle;
  let reconciler: ReconcilerHandle | undefined;
  let ns: string;
  const logLines: string[] = [];
  const clusterId = uniqueName('rbac');
  const created: { kind: 'secret' | 'configmap'; name: string }[] = [];

  let installed: Installed;
  let cp: Installed['cp'];

  before(async () => {
    installed = await installDeployRbac();
    cp = installed.cp;
    emu = await startEmulator({ timing: FAST_TIMING, logLevel: 'warn' });
    ns = await createNamespace(cp.kubeConfig, 'rbac-run');
  });

  after(async () => {
    await reconciler?.stop();
    await emu?.close();
    const core = cp.kubeConfig.makeApiClient(CoreV1Api);
    await core.deleteNode({ name: VIRTUAL_NODE }).catch(() => {});
    await cp.kubeConfig
      .makeApiClient(CoordinationV1Api)
      .deleteNamespacedLease({ name: VIRTUAL_NODE, namespace: 'kube-node-lease' })
      .catch(() => {});
    for (const o of created)
      await installed.kubectl(['delete', o.kind, o.name, '-n', 'kube-system', '--ignore-not-found']);
    if (ns) await deleteNamespace(cp.kubeConfig, ns);
    await installed?.kubectl(['delete', '--ignore-not-found', '-f', PRIVATE_ZONE_RBAC]);
    await installed?.uninstall();
  });

  test('a pod with a Secret, a ConfigMap and a service-account token runs and is deleted; no request is refused', async () => {
    const core = cp.kubeConfig.makeApiClient(CoreV1Api);
    // The names deploy/ grants: the credentials Secret and the ECI Profile in kube-system.
    await installed.mustKubectl(
      ['apply', '-f', '-'],
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'List',
        items: [
          {
            apiVersion: 'v1',
            kind: 'Secret',
            metadata: { name: 'alibaba-addon-secret', namespace: 'kube-system' },
            stringData: {
              'access-key-id': EMULATOR_CREDENTIALS_ENV.ALIBABA_CLOUD_ACCESS_KEY_ID,
              'access-key-secret': EMULATOR_CREDENTIALS_ENV.ALIBABA_CLOUD_ACCESS_KEY_SECRET,
            },
          },
          {
            apiVersion: 'v1',
            kind: 'ConfigMap',
            metadata: { name: 'eci-profile', namespace: 'kube-system' },
            data: { vSwitchIds: 'vsw-emu-h,vsw-emu-i', securityGroupId: 'sg-emu' },
          },
        ],
      }),
    );
    created.push(
      { kind: 'secret', name: 'alibaba-addon-secret' },
      { kind: 'configmap', name: 'eci-profile' },
    );
    await core.createNamespacedSecret({
      namespace: ns,
      body: { metadata: { name: 'db' }, stringData: { password: 'p' } },
    });
    await core.createNamespacedConfigMap({
      namespace: ns,
      body: { metadata: { name: 'app' }, data: { mode: 'm' } },
    });

    const { kc } = await installed.serviceAccountKubeConfig('eci-reconciler');
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        logLines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
        done();
      },
    });
    const parsed = parseReconcilerConfig(
      [
        '--nodes=1', // as deploy/reconciler/statefulset.yaml
        '--cluster-id',
        clusterId,
        '--eci-endpoint',
        emu.url,
        '--health-address',
        '127.0.0.1:0',
        '--status-interval-ms',
        '300',
        '--renew-interval-ms',
        '1000',
        '--kubelet-port',
        '0',
        '--kubelet-address',
        '127.0.0.1',
      ],
      // As deploy/reconciler/statefulset.yaml gives them: the replica's name and namespace (its Leases).
      { POD_NAME: 'eci-virtual-node-reconciler-0', POD_NAMESPACE: NAMESPACE },
    );
    assert.ok(parsed.ok, parsed.ok ? '' : parsed.error);
    reconciler = await startReconciler(parsed.config, { kc, log: pino({ level: 'debug' }, sink) });
    assert.deepEqual(reconciler.nodeNames, [VIRTUAL_NODE]);

    const pod: V1Pod = {
      metadata: { name: 'under-rbac' },
      spec: {
        nodeName: VIRTUAL_NODE,
        tolerations: [{ key: 'virtual-kubelet.io/provider', operator: 'Exists', effect: 'NoSchedule' }],
        containers: [
          {
            name: 'main',
            image: 'nginx:1.27',
            resources: { requests: { cpu: '250m', memory: '512Mi' } },
            env: [
              { name: 'PASSWORD', valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } },
              { name: 'MODE', valueFrom: { configMapKeyRef: { name: 'app', key: 'mode' } } },
            ],
          },
        ],
      },
    };
    await core.createNamespacedPod({ namespace: ns, body: pod });
    const running = await eventually('the pod Running on the virtual node', async () => {
      const p = await core.readNamespacedPod({ name: 'under-rbac', namespace: ns });
      return p.status?.phase === 'Running' ? p : undefined;
    });
    const groupId = running.metadata?.annotations?.[INSTANCE_ANNOTATIONS.instanceId];
    assert.ok(groupId, 'the instance annotation was written (pods patch)');
    const group = (await new EmulatorAdmin(emu.url).containerGroups()).find(
      (g) => g.containerGroupId === groupId,
    );
    const text = JSON.stringify(group?.request);
    assert.match(text, /PASSWORD/, 'the Secret was read');
    assert.match(text, /MODE/, 'the ConfigMap was read');
    await eventually('an Event from the reconciler (events create)', async () => {
      const events = await core.listNamespacedEvent({ namespace: ns });
      return events.items.some(
        (e) => e.involvedObject.name === 'under-rbac' && e.source?.component === 'eci-virtual-node',
      );
    });
    await eventually('two lease renewals (leases patch)', async () => reconciler!.nodes[0]!.renewals >= 2);

    await core.deleteNamespacedPod({ name: 'under-rbac', namespace: ns });
    await eventually('the pod finalized (pods delete)', async () => {
      const pods = await core.listNamespacedPod({ namespace: ns });
      return pods.items.length === 0;
    });

    const refused = refusedRequests(logLines);
    assert.deepEqual(refused, [], 'no API request of the reconciler was refused');
  });

  test('with rbac-privatezone.yaml, the PrivateZone sync watches Services and writes their record; no request is refused', async () => {
    const core = cp.kubeConfig.makeApiClient(CoreV1Api);
    await installed.mustKubectl(['apply', '-f', PRIVATE_ZONE_RBAC]);
    await core.patchNamespacedConfigMap(
      {
        name: 'eci-profile',
        namespace: 'kube-system',
        body: { data: { enablePrivateZone: 'true', vpcId: 'vpc-emu' } },
      },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    const svc = await core.createNamespacedService({
      namespace: ns,
      body: {
        metadata: { name: 'web', annotations: { [PRIVATE_ZONE_ENABLE_ANNOTATION]: 'true' } },
        spec: { ports: [{ port: 80 }] },
      },
    });
    const admin = new EmulatorAdmin(emu.url);
    await eventually('the Service record in the zone', async () => {
      const zones = (await admin.privateZones()) as {
        ZoneName: string;
        Records?: { Rr: string; Value: string; Remark?: string }[];
      }[];
      const zone = zones.find((z) => z.ZoneName === `svc.cluster.local.${clusterId}`);
      return zone?.Records?.some(
        (r) => r.Rr === `web.${ns}` && r.Value === svc.spec?.clusterIP && r.Remark === OWNER_REMARK,
      );
    });
    const refused = refusedRequests(logLines);
    assert.deepEqual(refused, [], 'no API request of the reconciler was refused');
  });
});
