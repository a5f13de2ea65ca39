// The whole path a user's manifest takes, for the round-trip test: the shared control
// plane, the webhook program (scoped to namespaces carrying this file's label), a private
// emulator that knows the vSwitches and security group the examples name, and an
// in-process reconciler serving one virtual node whose name is unique to this file.
import { AdmissionregistrationV1Api, CoreV1Api, type V1Pod } from '@kubernetes/client-node';
import { randomBytes } from 'node:crypto';
import { startEmulator, EMULATOR_DEFAULTS, type EmulatorHandle } from '../../../emulator/index.ts';
import { EmulatorAdmin } from '../../../emulator/admin-client.ts';
import { startReconciler, type ReconcilerHandle } from '../../../reconciler/app.ts';
import { parseReconcilerConfig, type ReconcilerConfig } from '../../../reconciler/config.ts';
import { createLogger } from '../../../shared/logger.ts';
import { webhookConfiguration } from '../../../webhook/webhook-config.ts';
import { controlPlane, type SharedControlPlane } from '../../harness/shared.ts';
import { freePort } from '../../harness/ports.ts';
import { createNamespace, deleteNamespace, eventually } from '../helpers.ts';
import {
  EMULATOR_CREDENTIALS_ENV,
  FAST_TIMING,
  kubeletTlsFlags,
  TEST_PROFILE_DATA,
  testProfileName,
  testReconcilerArgs,
} from '../reconciler/stack.ts';
import { localWebhookArgs, startWebhook, type WebhookProcess } from '../webhook/process.ts';

/** The placement the examples name (every-annotation.yaml), next to the emulator's own. */
const EXTRA_VSWITCHES = [
  { vSwitchId: 'vsw-zonea', zoneId: 'cn-hangzhou-h', vpcId: 'vpc-emu', cidr: '192.168.0.0/20' },
  { vSwitchId: 'vsw-zoneb', zoneId: 'cn-hangzhou-i', vpcId: 'vpc-emu', cidr: '192.168.16.0/20' },
];
const EXTRA_SECURITY_GROUPS = [{ securityGroupId: 'sg-web', vpcId: 'vpc-emu' }];
/** How long the webhook gets to exit on SIGTERM before it is killed. */
const WEBHOOK_STOP_GRACE_MS = 5000;

export interface RoundTripStack {
  cp: SharedControlPlane;
  core: CoreV1Api;
  emu: EmulatorHandle;
  admin: EmulatorAdmin;
  nodeName: string;
  clusterId: string;
  /** The reconciler's parsed flags (its translation defaults come from them). */
  config: ReconcilerConfig;
  /** Namespace label the webhook configuration selects. */
  scope: string;
  /** Creates a namespace the webhook serves. */
  namespace(prefix: string): Promise<string>;
  stop(): Promise<void>;
}

