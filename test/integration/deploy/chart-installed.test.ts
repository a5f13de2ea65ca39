// The Helm chart installed on the real control plane (issue 15): `helm template` output applied
// with server-side apply, as `helm install --create-namespace` would, then the webhook and the
// reconciler run as processes under the ServiceAccounts the chart created (a kubeconfig with
// each one's token), with the flags and environment the chart's Deployment and StatefulSet give
// them. The usual pod flow works: a pod in an eci=true namespace is mutated, scheduled onto the
// virtual node, created in the emulator, Running, and finalized on delete, and no request of
// either program is refused (sufficient). A SelfSubjectRulesReview made as each account, in
// every namespace involved, returns exactly the rules of deploy/README.md's permissions table
// beyond what every service account has (not wider than needed).
//
// What the harness changes, and why: it has no kubelet and no pod network, so the chart's pods
// stay Pending and the programs run as processes on loopback instead; the webhook configuration
// is pointed at that process's URL (the API server cannot reach a Service's ClusterIP here) and
// limited to this file's namespaces; listen addresses and ports are free loopback ones, and the
// reconciler talks to the emulator with short poll intervals.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { AuthorizationV1Api, CoreV1Api, type KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { startEmulator, type EmulatorHandle } from '../../../emulator/index.ts';
import { EmulatorAdmin } from '../../../emulator/admin-client.ts';
import { INSTANCE_ANNOTATIONS } from '../../../shared/annotations.ts';
import { freePort } from '../../harness/ports.ts';
import { controlPlane, type SharedControlPlane } from '../../harness/shared.ts';
import { grantsOf, readmeRows } from '../../unit/deploy/permissions.ts';
import { createNamespace, deleteNamespace, eventually, uniqueName } from '../helpers.ts';
import { EMULATOR_CREDENTIALS_ENV, FAST_TIMING } from '../reconciler/stack.ts';
import { startWebhook, type WebhookProcess } from '../webhook/process.ts';
import {
  kubectlFor,
  NAMESPACE,
  refusedRequests,
  serviceAccountKubeConfig,
  VIRTUAL_NODE,
} from './installed.ts';
import { find, renderChart, type Manifest } from './render.ts';

const RECONCILER_MAIN = fileURLToPath(new URL('../../../reconciler/main.ts', import.meta.url));
const CONFIG_NAME = 'eci-virtual-node-webhook';

/** A program started from its main.ts, its JSON log lines collected. */
interface Program {
  child: ChildProcess;
  lines: string[];
  /** Sends SIGTERM (once) and resolves with the exit code (null: ended by a signal). */
  stop(): Promise<number | null>;
}

function startReconcilerProcess(args: string[], env: Record<string, string>): Program {
  const child = spawn(process.execPath, [RECONCILER_MAIN, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { PATH: process.env.PATH ?? '', ...env },
  });
  const lines: string[] = [];
  createInterface({ input: child.stdout! }).on('line', (l) => lines.push(l));
  createInterface({ input: child.stderr! }).on('line', (l) => lines.push(l));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    lines,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

/** A container's environment as the kubelet gives it, downward-API fields resolved for this harness. */
function containerEnv(container: Manifest, fields: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    (container.env as Manifest[]).map((e) => [e.name, e.value ?? fields[e.valueFrom.fieldRef.fieldPath]]),
  );
}

/** Grants "group|resource|name|verb" of a SelfSubjectRulesReview made with `kc` in `namespace`. */
async function reviewedGrants(kc: KubeConfig, namespace: string): Promise<Set<string>> {
  const review = await kc
    .makeApiClient(AuthorizationV1Api)
    .createSelfSubjectRulesReview({ body: { spec: { namespace } } });
  assert.equal(review.status?.incomplete, false, review.status?.evaluationError);
  const out = new Set<string>();
  for (const r of review.status?.resourceRules ?? [])
    for (const group of r.apiGroups ?? [])
      for (const resource of r.resources ?? [])
        for (const name of r.resourceNames?.length ? r.resourceNames : ['*'])
          for (const verb of r.verbs) out.add(`${group}|${resource}|${name}|${verb}`);
  return out;
}

