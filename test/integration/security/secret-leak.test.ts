// Issue 10 item 2, end to end: a pod whose CreateContainerGroup request carries secrets (an
// env var from a Secret, a Secret volume, an image pull Secret's password) meets an ECI
// endpoint that resets the connection on every create, then one that never answers. The
// SDK's error text then holds the whole request URL; no Event, pod status or annotation,
// reconciler log line or metric may carry any of it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { CoreV1Api, type V1Pod } from '@kubernetes/client-node';
import { pino } from 'pino';
import { startEmulator, type EmulatorHandle } from '../../../emulator/index.ts';
import { EmulatorAdmin } from '../../../emulator/admin-client.ts';
import { startReconciler, type ReconcilerHandle } from '../../../reconciler/app.ts';
import { parseReconcilerConfig } from '../../../reconciler/config.ts';
import { controlPlane } from '../../harness/shared.ts';
import { createNamespace, deleteNamespace, eventually } from '../helpers.ts';
import { EMULATOR_CREDENTIALS_ENV, eciPod, FAST_TIMING, testReconcilerArgs } from '../reconciler/stack.ts';

const ENV_SECRET = 's3cr3t-DB-PASSWORD';
const VOLUME_SECRET = 's3cr3t-VOLUME-CONTENT';
const REGISTRY_PASSWORD = 's3cr3t-REGISTRY-PASSWORD';
const SECRETS = [ENV_SECRET, VOLUME_SECRET, REGISTRY_PASSWORD];
const DOCKER_CONFIG = {
  auths: { 'registry.example.com': { username: 'robot', password: REGISTRY_PASSWORD } },
};

/** Every form a secret takes in a request URL: raw, base64 (file contents, docker config), URL-encoded. */
function forms(secret: string): string[] {
  const b64 = Buffer.from(secret).toString('base64');
  return [secret, b64, encodeURIComponent(b64), b64.replace(/=+$/, '')];
}
const FORBIDDEN = SECRETS.flatMap(forms);
/** A query string of request parameters, or a `Key=Value&` run of them. */
const QUERY = /\?[^\s"]*=|[\w.]+=[^\s&"]*&/;

function assertClean(where: string, text: string): void {
  for (const s of FORBIDDEN) assert.ok(!text.includes(s), `${where} leaks ${s}`);
  assert.doesNotMatch(text, QUERY, `${where} carries a query string`);
}

let emu: EmulatorHandle;
let admin: EmulatorAdmin;
let reconciler: ReconcilerHandle | undefined;
let core: CoreV1Api;
let ns = '';
let logged = '';
const nodeName = `virtual-node-eci-leak${process.pid}`;

before(async () => {
  const cp = await controlPlane();
  core = cp.kubeConfig.makeApiClient(CoreV1Api);
  emu = await startEmulator({ timing: FAST_TIMING, logLevel: 'warn' });
  admin = new EmulatorAdmin(emu.url);
  const suffix = `leak${process.pid}`;
  const parsed = parseReconcilerConfig(
    [
      ...testReconcilerArgs({ nodeName, clusterId: `test-${suffix}`, emulatorUrl: emu.url, suffix }),
      // A create that gets no answer fails after 1 s, not the default 10 s.
      '--eci-timeout-ms',
      '1000',
    ],
    EMULATOR_CREDENTIALS_ENV,
  );
  if (!parsed.ok) throw new Error(parsed.error);
  // Every line the reconciler logs, down to debug, with pino's default serializers and no redaction.
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      logged += chunk.toString();
      done();
    },
  });
  reconciler = await startReconciler(parsed.config, {
    kc: cp.kubeConfig,
    log: pino({ name: 'reconciler-secret-leak', level: 'debug' }, sink),
  });
  ns = await createNamespace(cp.kubeConfig, 'eci-leak');
  await core.createNamespacedSecret({
    namespace: ns,
    body: { metadata: { name: 'db' }, stringData: { password: ENV_SECRET } },
  });
  await core.createNamespacedSecret({
    namespace: ns,
    body: { metadata: { name: 'files' }, stringData: { token: VOLUME_SECRET } },
  });
  await core.createNamespacedSecret({
    namespace: ns,
    body: {
      metadata: { name: 'pull' },
      type: 'kubernetes.io/dockerconfigjson',
      stringData: { '.dockerconfigjson': JSON.stringify(DOCKER_CONFIG) },
    },
  });
});

after(async () => {
  await reconciler?.stop();
  if (ns) await deleteNamespace((await controlPlane()).kubeConfig, ns);
  await core?.deleteNode({ name: nodeName }).catch(() => {});
  await emu?.close();
});