export async function startRoundTripStack(): Promise<RoundTripStack> {
  const cp = await controlPlane();
  const core = cp.kubeConfig.makeApiClient(CoreV1Api);
  const admission = cp.kubeConfig.makeApiClient(AdmissionregistrationV1Api);
  const suffix = randomBytes(3).toString('hex');
  const nodeName = `virtual-node-eci-rt-${suffix}`;
  const clusterId = `test-rt-${suffix}`;
  const scope = `eci-rt-${suffix}`;
  const webhookName = `eci-webhook-rt-${suffix}`;
  const namespaces: string[] = [];
  const cleanups: Array<() => Promise<unknown>> = [];
  const stop = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
    cleanups.length = 0;
  };

  try {
    const emu = await startEmulator({
      timing: FAST_TIMING,
      logLevel: 'warn',
      vSwitches: [...EMULATOR_DEFAULTS.vSwitches, ...EXTRA_VSWITCHES],
      securityGroups: [...EMULATOR_DEFAULTS.securityGroups, ...EXTRA_SECURITY_GROUPS],
    });
    cleanups.push(() => emu.close());

    const newNamespace = async (prefix: string) => {
      const ns = await createNamespace(cp.kubeConfig, prefix, { [scope]: 'enabled' });
      namespaces.push(ns);
      return ns;
    };
    // Deleted last of the API objects: the reconciler (stopped after) finishes their pods.
    cleanups.push(async () => {
      for (const ns of namespaces) await deleteNamespace(cp.kubeConfig, ns);
      await eventually(
        'the test pods gone',
        async () =>
          (await core.listPodForAllNamespaces({ fieldSelector: `spec.nodeName=${nodeName}` })).items
            .length === 0,
        60_000,
        500,
      );
    });

    // The webhook, as in test/integration/webhook: a url clientConfig, its own CA patched in.
    const system = await newNamespace('eci-rt-sys');
    await core.createNamespacedService({
      namespace: system,
      body: { metadata: { name: 'kube-dns' }, spec: { ports: [{ port: 53, protocol: 'UDP', name: 'dns' }] } },
    });
    const port = await freePort();
    await admission.createMutatingWebhookConfiguration({
      body: webhookConfiguration({
        name: webhookName,
        namespace: system,
        url: `https://127.0.0.1:${port}/mutate`,
        failurePolicy: 'Fail',
        namespaceMatchLabels: { [scope]: 'enabled' },
      }),
    });
    cleanups.push(() => admission.deleteMutatingWebhookConfiguration({ name: webhookName }));
    const webhook: WebhookProcess = await startWebhook([
      ...localWebhookArgs({
        kubeconfigPath: cp.kubeconfigPath,
        port: port,
        namespace: system,
        configName: webhookName,
      }),
      '--profile-configmap',
      `${system}/no-such-profile`,
      '--dns-service',
      `${system}/kube-dns`,
      '--cluster-domain',
      'cluster.local',
    ]);
    cleanups.push(async () => {
      // The webhook bounds its own drain (6 s); the test has nothing more to learn from it
      // after a few seconds, so it does not wait for that.
      const exited = webhook.stop();
      const timer = setTimeout(() => webhook.child.kill('SIGKILL'), WEBHOOK_STOP_GRACE_MS);
      await exited;
      clearTimeout(timer);
    });

    // The reconciler's ECI Profile: this test cluster allows the privileged annotations that
    // examples/translate/every-annotation.yaml sets (round-trip.test.ts translates with the same policy).
    const profileName = testProfileName(suffix);
    await core.createNamespacedConfigMap({
      namespace: 'kube-system',
      body: { metadata: { name: profileName }, data: TEST_PROFILE_DATA },
    });
    cleanups.push(() =>
      core.deleteNamespacedConfigMap({ name: profileName, namespace: 'kube-system' }).then(() => {}),
    );

    const parsed = parseReconcilerConfig(
      [
        ...testReconcilerArgs({ nodeName, clusterId, emulatorUrl: emu.url, suffix }),
        ...(await kubeletTlsFlags()),
        // The round trip compares each group with the translation at create; a content
        // refresh (downward API files following the annotations the reconciler writes back)
        // would change the group meanwhile (test/integration/update/ covers refresh).
        '--content-refresh-interval-ms',
        '3600000',
      ],
      EMULATOR_CREDENTIALS_ENV,
    );
    if (!parsed.ok) throw new Error(parsed.error);
    const log = createLogger('translate-round-trip', { level: process.env.LOG_LEVEL ?? 'warn' });
    const reconciler: ReconcilerHandle = await startReconciler(parsed.config, { kc: cp.kubeConfig, log });
    // Stopped after the namespaces are gone (cleanups run in reverse), then its node removed.
    cleanups.splice(1, 0, async () => {
      await reconciler.stop();
      await core.deleteNode({ name: nodeName }).catch(() => {});
    });

    // The apiserver learns of webhook configurations through an informer: wait with a dry-run canary.
    const canaryNs = await newNamespace('eci-rt-canary');
    const canary: V1Pod = {
      metadata: { name: 'canary', labels: { 'alibabacloud.com/eci': 'true' } },
      spec: { containers: [{ name: 'main', image: 'registry.k8s.io/pause:3.10' }] },
    };
    await eventually(
      'webhook configuration in effect',
      async () =>
        (await core.createNamespacedPod({ namespace: canaryNs, body: canary, dryRun: 'All' })).spec
          ?.nodeSelector?.type === 'virtual-kubelet',
      60_000,
      500,
    );

    return {
      cp,
      core,
      emu,
      admin: new EmulatorAdmin(emu.url),
      nodeName,
      clusterId,
      config: parsed.config,
      scope,
      namespace: newNamespace,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
