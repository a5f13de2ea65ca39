// The ECI provider against the emulator alone (no Kubernetes API): typed create outcomes,
// quota and slot pacing, NoStock zone rotation, delete, listing by ownership tag, logs of a
// purged group, and health.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startEmulator, type EmulatorHandle } from '../../../emulator/index.ts';
import { EmulatorAdmin } from '../../../emulator/admin-client.ts';
import { Eci } from '../../../reconciler/provider/eci-client.ts';
import { createLogger } from '../../../shared/logger.ts';
import { TokenBucket } from '../../../reconciler/workqueue.ts';
import { EciProvider } from '../../../reconciler/provider/eci-provider.ts';
import type { CreateAttempts } from '../../../reconciler/tracker.ts';
import type { Owner } from '../../../reconciler/ownership.ts';
import { translatePod } from '../../../reconciler/translate.ts';
import { eventually } from '../helpers.ts';
import { EMULATOR_CREDENTIALS_ENV, FAST_TIMING } from './stack.ts';

let emu: EmulatorHandle;
let admin: EmulatorAdmin;
let eci: Eci;
const woken: string[] = [];

before(async () => {
  emu = await startEmulator({ timing: FAST_TIMING, logLevel: 'warn' });
  admin = new EmulatorAdmin(emu.url);
  const url = new URL(emu.url);
  eci = new Eci({
    endpoint: url.host,
    protocol: 'http',
    regionId: 'cn-hangzhou',
    credentials: {
      accessKeyId: EMULATOR_CREDENTIALS_ENV.ALIBABA_CLOUD_ACCESS_KEY_ID,
      accessKeySecret: EMULATOR_CREDENTIALS_ENV.ALIBABA_CLOUD_ACCESS_KEY_SECRET,
    },
  });
});

after(async () => {
  await emu?.close();
});

function provider(o: { bucket?: TokenBucket; concurrency?: number } = {}) {
  return new EciProvider({
    eci,
    clusterId: 'prov',
    createBucket: o.bucket ?? new TokenBucket(1000, 1000),
    createConcurrency: o.concurrency ?? 10,
    wake: (uid) => woken.push(uid),
    log: createLogger('provider-test', { level: 'silent' }),
  });
}

const attempts = (): CreateAttempts => ({ noStock: 0, failures: 0, referenceWaits: 0 });
const owner = (podUid: string): Owner => ({
  clusterId: 'prov',
  nodeName: 'vn',
  namespace: 'ns',
  podName: podUid,
  podUid,
});

/** The final request for an attempt, as the controller builds it (translatePod with owner and attempt). */
function build(o: Owner, securityGroupId = 'sg-emu') {
  return async (attempt: number) => {
    const result = translatePod({
      pod: {
        metadata: { name: o.podName, namespace: o.namespace, uid: o.podUid },
        spec: {
          containers: [
            {
              name: 'main',
              image: 'busybox:1.36',
              command: ['sh', '-c', 'echo from-provider; sleep 3600'],
              resources: { requests: { cpu: '250m', memory: '512Mi' } },
            },
          ],
        },
      },
      defaults: { regionId: 'cn-hangzhou', vSwitchIds: ['vsw-emu-h', 'vsw-emu-i'], securityGroupId },
      owner: o,
      attempt,
    });
    assert.ok(result.ok, JSON.stringify(!result.ok && result.errors));
    return result.request;
  };
}

test('created: ClientToken, ownership tags and name come from the owner; a repeat is the same group', async () => {
  const p = provider();
  const a = attempts();
  const first = await p.create({ owner: owner('u-create'), attempts: a, request: build(owner('u-create')) });
  assert.equal(first.kind, 'created');
  const id = first.kind === 'created' ? first.id : '';
  const [stored] = (await admin.containerGroups()).filter((g) => g.containerGroupId === id);
  assert.equal(stored?.request.ClientToken, 'u-create');
  assert.ok(stored?.tags.some((t) => t.Key === 'eci-virtual-node/pod-uid' && t.Value === 'u-create'));
  assert.match(stored?.name ?? '', /^ns-u-create/);
  const again = await p.create({ owner: owner('u-create'), attempts: a, request: build(owner('u-create')) });
  assert.equal(again.kind === 'created' && again.id, id, 'idempotent by ClientToken');
  const listed = await p.listOwned();
  assert.ok(listed.some((g) => g.containerGroupId === id));
  assert.ok(p.health().ok);
});

test('IdempotentParameterMismatch: the group made for this pod by an earlier attempt is adopted', async () => {
  const p = provider();
  const first = await p.create({
    owner: owner('u-conflict'),
    attempts: attempts(),
    request: build(owner('u-conflict')),
  });
  assert.equal(first.kind, 'created');
  // Same ClientToken, another request (the profile changed in between): ECI refuses it.
  const changed = async (attempt: number) => {
    const r = await build(owner('u-conflict'))(attempt);
    r.cpu = 2;
    r.memory = 4;
    return r;
  };
  const again = await p.create({ owner: owner('u-conflict'), attempts: attempts(), request: changed });
  assert.equal(again.kind, 'created');
  assert.equal(again.kind === 'created' && again.adopted, true);
  assert.equal(again.kind === 'created' && again.id, first.kind === 'created' && first.id);
});