describe('the Helm chart, installed', () => {
  let cp: SharedControlPlane;
  let emu: EmulatorHandle;
  let objects: Manifest[];
  let webhook: WebhookProcess | undefined;
  let reconciler: Program | undefined;
  let namespaceExisted = false;
  const namespaces: string[] = [];
  const clusterId = uniqueName('chart');
  const scope = uniqueName('eci-chart'); // namespace label that scopes the webhook to this file
  let kubectl: ReturnType<typeof kubectlFor>['kubectl'];
  let mustKubectl: ReturnType<typeof kubectlFor>['mustKubectl'];

  before(async () => {
    cp = await controlPlane();
    ({ kubectl, mustKubectl } = kubectlFor(cp));
    emu = await startEmulator({ timing: FAST_TIMING, logLevel: 'warn' });
    objects = renderChart([
      `--set=clusterId=${clusterId}`,
      // The chart writes the credentials Secret and the ECI Profile (both in kube-system).
      '--set=credentials.existingSecret=',
      `--set=credentials.accessKeyId=${EMULATOR_CREDENTIALS_ENV.ALIBABA_CLOUD_ACCESS_KEY_ID}`,
      `--set=credentials.accessKeySecret=${EMULATOR_CREDENTIALS_ENV.ALIBABA_CLOUD_ACCESS_KEY_SECRET}`,
      '--set=profile.create=true',
      '--set=profile.data.vSwitchIds=vsw-emu-h\\,vsw-emu-i',
      '--set=profile.data.securityGroupId=sg-emu',
    ]);
    namespaceExisted = (await kubectl(['get', 'namespace', NAMESPACE])).code === 0;
    if (!namespaceExisted) await mustKubectl(['create', 'namespace', NAMESPACE]);
    await mustKubectl(
      ['apply', '--server-side', '--field-manager=helm', '-f', '-'],
      JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }),
    );
  });

  after(async () => {
    await webhook?.stop();
    await reconciler?.stop();
    await emu?.close();
    if (!cp) return;
    for (const ns of namespaces) await deleteNamespace(cp.kubeConfig, ns);
    if (objects)
      await kubectl(
        ['delete', '--ignore-not-found', '--wait=false', '-f', '-'],
        JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }),
      );
    await kubectl(['delete', 'node', VIRTUAL_NODE, '--ignore-not-found']);
    await kubectl(['delete', 'lease', VIRTUAL_NODE, '-n', 'kube-node-lease', '--ignore-not-found']);
    if (!namespaceExisted) await kubectl(['delete', 'namespace', NAMESPACE, '--wait=true', '--timeout=60s']);
  });

  test("the webhook and the reconciler run as the chart's ServiceAccounts; a pod in an eci=true namespace runs on the virtual node; no request is refused", async () => {
    const core = cp.kubeConfig.makeApiClient(CoreV1Api);
    // The webhook: the chart's configuration, pointed at the process and scoped to this file.
    const port = await freePort();
    await mustKubectl([
      'patch',
      'mutatingwebhookconfiguration',
      CONFIG_NAME,
      '--type=json',
      `-p=${JSON.stringify([
        {
          op: 'replace',
          path: '/webhooks/0/clientConfig',
          value: { url: `https://127.0.0.1:${port}/mutate` },
        },
        { op: 'add', path: '/webhooks/0/namespaceSelector/matchLabels', value: { [scope]: 'enabled' } },
      ])}`,
    ]);
    const deployment = find(objects, 'Deployment', 'eci-webhook');
    const webhookContainer = deployment.spec.template.spec.containers[0] as Manifest;
    assert.deepEqual(webhookContainer.command, ['node', 'webhook/main.ts']);
    const webhookSa = await serviceAccountKubeConfig(cp, deployment.spec.template.spec.serviceAccountName);
    webhook = await startWebhook([
      ...(webhookContainer.args as string[]),
      ...['--kubeconfig', webhookSa.path, '--host', '127.0.0.1', '--port', String(port)],
      ...['--cert-hosts', '127.0.0.1'],
    ]);

    // The reconciler, replica 0 of the chart's StatefulSet.
    const sts = find(objects, 'StatefulSet', 'eci-virtual-node-reconciler');
    const container = sts.spec.template.spec.containers[0] as Manifest;
    assert.deepEqual(container.command, ['node', 'reconciler/main.ts']);
    const reconcilerSa = await serviceAccountKubeConfig(cp, sts.spec.template.spec.serviceAccountName);
    reconciler = startReconcilerProcess(
      [
        ...(container.args as string[]),
        ...['--kubeconfig', reconcilerSa.path, '--eci-endpoint', emu.url],
        ...['--health-address', '127.0.0.1:0', '--kubelet-port', '0', '--kubelet-address', '127.0.0.1'],
        ...['--status-interval-ms', '300', '--renew-interval-ms', '1000'],
      ],
      {
        ...containerEnv(container, {
          'metadata.name': `${sts.metadata.name}-0`,
          'metadata.namespace': sts.metadata.namespace,
          'status.podIP': '127.0.0.1',
        }),
        LOG_LEVEL: 'debug',
      },
    );
    await eventually(
      `${VIRTUAL_NODE} registered and Ready`,
      async () => {
        const node = await core.readNode({ name: VIRTUAL_NODE });
        return node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
      },
      90_000,
    ).catch((err: Error) => {
      throw new Error(`${err.message}\nreconciler output:\n${reconciler!.lines.slice(-30).join('\n')}`);
    });

    const ns = await createNamespace(cp.kubeConfig, 'chart', { [scope]: 'enabled', eci: 'true' });
    namespaces.push(ns);
    const pod: V1Pod = {
      metadata: { name: 'hello' },
      spec: {
        containers: [
          { name: 'main', image: 'nginx:1.27', resources: { requests: { cpu: '250m', memory: '512Mi' } } },
        ],
      },
    };
    const created = await eventually('the pod mutated at admission', async () => {
      const dry = await core.createNamespacedPod({ namespace: ns, body: pod, dryRun: 'All' });
      return dry.spec?.nodeSelector?.type === 'virtual-kubelet';
    });
    assert.ok(created);
    await core.createNamespacedPod({ namespace: ns, body: pod });
    const running = await eventually(
      'the pod Running on the virtual node',
      async () => {
        const p = await core.readNamespacedPod({ name: 'hello', namespace: ns });
        return p.status?.phase === 'Running' ? p : undefined;
      },
      120_000,
    );
    assert.equal(running.spec?.nodeName, VIRTUAL_NODE, 'scheduled by kube-scheduler onto the virtual node');
    assert.ok(running.spec?.tolerations?.some((t) => t.key === 'virtual-kubelet.io/provider'));
    const groupId = running.metadata?.annotations?.[INSTANCE_ANNOTATIONS.instanceId];
    assert.ok(groupId, 'the instance annotation');
    const groups = await new EmulatorAdmin(emu.url).containerGroups();
    assert.ok(groups.some((g) => g.containerGroupId === groupId));

    await core.deleteNamespacedPod({ name: 'hello', namespace: ns });
    await eventually('the pod finalized', async () => {
      const pods = await core.listNamespacedPod({ namespace: ns });
      return pods.items.length === 0;
    });

    const refused = refusedRequests([...webhook.logs.map((l) => JSON.stringify(l)), ...reconciler.lines]);
    assert.deepEqual(refused, [], 'no API request was refused');
  });

  test('SIGTERM: both programs shut down by themselves and exit 0 (the image has no init process)', async () => {
    assert.ok(webhook && reconciler, 'both programs were started by the test above');
    assert.equal(await webhook.stop(), 0);
    assert.equal(await reconciler.stop(), 0, reconciler.lines.slice(-10).join('\n'));
  });

  test("a SelfSubjectRulesReview as each account returns exactly the README table's rules, beyond what every service account has", async () => {
    // What any service account gets (discovery, self-reviews): a fresh one with no bindings.
    const baselineName = uniqueName('eci-baseline');
    await mustKubectl(['create', 'serviceaccount', baselineName, '-n', NAMESPACE]);
    const baseline = await serviceAccountKubeConfig(cp, baselineName);
    const tenant = await createNamespace(cp.kubeConfig, 'chart-tenant');
    namespaces.push(tenant);
    const rows = readmeRows();
    for (const account of ['eci-reconciler', 'eci-webhook']) {
      const { kc } = await serviceAccountKubeConfig(cp, account);
      for (const namespace of [NAMESPACE, 'kube-system', 'kube-node-lease', 'default', tenant]) {
        const expected = grantsOf(
          rows.filter((r) => r.account === account && (r.scope === 'cluster' || r.scope === namespace)),
        );
        const everyone = await reviewedGrants(baseline.kc, namespace);
        const actual = [...(await reviewedGrants(kc, namespace))].filter((g) => !everyone.has(g));
        assert.deepEqual(
          {
            wider: actual.filter((g) => !expected.has(g)).sort(),
            missing: [...expected].filter((g) => !actual.includes(g)).sort(),
          },
          { wider: [], missing: [] },
          `${account} in ${namespace}`,
        );
      }
    }
    await kubectl(['delete', 'serviceaccount', baselineName, '-n', NAMESPACE, '--ignore-not-found']);
  });
});
