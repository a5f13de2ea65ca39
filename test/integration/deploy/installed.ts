// deploy/'s RBAC and admission policies applied to the shared control plane as an operator
// applies them (kubectl apply), removed again afterwards, and a kubectl to probe them with.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KubeConfig } from '@kubernetes/client-node';
import { controlPlane, type SharedControlPlane } from '../../harness/shared.ts';

const DEPLOY = fileURLToPath(new URL('../../../deploy/', import.meta.url));
export const NAMESPACE = 'eci-virtual-node';
export const RECONCILER = `system:serviceaccount:${NAMESPACE}:eci-reconciler`;
export const WEBHOOK = `system:serviceaccount:${NAMESPACE}:eci-webhook`;
/** What deploy/reconciler/statefulset.yaml's --nodes=1 serves. */
export const VIRTUAL_NODE = 'virtual-node-eci-0';
const MANIFESTS = [
  'reconciler/rbac.yaml',
  'reconciler/admission-policy.yaml',
  'webhook/rbac.yaml',
  'webhook/admission-policy.yaml',
].map((f) => DEPLOY + f);

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

export interface Installed {
  cp: SharedControlPlane;
  kubectl(args: string[], input?: string): Promise<Run>;
  /** kubectl that must succeed; returns its stdout. */
  mustKubectl(args: string[], input?: string): Promise<string>;
  /** `kubectl auth can-i` as `user`: "verb resource[/name] [-n ns] [--subresource=x]". */
  canI(user: string, request: string): Promise<boolean>;
  /** Asserts every request gets the same answer, listing the ones that do not. */
  assertAll(user: string, requests: string[], expected: boolean): Promise<void>;
  /** A kubeconfig that authenticates as the service account (a fresh TokenRequest), and its file. */
  serviceAccountKubeConfig(name: 'eci-reconciler' | 'eci-webhook'): Promise<{ kc: KubeConfig; path: string }>;
  uninstall(): Promise<void>;
}

/** kubectl as the cluster admin; `mustKubectl` asserts success and returns stdout. */
export function kubectlFor(cp: SharedControlPlane) {
  const kubectl = (args: string[], input?: string) =>
    new Promise<Run>((resolve) => {
      const child = execFile(
        cp.kubectlPath,
        ['--kubeconfig', cp.kubeconfigPath, ...args],
        { timeout: 60_000, maxBuffer: 16 * 1024 * 1024 },
        (err, stdout, stderr) => resolve({ code: err ? Number(err.code ?? 1) || 1 : 0, stdout, stderr }),
      );
      if (input !== undefined) child.stdin?.end(input);
    });
  const mustKubectl = async (args: string[], input?: string) => {
    const r = await kubectl(args, input);
    assert.equal(r.code, 0, `kubectl ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  return { kubectl, mustKubectl };
}

/** A kubeconfig that authenticates as a service account (a fresh TokenRequest), and its file. */
export async function serviceAccountKubeConfig(
  cp: SharedControlPlane,
  name: string,
  namespace = NAMESPACE,
): Promise<{ kc: KubeConfig; path: string }> {
  const { mustKubectl } = kubectlFor(cp);
  const token = (await mustKubectl(['create', 'token', name, '-n', namespace, '--duration=1h'])).trim();
  const cluster = cp.kubeConfig.getCurrentCluster()!;
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ ...cluster, caData: Buffer.from(cp.caPem).toString('base64'), caFile: undefined }],
    users: [{ name, token }],
    contexts: [{ name, cluster: cluster.name, user: name }],
    currentContext: name,
  });
  const path = join(mkdtempSync(join(tmpdir(), 'eci-vn-sa-')), 'kubeconfig');
  writeFileSync(path, kc.exportConfig(), { mode: 0o600 });
  return { kc, path };
}

export async function installDeployRbac(): Promise<Installed> {
  const cp = await controlPlane();
  const { kubectl, mustKubectl } = kubectlFor(cp);
  const canI = async (user: string, request: string) => {
    const r = await kubectl(['auth', 'can-i', ...request.split(' '), `--as=${user}`]);
    const answer = r.stdout.trim();
    assert.ok(answer === 'yes' || answer === 'no', `can-i ${request}: ${r.stdout} ${r.stderr}`);
    return answer === 'yes';
  };
  const assertAll = async (user: string, requests: string[], expected: boolean) => {
    const wrong: string[] = [];
    for (const request of requests) if ((await canI(user, request)) !== expected) wrong.push(request);
    assert.deepEqual(wrong, [], `${user} should${expected ? '' : ' NOT'} be allowed to`);
  };

  const namespaceExisted = (await kubectl(['get', 'namespace', NAMESPACE])).code === 0;
  await mustKubectl(['apply', '-f', DEPLOY + 'webhook/namespace.yaml']);
  await mustKubectl(['apply', ...MANIFESTS.flatMap((f) => ['-f', f])]);
  return {
    cp,
    kubectl,
    mustKubectl,
    canI,
    assertAll,
    serviceAccountKubeConfig: (name) => serviceAccountKubeConfig(cp, name),
    async uninstall() {
      await kubectl(['delete', '--ignore-not-found', '--wait=false', ...MANIFESTS.flatMap((f) => ['-f', f])]);
      // Waits, so a next file's install does not meet a terminating namespace.
      if (!namespaceExisted)
        await kubectl(['delete', 'namespace', NAMESPACE, '--wait=true', '--timeout=60s']);
    },
  };
}

/**
 * Log lines that record a refused API request: a Kubernetes refusal says "forbidden" (the
 * Status reason and message); the client's error carries the HTTP status as `HTTP-Code: 403`
 * and the Status's numeric `"code":403`. A bare `\b403\b` also matched any number 403 in a
 * JSON log line (a resourceVersion, a duration, a pid), which a fresh control plane's first
 * test can meet (the likely cause of one CI failure of this file).
 */
export function refusedRequests(lines: readonly string[]): string[] {
  return lines.filter((l) => /forbidden|HTTP-Code: 403\b|"code":403\b/i.test(l));
}
