// The whole system under chaos, every part its own process so kill -9 is real: a private
// control plane, the ECI emulator (with a state file, so it can restart with rotated
// credentials), 2 webhook replicas behind a Service-equivalent proxy registered in a
// MutatingWebhookConfiguration as deployed (failurePolicy Ignore, 5 s), and the
// reconciler replica(s). Logs of every process land in one directory for the secret scan.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import {
  AdmissionregistrationV1Api,
  AppsV1Api,
  BatchV1Api,
  CoordinationV1Api,
  CoreV1Api,
  type KubeConfig,
} from '@kubernetes/client-node';
import { EmulatorAdmin } from '../../emulator/admin-client.ts';
import { webhookConfiguration } from '../../webhook/webhook-config.ts';
import { CREDENTIAL_KEYS } from '../../reconciler/config.ts';
import { LEADER_LEASE } from '../../reconciler/leases/lease-rules.ts';
import { startControlPlane, type ControlPlane } from '../harness/control-plane.ts';
import { freePort } from '../harness/ports.ts';
import { trackTempDir } from '../harness/process.ts';
import { ProcessBook, waitForLogLine, type ChaosProcess } from './processes.ts';
import { restartComponent, stopRestarted } from './restart.ts';
import { ServiceProxy } from './service-proxy.ts';
import { TcpGate } from './tcp-gate.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const SYSTEM_NAMESPACE = 'eci-chaos-system';
const CREDENTIALS_SECRET = 'eci-credentials';
export const PROFILE_CONFIGMAP = 'eci-profile';
const WEBHOOK_CONFIG = 'eci-chaos-webhook';
/** Workload namespaces carry this label: the webhook configuration matches only them. */
export const SCOPE_LABEL = { 'eci-chaos': 'enabled' } as const;

/** Fast emulator lifecycle so a few hundred pods settle in seconds. */
const EMULATOR_TIMING = { schedulingMs: 300, pendingMs: 500, terminatingMs: 500 };

export interface Credentials {
  id: string;
  secret: string;
}

export class ChaosSystem {
  readonly book = new ProcessBook();
  readonly proxy = new ServiceProxy();
  readonly clusterId = `chaos-${randomBytes(3).toString('hex')}`;
  readonly logDir = mkdtempSync(join(tmpdir(), 'eci-chaos-logs-'));
  /** Every AccessKey secret the run used (for the log scan). */
  readonly secretsInUse: string[] = [];
  credentials: Credentials = newCredentials();
  emulator!: ChaosProcess;
  emulatorUrl = '';
  admin!: EmulatorAdmin;
  webhooks: ChaosProcess[] = [];
  webhookPorts: number[] = [];
  reconcilers: ChaosProcess[] = [];
  /** Each replica reaches the API server through its own gate (network partition). */
  readonly gates: TcpGate[] = [];
  private readonly kubeconfigs: string[] = [];
  /** Bumped by resetReconcilers(): a fresh identity per replica. */
  private generation = 0;
  replicaCount = 1;
  private emulatorPort = 0;
  private readonly stateFile: string;

  readonly cp: ControlPlane;
  readonly kc: KubeConfig;

  private constructor(cp: ControlPlane) {
    this.cp = cp;
    this.kc = cp.kubeConfig;
    // Removed at exit unless kept for a look after a failed row.
    if (!process.env.CHAOS_KEEP_LOGS) trackTempDir(this.logDir);
    this.stateFile = join(this.logDir, 'emulator-state.json');
    this.secretsInUse.push(this.credentials.secret);
  }

  get core() {
    return this.kc.makeApiClient(CoreV1Api);
  }
  get apps() {
    return this.kc.makeApiClient(AppsV1Api);
  }
  get batch() {
    return this.kc.makeApiClient(BatchV1Api);
  }

  static async start(options: { replicas?: number; log?: (line: string) => void } = {}) {
    const log = options.log ?? ((line: string) => console.error(line));
    const cp = await startControlPlane({ startTimeoutMs: 180_000, log });
    const sys = new ChaosSystem(cp);
    try {
      await sys.core.createNamespace({ body: { metadata: { name: SYSTEM_NAMESPACE } } });
      await sys.writeCredentialsSecret();
      await sys.core.createNamespacedConfigMap({
        namespace: SYSTEM_NAMESPACE,
        body: { metadata: { name: PROFILE_CONFIGMAP }, data: {} },
      });
      await sys.startEmulator();
      // Registered first, without a caBundle: the webhook's self-managed CA is patched in at start.
      const proxyPort = await sys.proxy.listen();
      await sys.kc.makeApiClient(AdmissionregistrationV1Api).createMutatingWebhookConfiguration({
        body: webhookConfiguration({
          name: WEBHOOK_CONFIG,
          namespace: SYSTEM_NAMESPACE,
          url: `https://127.0.0.1:${proxyPort}/mutate`,
          namespaceMatchLabels: SCOPE_LABEL,
        }),
      });
      for (let i = 0; i < 2; i++) await sys.startWebhook(i);
      await sys.waitForWebhook();
      sys.replicaCount = options.replicas ?? 1;
      for (let i = 0; i < sys.replicaCount; i++) await sys.startReconciler(i);
      log(`chaos system: cluster ${sys.clusterId}, logs in ${sys.logDir}`);
      return sys;
    } catch (err) {
      await sys.stop();
      throw err;
    }
  }

