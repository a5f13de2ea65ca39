// A real local Kubernetes control plane, like controller-runtime's envtest:
// etcd, kube-apiserver, kube-controller-manager and kube-scheduler on loopback.
import { request } from 'node:https';
import { request as httpRequest } from 'node:http';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { CoreV1Api, KubeConfig, RbacAuthorizationV1Api } from '@kubernetes/client-node';
import { createCertificateAuthority, issueCertificate, loadCertificateAuthority } from '../../shared/x509.ts';
import { ENV } from './shared.ts';
import { binaryPath, K8S_VERSION } from './binaries.ts';
import { freePort } from './ports.ts';
import { startProcess, trackTempDir, untrackTempDir, waitFor, type ManagedProcess } from './process.ts';

export interface ControlPlane {
  /** Path of an admin kubeconfig (client certificate in system:masters). */
  kubeconfigPath: string;
  kubeConfig: KubeConfig;
  /** PEM of the CA that signs the apiserver's serving cert and the admin client cert. */
  caPem: string;
  apiServerUrl: string;
  version: string;
  dir: string;
  kubectlPath: string;
  stop(): Promise<void>;
}

export interface ControlPlaneOptions {
  /** Per-component start timeout; 2-core CI machines need generous values. */
  startTimeoutMs?: number;
  log?: (line: string) => void;
}

function hasDefaultRoute(): boolean {
  try {
    return readFileSync('/proc/net/route', 'utf8')
      .split('\n')
      .slice(1)
      .some((line) => line.split(/\s+/)[1] === '00000000');
  } catch {
    return true;
  }
}

interface TlsFiles {
  ca: string;
  cert: string;
  key: string;
}

function httpsGet(url: string, tls: TlsFiles): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ca: tls.ca, cert: tls.cert, key: tls.key, timeout: 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
    req.end();
  });
}

function insecureHttpsStatus(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { rejectUnauthorized: false, timeout: 5000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('timeout', () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
    req.end();
  });
}

function httpGet(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { timeout: 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
    req.end();
  });
}

function kubeconfigYaml(server: string, caPem: string, certPem: string, keyPem: string): string {
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- name: eci-virtual-node-test',
    '  cluster:',
    `    server: ${server}`,
    `    certificate-authority-data: ${b64(caPem)}`,
    'users:',
    '- name: test-admin',
    '  user:',
    `    client-certificate-data: ${b64(certPem)}`,
    `    client-key-data: ${b64(keyPem)}`,
    'contexts:',
    '- name: eci-virtual-node-test',
    '  context:',
    '    cluster: eci-virtual-node-test',
    '    user: test-admin',
    'current-context: eci-virtual-node-test',
    '',
  ].join('\n');
}

/** The user of the API server's kubelet client certificate. */
const KUBELET_CLIENT_USER = 'kube-apiserver-kubelet-client';
const CA_KEY_FILE = 'ca.key';
/** The directory of a control plane started in this process (a test file run on its own). */
let privateCaDir: string | undefined;

interface KubeletServingFiles {
  certFile: string;
  keyFile: string;
  /** The cluster CA: it signs the API server's kubelet client certificate (and every other client's). */
  clientCaFile: string;
}

/**
 * A kubelet serving certificate for `ips`, signed by the test cluster's CA (which the API
 * server's --kubelet-certificate-authority names), written next to that CA: the files a
 * reconciler under test gets as --tls-cert-file, --tls-private-key-file and --client-ca-file.
 */