function secretPod(name: string): V1Pod {
  const pod = eciPod({ nodeName }, name, { command: ['sh', '-c', 'echo up; sleep 3600'] });
  const c = pod.spec!.containers[0]!;
  c.env = [{ name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } }];
  c.volumeMounts = [{ name: 'creds', mountPath: '/etc/creds' }];
  pod.spec!.volumes = [{ name: 'creds', secret: { secretName: 'files' } }];
  pod.spec!.imagePullSecrets = [{ name: 'pull' }];
  return pod;
}

/** Creates the pod, waits for an Event reporting the failed create, then searches every sink. */
async function failAndSearch(name: string, failure: RegExp, outcome: RegExp): Promise<void> {
  const creates = await admin.callCount('CreateContainerGroup');
  await core.createNamespacedPod({ namespace: ns, body: secretPod(name) });
  // The reconciler tried (and retried) the create and told the pod why it failed.
  await eventually(
    `a create-failure Event on ${name} matching ${failure}`,
    async () => {
      const events = (await core.listNamespacedEvent({ namespace: ns })).items.filter(
        (e) => e.involvedObject?.name === name && failure.test(e.message ?? ''),
      );
      return events.length > 0 && (await admin.callCount('CreateContainerGroup')) >= creates + 2;
    },
    60_000,
    300,
  ).catch(async (err: unknown) => {
    // What happened instead (never printed when the test passes).
    const events = (await core.listNamespacedEvent({ namespace: ns })).items.map(
      (e) => `${e.involvedObject?.name} ${e.reason}: ${e.message}`,
    );
    const pod = await core.readNamespacedPod({ name, namespace: ns });
    console.error({ events, node: pod.spec?.nodeName, status: pod.status, calls: await admin.calls() });
    console.error(logged.split('\n').slice(-30).join('\n'));
    throw err;
  });

  for (const e of (await core.listNamespacedEvent({ namespace: ns })).items) {
    assertClean(`Event ${e.reason}`, JSON.stringify(e));
  }
  const pod = await core.readNamespacedPod({ name, namespace: ns });
  assertClean('pod status', JSON.stringify(pod.status));
  assertClean('pod annotations', JSON.stringify(pod.metadata?.annotations ?? {}));
  const metrics = await (await fetch(`${reconciler!.healthUrl}/metrics`)).text();
  assert.match(metrics, outcome);
  assertClean('reconciler metrics', metrics);
  assert.ok(logged.length > 0, 'the reconciler logged');
  for (const line of logged.split('\n')) assertClean('reconciler log line', line);
}

/** Once ECI answers, the group of `name` holds every secret: the failed requests carried them. */
async function assertRequestCarriedSecrets(name: string): Promise<void> {
  await admin.clearFaults();
  const group = await eventually(
    `the group of ${name} created once ECI answers`,
    async () =>
      (await admin.containerGroups({ reveal: 'secrets' })).find((g) => g.tags.some((t) => t.Value === name)),
    60_000,
    300,
  );
  const stored = JSON.stringify(group.request);
  assert.ok(stored.includes(ENV_SECRET), 'the env value from the Secret was in the request');
  assert.ok(
    forms(VOLUME_SECRET).some((f) => stored.includes(f)),
    'the Secret volume content was in the request',
  );
  assert.ok(
    forms(JSON.stringify(DOCKER_CONFIG)).some((f) => stored.includes(f)) ||
      stored.includes(REGISTRY_PASSWORD),
    'the registry password was in the request',
  );
  assertClean('default admin listing', JSON.stringify(await admin.containerGroups()));
}

describe('no secret from a CreateContainerGroup request reaches a sink when the create fails on the network', () => {
  test('connection reset: Events, pod status, logs and metrics stay clean', async () => {
    await admin.setFault({ action: 'CreateContainerGroup', errorRate: 1, kind: 'reset' });
    await failAndSearch('reset', /ECONNRESET/, /action="CreateContainerGroup",outcome="ECONNRESET"/);
    await assertRequestCarriedSecrets('reset');
  });

  test('no answer (timeout): Events, pod status, logs and metrics stay clean', async () => {
    await admin.setFault({ action: 'CreateContainerGroup', errorRate: 1, kind: 'hang' });
    await failAndSearch('hang', /Timeout/, /action="CreateContainerGroup",outcome="RequestTimeoutError"/);
    await assertRequestCarriedSecrets('hang');
  });
});