  async writeCredentialsSecret(): Promise<void> {
    const body = {
      metadata: { name: CREDENTIALS_SECRET, namespace: SYSTEM_NAMESPACE },
      stringData: {
        [CREDENTIAL_KEYS.id]: this.credentials.id,
        [CREDENTIAL_KEYS.secret]: this.credentials.secret,
      },
    };
    try {
      await this.core.replaceNamespacedSecret({
        name: CREDENTIALS_SECRET,
        namespace: SYSTEM_NAMESPACE,
        body,
      });
    } catch {
      await this.core.createNamespacedSecret({ namespace: SYSTEM_NAMESPACE, body });
    }
  }

  /** (Re)starts the emulator on its port with its state file and the current credentials. */
  async startEmulator(): Promise<void> {
    this.emulatorPort ||= await freePort();
    const config = join(this.logDir, 'emulator.json');
    writeFileSync(config, JSON.stringify({ timing: EMULATOR_TIMING }));
    this.emulator = this.book.start(
      'emulator',
      process.execPath,
      [
        join(ROOT, 'emulator/main.ts'),
        `--listen=127.0.0.1:${this.emulatorPort}`,
        `--access-key-id=${this.credentials.id}`,
        `--access-key-secret=${this.credentials.secret}`,
        `--state-file=${this.stateFile}`,
        `--config=${config}`,
        '--log-level=info',
      ],
      join(this.logDir, `emulator-${this.book.all.length}.log`),
    );
    this.emulatorUrl = `http://127.0.0.1:${this.emulatorPort}`;
    this.admin = new EmulatorAdmin(this.emulatorUrl);
    await waitForText(this.emulator, 'eci-emulator listening on');
  }

  /**
   * The cloud side disables the old AccessKey (the emulator restarts knowing only a new
   * one); after `gapMs` the operator writes the new key into the Secret.
   */
  async rotateCredentials(gapMs: number): Promise<void> {
    this.credentials = newCredentials();
    this.secretsInUse.push(this.credentials.secret);
    await this.book.stop(this.emulator);
    await this.startEmulator();
    await new Promise((r) => setTimeout(r, gapMs));
    await this.writeCredentialsSecret();
  }

  async startWebhook(index: number): Promise<ChaosProcess> {
    const port = (this.webhookPorts[index] ||= await freePort());
    const p = this.book.start(
      `webhook-${index}`,
      process.execPath,
      [
        join(ROOT, 'webhook/main.ts'),
        `--kubeconfig=${this.cp.kubeconfigPath}`,
        '--host=127.0.0.1',
        `--port=${port}`,
        `--namespace=${SYSTEM_NAMESPACE}`,
        '--cert-hosts=127.0.0.1',
        `--webhook-config-name=${WEBHOOK_CONFIG}`,
        `--profile-configmap=${SYSTEM_NAMESPACE}/${PROFILE_CONFIGMAP}`,
      ],
      join(this.logDir, `webhook-${index}-${this.book.all.length}.log`),
    );
    this.webhooks[index] = p;
    if (!this.proxy.backends.some((b) => b.port === port)) this.proxy.add(port);
    await waitForLogLine(p, (e) => e.msg === 'listening');
    return p;
  }

