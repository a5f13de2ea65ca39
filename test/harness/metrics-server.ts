// A real metrics-server (sigs.k8s.io/metrics-server, built by scripts/build-control-plane.sh)
// against a control plane of the harness, as it runs in a cluster: its ServiceAccount and the
// RBAC of its official manifest, a serving certificate the APIService's caBundle names, the
// APIService v1beta1.metrics.k8s.io, and a Service without selector whose Endpoints and
// EndpointSlice point at the process (the API server routes to that IP with
// --enable-aggregator-routing; no kube-proxy here). Endpoints refuse loopback addresses, so it
// listens on the machine's routable IPv4, as the virtual node does.
//
// Kubelet TLS: with `kubeletCaPem` (the CA that signed the node's serving certificate) it
// verifies the node as the API server does; without it, --kubelet-insecure-tls, for nodes
// serving a self-signed certificate.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createCertificateAuthority, issueCertificate } from '../../shared/x509.ts';
import { resolveNodeIp } from '../../reconciler/kubelet/node-address.ts';
import { binaryDir } from './binaries.ts';
import { freePort } from './ports.ts';
import { startProcess, trackTempDir, untrackTempDir, waitFor, type ManagedProcess } from './process.ts';

const run = promisify(execFile);

const NAME = 'metrics-server';
const NAMESPACE = 'kube-system';
const API_SERVICE = 'v1beta1.metrics.k8s.io';

export interface MetricsServerOptions {
  kubeconfigPath: string;
  kubectlPath: string;
  /** The cluster CA (PEM): metrics-server verifies the API server with it. */
  clusterCaPem: string;
  /** The CA of the nodes' serving certificates; unset = --kubelet-insecure-tls. */
  kubeletCaPem?: string;
  /** Scrape only nodes with these labels (metrics-server's --node-selector). */
  nodeSelector?: string;
  /** Seconds between scrapes; metrics-server's minimum is 10. */
  resolutionSeconds?: number;
  startTimeoutMs?: number;
}

export interface MetricsServerHandle {
  process: ManagedProcess;
  /** https://ip:port of the process. */
  url: string;
  stop(): Promise<void>;
}

/** The built binary, or undefined when scripts/build-control-plane.sh has not built it. */
export function metricsServerBinary(): string | undefined {
  const path = join(binaryDir(), 'metrics-server');
  return existsSync(path) ? path : undefined;
}

function manifest(ip: string, port: number, caBundlePem: string): string {
  const caBundle = Buffer.from(caBundlePem).toString('base64');
  const rbac = 'rbac.authorization.k8s.io';
  const docs: object[] = [
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: NAME, namespace: NAMESPACE } },
    {
      apiVersion: `${rbac}/v1`,
      kind: 'ClusterRole',
      metadata: { name: 'system:metrics-server' },
      rules: [
        { apiGroups: [''], resources: ['nodes/metrics'], verbs: ['get'] },
        { apiGroups: [''], resources: ['pods', 'nodes'], verbs: ['get', 'list', 'watch'] },
      ],
    },
    ...(
      [
        ['ClusterRoleBinding', 'system:metrics-server', 'ClusterRole', 'system:metrics-server'],
        [
          'ClusterRoleBinding',
          'metrics-server:system:auth-delegator',
          'ClusterRole',
          'system:auth-delegator',
        ],
        ['RoleBinding', 'metrics-server-auth-reader', 'Role', 'extension-apiserver-authentication-reader'],
      ] as const
    ).map(([kind, name, roleKind, role]) => ({
      apiVersion: `${rbac}/v1`,
      kind,
      metadata: { name, ...(kind === 'RoleBinding' ? { namespace: NAMESPACE } : {}) },
      roleRef: { apiGroup: rbac, kind: roleKind, name: role },
      subjects: [{ kind: 'ServiceAccount', name: NAME, namespace: NAMESPACE }],
    })),
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: NAME, namespace: NAMESPACE },
      spec: { ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: port }] },
    },
    {
      apiVersion: 'v1',
      kind: 'Endpoints',
      // The EndpointSlice below is written directly; no mirrored copy of this one.
      metadata: {
        name: NAME,
        namespace: NAMESPACE,
        labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' },
      },
      subsets: [{ addresses: [{ ip }], ports: [{ name: 'https', port, protocol: 'TCP' }] }],
    },
    {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: {
        name: `${NAME}-harness`,
        namespace: NAMESPACE,
        labels: { 'kubernetes.io/service-name': NAME },
      },
      addressType: 'IPv4',
      endpoints: [{ addresses: [ip], conditions: { ready: true } }],
      ports: [{ name: 'https', port, protocol: 'TCP' }],
    },
    {
      apiVersion: 'apiregistration.k8s.io/v1',
      kind: 'APIService',
      metadata: { name: API_SERVICE },
      spec: {
        service: { name: NAME, namespace: NAMESPACE, port: 443 },
        group: 'metrics.k8s.io',
        version: 'v1beta1',
        caBundle,
        groupPriorityMinimum: 100,
        versionPriority: 100,
      },
    },
  ];
  return docs.map((d) => JSON.stringify(d)).join('\n---\n');
}