export async function issueKubeletServingCert(ips: string[]): Promise<KubeletServingFiles> {
  // A control plane this process started (the conformance stack, a chaos run) is the one its
  // reconcilers talk to; the shared one the integration runner announces comes second.
  const caFile = process.env[ENV.caFile];
  const dir = privateCaDir ?? (caFile ? dirname(caFile) : undefined);
  if (!dir) throw new Error('no control plane: start one before issuing kubelet certificates');
  const ca = await loadCertificateAuthority(
    readFileSync(join(dir, 'ca.crt'), 'utf8'),
    readFileSync(join(dir, CA_KEY_FILE), 'utf8'),
  );
  const leaf = await issueCertificate(ca, {
    commonName: 'system:node:eci-virtual-node',
    ipAddresses: [...new Set(ips)],
    usage: 'server',
    validityDays: 30,
  });
  const base = join(dir, `kubelet-serving-${randomBytes(4).toString('hex')}`);
  writeFileSync(`${base}.crt`, leaf.certPem);
  writeFileSync(`${base}.key`, leaf.keyPem, { mode: 0o600 });
  return { certFile: `${base}.crt`, keyFile: `${base}.key`, clientCaFile: join(dir, 'ca.crt') };
}

/** The reconciler's flags for a kubelet serving certificate for `ips` and the cluster's client CA. */
export async function kubeletServingFlags(ips: string[]): Promise<string[]> {
  const f = await issueKubeletServingCert(ips);
  return [
    '--tls-cert-file',
    f.certFile,
    '--tls-private-key-file',
    f.keyFile,
    '--client-ca-file',
    f.clientCaFile,
  ];
}