  /** The API server learns of webhook configurations through an informer: a dry-run canary tells. */
  async waitForWebhook(timeoutMs = 120_000): Promise<void> {
    const namespace = 'eci-chaos-canary';
    await this.core
      .createNamespace({ body: { metadata: { name: namespace, labels: { ...SCOPE_LABEL, eci: 'true' } } } })
      .catch(() => {});
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const pod = await this.core
        .createNamespacedPod({
          namespace,
          dryRun: 'All',
          body: { metadata: { name: 'canary' }, spec: { containers: [{ name: 'c', image: 'nginx' }] } },
        })
        .catch(() => undefined);
      if (pod?.spec?.nodeSelector?.type === 'virtual-kubelet') return;
      if (Date.now() > deadline) throw new Error(`webhook not in effect after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }

  /** Replica i's kubeconfig: the admin one with the server moved to its gate. */
  private async replicaKubeconfig(i: number): Promise<string> {
    if (this.kubeconfigs[i]) return this.kubeconfigs[i];
    const apiPort = Number(new URL(this.cp.apiServerUrl).port);
    const gate = new TcpGate(apiPort);
    this.gates[i] = gate;
    const gatePort = await gate.listen();
    const file = join(this.logDir, `reconciler-${i}.kubeconfig`);
    const text = readFileSync(this.cp.kubeconfigPath, 'utf8').replace(
      this.cp.apiServerUrl,
      `https://127.0.0.1:${gatePort}`,
    );
    writeFileSync(file, text, { mode: 0o600 });
    return (this.kubeconfigs[i] = file);
  }

  /** A StatefulSet-like identity: the same after a restart, new only after resetReconcilers(). */
  replicaId(i: number): string {
    return `chaos-reconciler-${i}${this.generation ? `-g${this.generation}` : ''}`;
  }

  async reconcilerArgs(i: number): Promise<string[]> {
    return [
      join(ROOT, 'reconciler/main.ts'),
      `--kubeconfig=${await this.replicaKubeconfig(i)}`,
      `--replica-id=${this.replicaId(i)}`,
      `--lease-namespace=${SYSTEM_NAMESPACE}`,
      `--nodes=${this.replicaCount}`,
      `--cluster-id=${this.clusterId}`,
      `--eci-endpoint=${this.emulatorUrl}`,
      '--vswitch-ids=vsw-emu-h,vsw-emu-i',
      '--security-group-id=sg-emu',
      `--credentials-secret=${SYSTEM_NAMESPACE}/${CREDENTIALS_SECRET}`,
      `--profile-configmap=${SYSTEM_NAMESPACE}/${PROFILE_CONFIGMAP}`,
      '--health-address=127.0.0.1:0',
      '--status-interval-ms=1000',
      '--resync-interval-ms=10000',
      '--gc-interval-ms=10000',
      '--renew-interval-ms=2000',
      '--kubelet-port=0',
      '--kubelet-address=127.0.0.1',
      '--node-pods=5000',
      '--eci-timeout-ms=5000',
    ];
  }

  async startReconciler(index: number): Promise<ChaosProcess> {
    const p = this.book.start(
      `reconciler-${index}`,
      process.execPath,
      await this.reconcilerArgs(index),
      join(this.logDir, `reconciler-${index}-${this.book.all.length}.log`),
    );
    this.reconcilers[index] = p;
    await waitForLogLine(p, (e) => e.msg === 'reconciler started', 120_000);
    return p;
  }

  /** After a failed row: every replica restarted under a fresh identity, so the next row starts healthy. */
  async resetReconcilers(): Promise<void> {
    for (const p of this.reconcilers) await this.book.stop(p);
    this.generation++;
    for (let i = 0; i < this.replicaCount; i++) await this.startReconciler(i);
  }

  /** The replica holding the leader Lease (undefined when none does). */
  async leaderIndex(): Promise<number | undefined> {
    const lease = await this.kc
      .makeApiClient(CoordinationV1Api)
      .readNamespacedLease({ name: LEADER_LEASE, namespace: SYSTEM_NAMESPACE })
      .catch(() => undefined);
    const holder = lease?.spec?.holderIdentity;
    const i = this.reconcilers.findIndex((_, j) => this.replicaId(j) === holder);
    return i < 0 ? undefined : i;
  }

  /** kube-apiserver or etcd down for `downMs`, then back on the same data and port. */
  async restart(component: 'kube-apiserver' | 'etcd', downMs: number): Promise<void> {
    await restartComponent(component, this.cp.dir, downMs, async () => {
      await this.core.readNamespace({ name: 'default' });
      return true;
    });
  }

  async stop(): Promise<void> {
    await this.book.stopAll();
    await this.proxy.close();
    for (const g of this.gates) await g.close();
    await stopRestarted();
    await this.cp.stop();
  }
}

function newCredentials(): Credentials {
  return {
    id: `chaos-key-${randomBytes(4).toString('hex')}`,
    secret: `chaos-secret-${randomBytes(16).toString('hex')}`,
  };
}

async function waitForText(p: ChaosProcess, text: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!p.managed.tail(50).includes(text)) {
    if (p.exitCode !== undefined) throw new Error(`${p.name} exited (${p.exitCode}):\n${p.managed.tail()}`);
    if (Date.now() > deadline) throw new Error(`${p.name}: no "${text}" in ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