test('retryAfter: a throttled create names a delay that doubles per failure', async () => {
  await admin.setFault({
    action: 'CreateContainerGroup',
    errorRate: 1,
    code: 'Throttling.User',
    httpStatus: 400,
  });
  try {
    const p = provider();
    const a = attempts();
    const delays: number[] = [];
    for (let i = 0; i < 3; i++) {
      const out = await p.create({
        owner: owner('u-throttled'),
        attempts: a,
        request: build(owner('u-throttled')),
      });
      assert.equal(out.kind, 'retryAfter');
      if (out.kind === 'retryAfter') {
        assert.equal(out.reason, 'throttled');
        delays.push(out.ms);
      }
    }
    assert.deepEqual(delays, [1000, 2000, 4000]);
  } finally {
    await admin.clearFaults('CreateContainerGroup');
  }
});

test('terminal: a request ECI refuses, with the code and a retry delay for fail-back', async () => {
  const out = await provider().create({
    owner: owner('u-invalid'),
    attempts: attempts(),
    request: build(owner('u-invalid'), 'sg-does-not-exist'),
  });
  assert.equal(out.kind, 'terminal');
  if (out.kind === 'terminal') {
    assert.equal(out.code, 'InvalidSecurityGroupId.NotFound');
    assert.match(out.message, /RequestId: /);
    assert.equal(out.retryInMs, 1000);
  }
});

test('NoStock moves the vSwitch list on by one per attempt', async () => {
  await admin.setStock('cn-hangzhou-h', true);
  await admin.setStock('cn-hangzhou-i', true);
  const p = provider();
  const a = attempts();
  try {
    const out = await p.create({
      owner: owner('u-nostock'),
      attempts: a,
      request: build(owner('u-nostock')),
    });
    assert.equal(out.kind === 'retryAfter' && out.reason, 'no-stock');
    assert.equal(a.noStock, 1);
  } finally {
    await admin.setStock('cn-hangzhou-h', false);
    await admin.setStock('cn-hangzhou-i', false);
  }
  // Both zones have stock again: the second attempt starts from the second vSwitch.
  const next = await p.create({ owner: owner('u-nostock'), attempts: a, request: build(owner('u-nostock')) });
  assert.equal(next.kind, 'created');
  const id = next.kind === 'created' ? next.id : '';
  const [group] = (await admin.containerGroups()).filter((g) => g.containerGroupId === id);
  assert.equal(group?.zoneId, 'cn-hangzhou-i');
  assert.equal(a.noStock, 0, 'reset by the success');
});

test('the quota and the create slots answer "later" without calling ECI', async () => {
  const p = provider({ bucket: new TokenBucket(1, 1), concurrency: 1 });
  const calls = await admin.callCount('CreateContainerGroup');
  assert.equal(
    (await p.create({ owner: owner('u-q1'), attempts: attempts(), request: build(owner('u-q1')) })).kind,
    'created',
  );
  const a = attempts();
  const later = await p.create({ owner: owner('u-q2'), attempts: a, request: build(owner('u-q2')) });
  assert.equal(later.kind, 'retryAfter');
  assert.ok(later.kind === 'retryAfter' && later.reason === 'quota' && later.ms > 0 && later.ms <= 1000);
  assert.ok(a.slotDueAt !== undefined, 'the reserved slot is kept for the next attempt');
  assert.equal(await admin.callCount('CreateContainerGroup'), calls + 1);

  // One slot: a second create while the first is in flight waits and is woken after.
  const busy = provider({ concurrency: 1 });
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const first = busy.create({
    owner: owner('u-s1'),
    attempts: attempts(),
    request: async (attempt) => {
      await gate;
      return build(owner('u-s1'))(attempt);
    },
  });
  const waiting = await busy.create({
    owner: owner('u-s2'),
    attempts: attempts(),
    request: build(owner('u-s2')),
  });
  assert.equal(waiting.kind, 'waiting');
  release();
  assert.equal((await first).kind, 'created');
  assert.ok(woken.includes('u-s2'));
});

test('delete: deleted, then gone; logs of a purged group say so', async () => {
  const p = provider();
  const out = await p.create({ owner: owner('u-del'), attempts: attempts(), request: build(owner('u-del')) });
  assert.equal(out.kind, 'created');
  const id = out.kind === 'created' ? out.id : '';
  await eventually('group Running', async () => (await p.describe(id))?.status === 'Running');
  assert.match(await p.readLog({ containerGroupId: id, container: 'main' }), /from-provider/);
  assert.equal(await p.delete(id), 'deleted');
  await eventually('group purged', async () => (await p.describe(id)) === undefined);
  assert.equal(await p.delete(id), 'gone');
  await assert.rejects(
    p.readLog({ containerGroupId: id, container: 'main' }),
    /no longer exists in ECI.*logs are gone/,
  );
});

test('health: rejected credentials make it unhealthy with the code; a good answer restores it', async () => {
  const p = provider();
  eci.setCredentials({ accessKeyId: 'wrong', accessKeySecret: 'wrong' });
  try {
    await assert.rejects(p.listOwned());
    const h = p.health();
    assert.equal(h.ok, false);
    assert.equal(h.reason, 'CredentialsRejected');
    assert.match(h.code, /InvalidAccessKeyId/);
  } finally {
    eci.setCredentials({
      accessKeyId: EMULATOR_CREDENTIALS_ENV.ALIBABA_CLOUD_ACCESS_KEY_ID,
      accessKeySecret: EMULATOR_CREDENTIALS_ENV.ALIBABA_CLOUD_ACCESS_KEY_SECRET,
    });
  }
  await p.listOwned();
  assert.equal(p.health().ok, true);
});
