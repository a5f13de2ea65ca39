// The start-up permission self-check of the real programs (issue 15): run as a ServiceAccount
// whose RBAC lacks one rule of deploy/'s, each program prints the named line and exits 1 within
// seconds; under deploy/'s full RBAC the reconciler starts, and its debug listener serves a CPU
// profile of the running process.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CoordinationV1Api, CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { startEmulator, type EmulatorHandle } from '../../../emulator/index.ts';
import { loadManifests, type Manifest } from '../../unit/deploy/load.ts';
import { EMULATOR_CREDENTIALS_ENV } from '../reconciler/stack.ts';
import { eventually } from '../helpers.ts';
import { installDeployRbac, NAMESPACE, VIRTUAL_NODE, type Installed } from '../deploy/installed.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const PARTIAL = 'eci-selfcheck-partial';

interface Exit {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a program until it exits (or `until` says it is up, then SIGTERM). */
function run(
  script: string,
  args: string[],
  env: Record<string, string>,
  until?: { test: (stdout: string) => boolean; then: (child: ChildProcess) => Promise<void> },
): Promise<Exit> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'info', ...env },
    });
    let stdout = '';
    let stderr = '';
    let triggered = false;
    const kill = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (until && !triggered && until.test(stdout)) {
        triggered = true;
        until.then(child).then(
          () => child.kill('SIGTERM'),
          (err: unknown) => {
            child.kill('SIGKILL');
            reject(err as Error);
          },
        );
      }
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => {
      clearTimeout(kill);
      resolve({ code, stdout, stderr });
    });
  });
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const missingLines = (stderr: string) => stderr.split('\n').filter((l) => /missing permission/.test(l));