function kubeconfigYaml(server: string, caPem: string, token: string): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      { name: 'c', cluster: { server, 'certificate-authority-data': Buffer.from(caPem).toString('base64') } },
    ],
    users: [{ name: NAME, user: { token } }],
    contexts: [{ name: 'c', context: { cluster: 'c', user: NAME } }],
    'current-context': 'c',
  });
}

export async function startMetricsServer(o: MetricsServerOptions): Promise<MetricsServerHandle> {
  const binary = metricsServerBinary();
  if (!binary) throw new Error(`metrics-server not built in ${binaryDir()}: run \`make control-plane\``);
  const timeoutMs = o.startTimeoutMs ?? 120_000;
  const kubectl = async (args: string[], input?: string) => {
    const p = run(o.kubectlPath, ['--kubeconfig', o.kubeconfigPath, ...args], { maxBuffer: 16 * 2 ** 20 });
    if (input !== undefined) p.child.stdin?.end(input);
    return (await p).stdout;
  };
  const dir = mkdtempSync(join(tmpdir(), 'eci-vn-metrics-server-'));
  trackTempDir(dir);
  let proc: ManagedProcess | undefined;
  let objects = '';
  const stop = async () => {
    await proc?.stop();
    if (objects)
      await kubectl(['delete', '--ignore-not-found', '--wait=false', '-f', '-'], objects).catch(() => {});
    rmSync(dir, { recursive: true, force: true });
    untrackTempDir(dir);
  };
  try {
    const ip = resolveNodeIp(undefined, {});
    const resolution = o.resolutionSeconds ?? 10;
    const port = await freePort();
    const ca = await createCertificateAuthority('eci-virtual-node-test-metrics-server-ca', 30);
    const serving = await issueCertificate(ca, {
      commonName: `${NAME}.${NAMESPACE}.svc`,
      dnsNames: [`${NAME}.${NAMESPACE}.svc`, `${NAME}.${NAMESPACE}.svc.cluster.local`],
      ipAddresses: [ip],
      usage: 'server',
      validityDays: 30,
    });
    const file = (name: string) => join(dir, name);
    writeFileSync(file('serving.crt'), serving.certPem);
    writeFileSync(file('serving.key'), serving.keyPem, { mode: 0o600 });

    objects = manifest(ip, port, ca.certPem);
    await kubectl(
      ['apply', '--server-side', '--force-conflicts', '--field-manager=eci-vn-harness', '-f', '-'],
      objects,
    );
    const token = (await kubectl(['create', 'token', NAME, '-n', NAMESPACE, '--duration=2h'])).trim();
    const server = (
      await kubectl(['config', 'view', '--minify', '-o', 'jsonpath={.clusters[0].cluster.server}'])
    ).trim();
    writeFileSync(file('kubeconfig'), kubeconfigYaml(server, o.clusterCaPem, token), { mode: 0o600 });
    const kubeletTls = o.kubeletCaPem
      ? (writeFileSync(file('kubelet-ca.crt'), o.kubeletCaPem),
        [`--kubelet-certificate-authority=${file('kubelet-ca.crt')}`])
      : ['--kubelet-insecure-tls'];

    proc = startProcess(
      'metrics-server',
      binary,
      [
        `--bind-address=${ip}`,
        `--secure-port=${port}`,
        `--cert-dir=${dir}`,
        `--tls-cert-file=${file('serving.crt')}`,
        `--tls-private-key-file=${file('serving.key')}`,
        `--kubeconfig=${file('kubeconfig')}`,
        `--authentication-kubeconfig=${file('kubeconfig')}`,
        `--authorization-kubeconfig=${file('kubeconfig')}`,
        '--kubelet-use-node-status-port',
        '--kubelet-preferred-address-types=InternalIP',
        ...kubeletTls,
        `--metric-resolution=${resolution}s`,
        // It must stay under 90 % of the resolution (metrics-server refuses to start otherwise).
        `--kubelet-request-timeout=${Math.floor(resolution / 2)}s`,
        ...(o.nodeSelector ? [`--node-selector=${o.nodeSelector}`] : []),
        '--v=2',
      ],
      file('metrics-server.log'),
    );
    const started = proc;
    await waitFor(
      `APIService ${API_SERVICE} Available`,
      async () => {
        const status = await kubectl([
          'get',
          'apiservice',
          API_SERVICE,
          '-o',
          'jsonpath={.status.conditions[?(@.type=="Available")].status}',
        ]);
        return status.trim() === 'True';
      },
      { timeoutMs, intervalMs: 1000, process: started },
    );
    return { process: started, url: `https://${ip}:${port}`, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
