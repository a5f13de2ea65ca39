// shared/profile-watcher.ts on its own (the reconciler uses it too): first sync with and
// without a ConfigMap, hot reload, keep-last-good with a Warning Event, deletion.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { CoreV1Api } from '@kubernetes/client-node';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { controlPlane, type SharedControlPlane } from '../../harness/shared.ts';
import { createNamespace, deleteNamespace, eventually } from '../helpers.ts';
import { watchEciProfile, type ProfileWatcher } from '../../../shared/profile-watcher.ts';
import { DEFAULT_PROFILE, type EciProfile } from '../../../shared/profile.ts';

let cp: SharedControlPlane;
let core: CoreV1Api;
let namespace: string;
const watchers: ProfileWatcher[] = [];
const logger = pino({ level: 'silent' });

before(async () => {
  cp = await controlPlane();
  core = cp.kubeConfig.makeApiClient(CoreV1Api);
  namespace = await createNamespace(cp.kubeConfig, 'eci-profile-watch');
});
after(async () => {
  for (const w of watchers) await w.stop();
  await deleteNamespace(cp.kubeConfig, namespace);
});

function watch(name: string, onChange?: (p: EciProfile) => void, registry?: Registry): ProfileWatcher {
  const w = watchEciProfile({
    kubeConfig: cp.kubeConfig,
    logger,
    namespace,
    name,
    component: 'test',
    onChange,
    registry,
  });
  watchers.push(w);
  return w;
}

test('no ConfigMap: synced with the built-in defaults', async () => {
  const w = watch('absent');
  await w.waitForSync();
  assert.equal(w.synced(), true);
  assert.deepEqual(w.current(), DEFAULT_PROFILE);
  assert.equal(w.lastErrors(), undefined);
});

test('an existing ConfigMap is loaded before sync; edits, bad edits and deletion follow', async () => {
  const name = 'eci-profile';
  const body = (data: Record<string, string>) => ({ metadata: { name, namespace }, data });
  await core.createNamespacedConfigMap({
    namespace,
    body: body({ vSwitchIds: 'vsw-a', securityGroupId: 'sg-1' }),
  });
  const changes: EciProfile[] = [];
  const registry = new Registry();
  const w = watch(name, (p) => changes.push(p), registry);
  await w.waitForSync();
  assert.deepEqual(w.current().vSwitchIds, ['vsw-a']);
  assert.equal(w.current().securityGroupId, 'sg-1');

  await core.replaceNamespacedConfigMap({
    name,
    namespace,
    body: body({ vSwitchIds: 'vsw-a,vsw-b', enablePrivateZone: 'true' }),
  });
  await eventually('edit applied', async () => w.current().vSwitchIds.length === 2);
  assert.equal(w.current().enablePrivateZone, true);
  assert.equal(w.current().securityGroupId, undefined);

  await core.replaceNamespacedConfigMap({
    name,
    namespace,
    body: body({ vSwitchIds: 'subnet-1', enablePrivateZone: 'true' }),
  });
  const errors = await eventually('bad edit rejected', async () => w.lastErrors());
  assert.deepEqual(
    errors.map((e) => e.key),
    ['vSwitchIds[0]'],
  );
  assert.deepEqual(w.current().vSwitchIds, ['vsw-a', 'vsw-b'], 'the last good profile stays');
  const event = await eventually('Warning Event on the ConfigMap', async () => {
    const list = await core.listNamespacedEvent({
      namespace,
      fieldSelector: `involvedObject.kind=ConfigMap,involvedObject.name=${name},reason=InvalidEciProfile`,
    });
    return list.items[0];
  });
  assert.equal(event.type, 'Warning');
  assert.match(event.message ?? '', /vSwitchIds\[0\]: each entry must look like "vsw-xxxx"/);
  assert.equal(event.source?.component, 'test');
  assert.match(await registry.metrics(), /eci_profile_valid 0/);

  await core.deleteNamespacedConfigMap({ name, namespace });
  await eventually('deletion → defaults', async () => w.current() === DEFAULT_PROFILE);
  assert.equal(w.lastErrors(), undefined);
  assert.equal(changes.at(-1), DEFAULT_PROFILE);
  assert.ok(changes.length >= 3, `onChange called for load, edit and deletion (got ${changes.length})`);
});

test('a ConfigMap created after start is picked up', async () => {
  const w = watch('late');
  await w.waitForSync();
  await core.createNamespacedConfigMap({
    namespace,
    body: { metadata: { name: 'late', namespace }, data: { vpcId: 'vpc-9' } },
  });
  await eventually('late ConfigMap applied', async () => w.current().vpcId === 'vpc-9');
});