describe('the permission self-check at start', () => {
  let installed: Installed;
  let emu: EmulatorHandle;
  const kubeconfigs: Record<string, string> = {};

  /** A kubeconfig file for a service account of NAMESPACE (a fresh TokenRequest). */
  async function kubeconfigOf(sa: string): Promise<string> {
    const token = (
      await installed.mustKubectl(['create', 'token', sa, '-n', NAMESPACE, '--duration=1h'])
    ).trim();
    const cluster = installed.cp.kubeConfig.getCurrentCluster()!;
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [
        { ...cluster, caData: Buffer.from(installed.cp.caPem).toString('base64'), caFile: undefined },
      ],
      users: [{ name: sa, token }],
      contexts: [{ name: sa, cluster: cluster.name, user: sa }],
      currentContext: sa,
    });
    const path = join(mkdtempSync(join(tmpdir(), 'eci-vn-selfcheck-')), 'kubeconfig');
    writeFileSync(path, kc.exportConfig(), { mode: 0o600 });
    return path;
  }

  /**
   * PARTIAL: bound to copies of deploy/'s roles of `file` with the rule `drop` picks removed
   * from its ClusterRole (the namespaced Roles are bound as they are).
   */
  function partialRbac(file: string, drop: (rule: Manifest) => boolean): Manifest[] {
    const subjects = [{ kind: 'ServiceAccount', name: PARTIAL, namespace: NAMESPACE }];
    const objects: Manifest[] = [];
    for (const m of loadManifests(file)) {
      if (m.kind === 'ClusterRole') {
        const rules = (m.rules as Manifest[]).filter((r) => !drop(r));
        assert.equal(rules.length, m.rules.length - 1, 'exactly one rule dropped');
        objects.push(
          { ...m, metadata: { name: `${PARTIAL}:${m.metadata.name}` }, rules },
          {
            apiVersion: 'rbac.authorization.k8s.io/v1',
            kind: 'ClusterRoleBinding',
            metadata: { name: `${PARTIAL}:${m.metadata.name}` },
            roleRef: {
              apiGroup: 'rbac.authorization.k8s.io',
              kind: 'ClusterRole',
              name: `${PARTIAL}:${m.metadata.name}`,
            },
            subjects,
          },
        );
      } else if (m.kind === 'Role') {
        objects.push({
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'RoleBinding',
          metadata: { name: `${PARTIAL}:${m.metadata.name}`, namespace: m.metadata.namespace },
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: m.metadata.name },
          subjects,
        });
      }
    }
    return objects;
  }

  const applied: Manifest[] = [];
  async function apply(objects: Manifest[]) {
    applied.push(...objects);
    await installed.mustKubectl(
      ['apply', '-f', '-'],
      JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }),
    );
  }

  before(async () => {
    installed = await installDeployRbac();
    emu = await startEmulator({ logLevel: 'warn' });
    await installed.mustKubectl(['create', 'serviceaccount', PARTIAL, '-n', NAMESPACE]);
    kubeconfigs.partial = await kubeconfigOf(PARTIAL);
    kubeconfigs.reconciler = await kubeconfigOf('eci-reconciler');
    kubeconfigs.webhook = await kubeconfigOf('eci-webhook');
  });

  after(async () => {
    await emu?.close();
    if (applied.length > 0)
      await installed.kubectl(
        ['delete', '--ignore-not-found', '-f', '-'],
        JSON.stringify({ apiVersion: 'v1', kind: 'List', items: applied }),
      );
    const core = installed.cp.kubeConfig.makeApiClient(CoreV1Api);
    await core.deleteNode({ name: VIRTUAL_NODE }).catch(() => {});
    await installed.cp.kubeConfig
      .makeApiClient(CoordinationV1Api)
      .deleteNamespacedLease({ name: VIRTUAL_NODE, namespace: 'kube-node-lease' })
      .catch(() => {});
    await installed?.uninstall();
  });

  const reconcilerArgs = () => [
    '--eci-endpoint',
    emu.url,
    '--vswitch-ids',
    'vsw-emu-h',
    '--security-group-id',
    'sg-emu',
    '--health-address',
    '127.0.0.1:0',
    '--kubelet-port',
    '0',
    '--kubelet-address',
    '127.0.0.1',
  ];

  /** The environment deploy/reconciler/statefulset.yaml gives the program, credentials aside. */
  const reconcilerEnv = (kubeconfig: string) => ({
    KUBECONFIG: kubeconfig,
    POD_NAMESPACE: NAMESPACE,
    POD_NAME: 'eci-reconciler-0',
    ...EMULATOR_CREDENTIALS_ENV,
  });

  test('reconciler: a ClusterRole without the pods/status rule → that line on stderr, exit 1', async () => {
    await apply(
      partialRbac('reconciler/rbac.yaml', (r) => (r.resources as string[]).includes('pods/status')),
    );
    const line =
      'eci-reconciler: missing permission: patch pods/status (cluster-wide), needed by the status sync (reconciler/controller/pod-kube.ts)';
    // RBAC changes reach the authorizer's cache within a moment.
    const exit = await eventually('the refused rule to take effect', async () => {
      const r = await run('reconciler/main.ts', reconcilerArgs(), reconcilerEnv(kubeconfigs.partial!));
      return missingLines(r.stderr).includes(line) ? r : undefined;
    });
    assert.equal(exit.code, 1);
    assert.doesNotMatch(exit.stdout, /reconciler started/);
  });

  test('webhook: a ClusterRole without the namespaces rule → three named lines, exit 1', async () => {
    await apply(partialRbac('webhook/rbac.yaml', (r) => (r.resources as string[]).includes('namespaces')));
    const exit = await eventually(
      'the refused rule to take effect',
      async () => {
        const r = await run('webhook/main.ts', ['--port', '0'], { KUBECONFIG: kubeconfigs.partial! });
        assert.ok(missingLines(r.stderr).length >= 3, r.stderr);
        return r;
      },
      60_000,
    );
    assert.equal(exit.code, 1);
    for (const verb of ['get', 'list', 'watch'])
      assert.ok(
        missingLines(exit.stderr).includes(
          `eci-webhook: missing permission: ${verb} namespaces (cluster-wide), needed by the namespace cache (webhook/cluster.ts)`,
        ),
        exit.stderr,
      );
  });

  test("reconciler under deploy/'s full RBAC: starts; its debug listener serves a CPU profile", async () => {
    const port = await freePort();
    let profile: { nodes: unknown[]; startTime: number; endTime: number } | undefined;
    const exit = await run(
      'reconciler/main.ts',
      [...reconcilerArgs(), '--debug-address', `127.0.0.1:${port}`],
      reconcilerEnv(kubeconfigs.reconciler!),
      {
        test: (stdout) => stdout.includes('reconciler started'),
        then: async () => {
          const res = await fetch(`http://127.0.0.1:${port}/debug/pprof/profile?seconds=1`);
          assert.equal(res.status, 200);
          profile = (await res.json()) as typeof profile;
        },
      },
    );
    assert.deepEqual(missingLines(exit.stderr), [], exit.stderr);
    assert.match(exit.stdout, /reconciler started/, exit.stderr);
    assert.equal(exit.code, 0, exit.stderr);
    assert.ok(profile && profile.nodes.length > 0 && profile.endTime > profile.startTime);
  });

  test("webhook under deploy/'s full RBAC: starts; its debug listener serves a heap snapshot", async () => {
    const port = await freePort();
    let snapshot: { snapshot: { node_count: number } } | undefined;
    const exit = await run(
      'webhook/main.ts',
      ['--port', '0', '--debug-address', `127.0.0.1:${port}`],
      { KUBECONFIG: kubeconfigs.webhook!, POD_NAMESPACE: NAMESPACE },
      {
        test: (stdout) => stdout.includes('"listening"'),
        then: async () => {
          const res = await fetch(`http://127.0.0.1:${port}/debug/pprof/heap`);
          assert.equal(res.status, 200);
          snapshot = (await res.json()) as typeof snapshot;
        },
      },
    );
    assert.deepEqual(missingLines(exit.stderr), [], exit.stderr);
    assert.equal(exit.code, 0, exit.stderr);
    assert.ok(snapshot && snapshot.snapshot.node_count > 0);
  });
});