export async function startControlPlane(options: ControlPlaneOptions = {}): Promise<ControlPlane> {
  const timeoutMs = options.startTimeoutMs ?? 90_000;
  const log = options.log ?? ((line: string) => console.error(line));
  const dir = mkdtempSync(join(tmpdir(), 'eci-vn-cp-'));
  trackTempDir(dir);
  const processes: ManagedProcess[] = [];
  const file = (name: string) => join(dir, name);

  const stop = async () => {
    // Reverse start order: controllers first, etcd last.
    for (const p of [...processes].reverse()) await p.stop();
    processes.length = 0;
    rmSync(dir, { recursive: true, force: true });
    untrackTempDir(dir);
  };

  try {
    const binaries = {
      etcd: binaryPath('etcd'),
      apiserver: binaryPath('kube-apiserver'),
      controllerManager: binaryPath('kube-controller-manager'),
      scheduler: binaryPath('kube-scheduler'),
      kubectl: binaryPath('kubectl'),
    };

    // Certificates: one CA for serving and client certs; a separate SA signing key.
    const ca = await createCertificateAuthority('eci-virtual-node-test-ca', 30);
    const serving = await issueCertificate(ca, {
      commonName: 'kube-apiserver',
      dnsNames: ['localhost', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc'],
      ipAddresses: ['127.0.0.1', '10.0.0.1'],
      usage: 'server',
      validityDays: 30,
    });
    const admin = await issueCertificate(ca, {
      commonName: 'test-admin',
      organizations: ['system:masters'],
      usage: 'client',
      validityDays: 30,
    });
    // The API server's identity towards kubelets (kube-apiserver-kubelet-client, as kubeadm names it).
    const kubeletClient = await issueCertificate(ca, {
      commonName: KUBELET_CLIENT_USER,
      usage: 'client',
      validityDays: 30,
    });
    // The aggregation layer (metrics-server): a CA of its own for the front proxy, whose client
    // certificate lets the API server pass the user on in X-Remote-* headers.
    const frontProxyCa = await createCertificateAuthority('eci-virtual-node-test-front-proxy-ca', 30);
    const frontProxyClient = await issueCertificate(frontProxyCa, {
      commonName: 'front-proxy-client',
      usage: 'client',
      validityDays: 30,
    });
    writeFileSync(file('front-proxy-ca.crt'), frontProxyCa.certPem);
    writeFileSync(file('front-proxy-client.crt'), frontProxyClient.certPem);
    writeFileSync(file('front-proxy-client.key'), frontProxyClient.keyPem, { mode: 0o600 });
    const sa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    writeFileSync(file('ca.crt'), ca.certPem);
    // Kept so tests can issue kubelet serving certificates the API server verifies.
    writeFileSync(file(CA_KEY_FILE), ca.keyPem, { mode: 0o600 });
    writeFileSync(file('kubelet-client.crt'), kubeletClient.certPem);
    writeFileSync(file('kubelet-client.key'), kubeletClient.keyPem, { mode: 0o600 });
    writeFileSync(file('serving.crt'), serving.certPem);
    writeFileSync(file('serving.key'), serving.keyPem, { mode: 0o600 });
    writeFileSync(file('sa.key'), sa.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    writeFileSync(file('sa.pub'), sa.publicKey.export({ type: 'spki', format: 'pem' }));

    // etcd
    const [etcdPort, peerPort, apiPort, schedPort, kcmPort] = await Promise.all([
      freePort(),
      freePort(),
      freePort(),
      freePort(),
      freePort(),
    ]);
    const etcd = startProcess(
      'etcd',
      binaries.etcd,
      [
        '--name=test',
        `--data-dir=${file('etcd-data')}`,
        `--listen-client-urls=http://127.0.0.1:${etcdPort}`,
        `--advertise-client-urls=http://127.0.0.1:${etcdPort}`,
        `--listen-peer-urls=http://127.0.0.1:${peerPort}`,
        `--initial-advertise-peer-urls=http://127.0.0.1:${peerPort}`,
        `--initial-cluster=test=http://127.0.0.1:${peerPort}`,
        '--unsafe-no-fsync=true',
        '--log-level=warn',
      ],
      file('etcd.log'),
    );
    processes.push(etcd);
    await waitFor(
      'etcd /health',
      async () => {
        const res = await httpGet(`http://127.0.0.1:${etcdPort}/health`);
        return res.status === 200 && res.body.includes('"health":"true"');
      },
      { timeoutMs, intervalMs: 100, process: etcd },
    );

    // kube-apiserver
    const apiServerUrl = `https://127.0.0.1:${apiPort}`;
    const advertise = hasDefaultRoute()
      ? []
      : ['--advertise-address=127.0.0.1', '--endpoint-reconciler-type=none'];
    const apiserver = startProcess(
      'kube-apiserver',
      binaries.apiserver,
      [
        `--etcd-servers=http://127.0.0.1:${etcdPort}`,
        '--bind-address=127.0.0.1',
        `--secure-port=${apiPort}`,
        `--cert-dir=${dir}`,
        `--tls-cert-file=${file('serving.crt')}`,
        `--tls-private-key-file=${file('serving.key')}`,
        `--client-ca-file=${file('ca.crt')}`,
        `--service-account-issuer=${apiServerUrl}`,
        `--service-account-key-file=${file('sa.pub')}`,
        `--service-account-signing-key-file=${file('sa.key')}`,
        '--authorization-mode=Node,RBAC',
        '--service-cluster-ip-range=10.0.0.0/24',
        '--allow-privileged=true',
        `--requestheader-client-ca-file=${file('front-proxy-ca.crt')}`,
        '--requestheader-allowed-names=front-proxy-client',
        '--requestheader-extra-headers-prefix=X-Remote-Extra-',
        '--requestheader-group-headers=X-Remote-Group',
        '--requestheader-username-headers=X-Remote-User',
        `--proxy-client-cert-file=${file('front-proxy-client.crt')}`,
        `--proxy-client-key-file=${file('front-proxy-client.key')}`,
        // Aggregated APIs are reached at their endpoints' IPs: no kube-proxy here for ClusterIPs.
        '--enable-aggregator-routing=true',
        // Talk to nodes as a kubelet-api-admin and verify their serving certificates.
        `--kubelet-client-certificate=${file('kubelet-client.crt')}`,
        `--kubelet-client-key=${file('kubelet-client.key')}`,
        `--kubelet-certificate-authority=${file('ca.crt')}`,
        ...advertise,
        '--v=1',
      ],
      file('kube-apiserver.log'),
    );
    processes.push(apiserver);
    const tls: TlsFiles = { ca: ca.certPem, cert: admin.certPem, key: admin.keyPem };
    await waitFor(
      'kube-apiserver /readyz',
      async () => (await httpsGet(`${apiServerUrl}/readyz`, tls)).status === 200,
      { timeoutMs, intervalMs: 250, process: apiserver },
    );
    await waitFor(
      'namespace default',
      async () => (await httpsGet(`${apiServerUrl}/api/v1/namespaces/default`, tls)).status === 200,
      { timeoutMs, intervalMs: 250, process: apiserver },
    );
    const versionInfo = JSON.parse((await httpsGet(`${apiServerUrl}/version`, tls)).body) as {
      gitVersion: string;
    };

    const kubeconfigPath = file('admin.kubeconfig');
    writeFileSync(kubeconfigPath, kubeconfigYaml(apiServerUrl, ca.certPem, admin.certPem, admin.keyPem), {
      mode: 0o600,
    });

    // kube-scheduler and kube-controller-manager
    writeFileSync(
      file('scheduler.yaml'),
      [
        'apiVersion: kubescheduler.config.k8s.io/v1',
        'kind: KubeSchedulerConfiguration',
        'clientConnection:',
        `  kubeconfig: ${kubeconfigPath}`,
        'leaderElection:',
        '  leaderElect: false',
        '',
      ].join('\n'),
    );
    const scheduler = startProcess(
      'kube-scheduler',
      binaries.scheduler,
      [
        `--config=${file('scheduler.yaml')}`,
        `--authentication-kubeconfig=${kubeconfigPath}`,
        `--authorization-kubeconfig=${kubeconfigPath}`,
        '--bind-address=127.0.0.1',
        `--secure-port=${schedPort}`,
        `--cert-dir=${file('scheduler-certs')}`,
        '--v=1',
      ],
      file('kube-scheduler.log'),
    );
    processes.push(scheduler);
    const controllerManager = startProcess(
      'kube-controller-manager',
      binaries.controllerManager,
      [
        `--kubeconfig=${kubeconfigPath}`,
        `--authentication-kubeconfig=${kubeconfigPath}`,
        `--authorization-kubeconfig=${kubeconfigPath}`,
        '--leader-elect=false',
        '--bind-address=127.0.0.1',
        `--secure-port=${kcmPort}`,
        `--cert-dir=${file('kcm-certs')}`,
        `--service-account-private-key-file=${file('sa.key')}`,
        `--root-ca-file=${file('ca.crt')}`,
        '--use-service-account-credentials=true',
        '--service-cluster-ip-range=10.0.0.0/24',
        '--v=1',
      ],
      file('kube-controller-manager.log'),
    );
    processes.push(controllerManager);
    await Promise.all([
      waitFor(
        'kube-scheduler /healthz',
        async () => (await insecureHttpsStatus(`https://127.0.0.1:${schedPort}/healthz`)) === 200,
        {
          timeoutMs,
          process: scheduler,
        },
      ),
      waitFor(
        'kube-controller-manager /healthz',
        async () => (await insecureHttpsStatus(`https://127.0.0.1:${kcmPort}/healthz`)) === 200,
        { timeoutMs, process: controllerManager },
      ),
    ]);

    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromFile(kubeconfigPath);
    const core = kubeConfig.makeApiClient(CoreV1Api);
    await waitFor(
      'service account default/default',
      async () => {
        await core.readNamespacedServiceAccount({ name: 'default', namespace: 'default' });
        return true;
      },
      { timeoutMs, intervalMs: 250, process: controllerManager },
    );

    await kubeConfig.makeApiClient(RbacAuthorizationV1Api).createClusterRoleBinding({
      body: {
        metadata: { name: 'kube-apiserver-kubelet-api-admin' },
        roleRef: {
          apiGroup: 'rbac.authorization.k8s.io',
          kind: 'ClusterRole',
          name: 'system:kubelet-api-admin',
        },
        subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: KUBELET_CLIENT_USER }],
      },
    });
    privateCaDir = dir;

    log(`control plane: kube-apiserver ${versionInfo.gitVersion} at ${apiServerUrl}`);
    return {
      kubeconfigPath,
      kubeConfig,
      caPem: ca.certPem,
      apiServerUrl,
      version: versionInfo.gitVersion,
      dir,
      kubectlPath: binaries.kubectl,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

export { K8S_VERSION };
