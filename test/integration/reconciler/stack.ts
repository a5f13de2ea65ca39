// A reconciler under test: the shared control plane, a private emulator and an in-process
// reconciler serving one virtual node whose name is unique to the test file.
import { CoreV1Api, type V1Pod } from '@kubernetes/client-node';
import { randomBytes } from 'node:crypto';
import { startEmulator, type EmulatorHandle, type EmulatorInput } from '../../../emulator/index.ts';
import { EmulatorAdmin } from '../../../emulator/admin-client.ts';
import { startReconciler, type ReconcilerHandle } from '../../../reconciler/app.ts';
import { parseReconcilerConfig } from '../../../reconciler/config.ts';
import { createLogger } from '../../../shared/logger.ts';
import { controlPlane, type SharedControlPlane } from '../../harness/shared.ts';
import { kubeletServingFlags } from '../../harness/control-plane.ts';
import { resolveNodeIp } from '../../../reconciler/kubelet/node-address.ts';

export const FAST_TIMING = { schedulingMs: 200, pendingMs: 300, terminatingMs: 300 };

/** The emulator's default credentials, as the reconciler reads them from the environment. */
export const EMULATOR_CREDENTIALS_ENV = {
  ALIBABA_CLOUD_ACCESS_KEY_ID: 'emulator-access-key-id',
  ALIBABA_CLOUD_ACCESS_KEY_SECRET: 'emulator-access-key-secret',
};

/** The ECI Profile of a reconciler under test (created by startStack; absent for others). */
export const testProfileName = (suffix: string) => `eci-profile-${suffix}`;

/**
 * This test cluster's operator allows every privileged annotation (shared/privileged-annotations.ts),
 * so a pod's `eci-security-group` reaches ECI and ECI judges its value.
 */
export const TEST_PROFILE_DATA = { privilegedAnnotations: '{"allowAll": true}' };

/** Flags for a reconciler under test: its own node, fast intervals, nothing shared with other files. */
export function testReconcilerArgs(o: {
  nodeName: string;
  clusterId: string;
  emulatorUrl: string;
  suffix: string;
}): string[] {
  return [
    '--node-name',
    o.nodeName,
    '--cluster-id',
    o.clusterId,
    '--eci-endpoint',
    o.emulatorUrl,
    '--vswitch-ids',
    'vsw-emu-h,vsw-emu-i',
    '--security-group-id',
    'sg-emu',
    // Names nobody else uses: other test files may create the real ones.
    '--credentials-secret',
    `kube-system/no-such-secret-${o.suffix}`,
    '--profile-configmap',
    `kube-system/${testProfileName(o.suffix)}`,
    '--health-address',
    '127.0.0.1:0',
    '--status-interval-ms',
    '300',
    '--renew-interval-ms',
    '2000',
    // A free port: the default 10250 may be taken (a real kubelet, another test's reconciler).
    '--kubelet-port',
    '0',
    // The API server's node proxy refuses loopback node addresses: the machine's own.
    '--kubelet-address',
    TEST_NODE_IP,
    '--node-ip',
    TEST_NODE_IP,
  ];
}

/** The address test nodes advertise and listen on (reconciler/kubelet/node-address.ts). */
export const TEST_NODE_IP = resolveNodeIp(undefined, {});

/** A kubelet serving certificate the API server verifies, and the cluster CA its kubelet client certificate is signed by. */
export const kubeletTlsFlags = () => kubeletServingFlags([TEST_NODE_IP]);

export interface Stack {
  cp: SharedControlPlane;
  core: CoreV1Api;
  emu: EmulatorHandle;
  admin: EmulatorAdmin;
  nodeName: string;
  clusterId: string;
  reconciler: ReconcilerHandle | undefined;
  /** (Re)starts the in-process reconciler. */
  startReconciler(extra?: string[]): Promise<ReconcilerHandle>;
  stopReconciler(): Promise<void>;
  stop(): Promise<void>;
}

export async function startStack(
  options: { extraFlags?: string[]; emulator?: EmulatorInput } = {},
): Promise<Stack> {
  const cp = await controlPlane();
  const core = cp.kubeConfig.makeApiClient(CoreV1Api);
  const emu = await startEmulator({ timing: FAST_TIMING, logLevel: 'warn', ...options.emulator });
  const admin = new EmulatorAdmin(emu.url);
  const suffix = randomBytes(3).toString('hex');
  const nodeName = `virtual-node-eci-${suffix}`;
  const clusterId = `test-${suffix}`;
  const log = createLogger('reconciler-test', { level: process.env.LOG_LEVEL ?? 'warn' });
  const profileName = testProfileName(suffix);
  await core.createNamespacedConfigMap({
    namespace: 'kube-system',
    body: { metadata: { name: profileName }, data: TEST_PROFILE_DATA },
  });
  const stack: Stack = {
    cp,
    core,
    emu,
    admin,
    nodeName,
    clusterId,
    reconciler: undefined,
    async startReconciler(extra = []) {
      const parsed = parseReconcilerConfig(
        [
          ...testReconcilerArgs({ nodeName, clusterId, emulatorUrl: emu.url, suffix }),
          ...(await kubeletTlsFlags()),
          ...(options.extraFlags ?? []),
          ...extra,
        ],
        EMULATOR_CREDENTIALS_ENV,
      );
      if (!parsed.ok) throw new Error(parsed.error);
      stack.reconciler = await startReconciler(parsed.config, { kc: cp.kubeConfig, log });
      return stack.reconciler;
    },
    async stopReconciler() {
      await stack.reconciler?.stop();
      stack.reconciler = undefined;
    },
    async stop() {
      await stack.stopReconciler();
      await core.deleteNode({ name: nodeName }).catch(() => {});
      await core.deleteNamespacedConfigMap({ name: profileName, namespace: 'kube-system' }).catch(() => {});
      await emu.close();
    },
  };
  return stack;
}

/** A pod that only this stack's virtual node can take (what the webhook would add, plus the node name). */
export function eciPod(
  stack: Pick<Stack, 'nodeName'>,
  name: string,
  options: {
    command?: string[];
    restartPolicy?: string;
    image?: string;
    annotations?: Record<string, string>;
    args?: string[];
  } = {},
): V1Pod {
  return {
    metadata: { name, annotations: options.annotations },
    spec: {
      restartPolicy: options.restartPolicy,
      nodeSelector: { type: 'virtual-kubelet', 'kubernetes.io/hostname': stack.nodeName },
      tolerations: [{ key: 'virtual-kubelet.io/provider', operator: 'Exists', effect: 'NoSchedule' }],
      containers: [
        {
          name: 'main',
          image: options.image ?? 'nginx:1.27',
          command: options.command,
          args: options.args,
          resources: { requests: { cpu: '250m', memory: '512Mi' } },
        },
      ],
    },
  };
}
