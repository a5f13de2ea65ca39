// Generated bad configuration against the running system (fast-check values):
// - every ECI annotation with a value its rule refuses → the pod runs or carries an Event
//   naming the annotation (never left Pending in silence), and no process dies;
// - malformed ECI Profile edits → an InvalidEciProfile Event for each version, the last
//   good profile still in force (a new pod's group lands in the good profile's vSwitch).
import { setTimeout as sleep } from 'node:timers/promises';
import fc from 'fast-check';
import type { CoreV1Event } from '@kubernetes/client-node';
import { ECI_ANNOTATIONS, checkEciAnnotations } from '../../shared/annotations.ts';
import { parseEciProfile } from '../../shared/profile.ts';
import { TAG_KEYS } from '../../reconciler/ownership.ts';
import { PROFILE_CONFIGMAP, SYSTEM_NAMESPACE, type ChaosSystem } from './system.ts';
import type { ScenarioRow } from './table.ts';
import { Workload } from './workload.ts';

const SEED = Number(process.env.FUZZ_SEED ?? 20261130);
const log0 = (line: string) => console.error(line);

const CANDIDATES = [
  '',
  ' ',
  '-1',
  '0',
  'true',
  'yes',
  '{',
  '[]',
  '{"a":',
  'x'.repeat(300),
  '1e309',
  '😀',
  'a,b,,c',
];

/** A value the annotation's own rule refuses, or undefined when it takes any text. */
export function badValueFor(name: string): string | undefined {
  const generated = fc.sample(fc.oneof(fc.constantFrom(...CANDIDATES), fc.string({ maxLength: 30 })), {
    numRuns: 300,
    seed: SEED,
  });
  return generated.find((v) => checkEciAnnotations({ [name]: v }).errors.some((e) => e.annotation === name));
}

const row = (
  o: Partial<ScenarioRow> & Pick<ScenarioRow, 'scenario' | 'workload' | 'fault'>,
): ScenarioRow => ({
  duplicates: 0,
  orphans: 0,
  lost: 0,
  statusMismatches: 0,
  crashes: 0,
  result: 'ok',
  ...o,
});

async function eventsOf(sys: ChaosSystem, namespace: string): Promise<CoreV1Event[]> {
  return (await sys.core.listNamespacedEvent({ namespace })).items;
}

export async function runAnnotationFuzz(
  sys: ChaosSystem,
  o: { log?: typeof log0 } = {},
): Promise<ScenarioRow> {
  const log = o.log ?? log0;
  const table = ECI_ANNOTATIONS as unknown as Record<string, { use: string }>;
  const cases = Object.keys(table)
    .filter((name) => table[name]!.use !== 'status')
    .map((name) => ({ name, value: badValueFor(name) }))
    .filter((c): c is { name: string; value: string } => c.value !== undefined);
  const crashesBefore = sys.book.crashes().length;
  const workload = await Workload.inNewNamespace(sys, 'chaos-annot', { bare: 0, deployments: [], jobs: [] });
  const ns = workload.namespace;
  log(`[annotation fuzz] ${cases.length} pods in ${ns}, one bad annotation each`);
  const podName = (i: number) => `annot-${i}`;
  for (const [i, c] of cases.entries()) {
    await sys.core.createNamespacedPod({
      namespace: ns,
      body: {
        metadata: { name: podName(i), annotations: { [c.name]: c.value } },
        spec: { containers: [{ name: 'main', image: 'nginx:1.27' }] },
      },
    });
  }
  let silent: string[] = [];
  const deadline = Date.now() + 180_000;
  while (Date.now() < deadline) {
    const [pods, events] = await Promise.all([
      sys.core.listNamespacedPod({ namespace: ns }),
      eventsOf(sys, ns),
    ]);
    silent = cases
      .filter((c, i) => {
        const p = pods.items.find((x) => x.metadata?.name === podName(i));
        if (p?.status?.phase === 'Running') return false;
        return !events.some(
          (e) => e.involvedObject.uid === p?.metadata?.uid && (e.message ?? '').includes(c.name),
        );
      })
      .map((c) => c.name);
    if (silent.length === 0) break;
    await sleep(2000);
  }
  const crashes = sys.book.crashes().slice(crashesBefore);
  await workload.remove();
  return row({
    scenario: 'annotation fuzz',
    workload: `${cases.length} pods, one refused annotation value each`,
    fault: 'every ECI annotation (but status ones and free text) with a generated value its rule refuses',
    lost: silent.length,
    crashes: crashes.length,
    result: silent.length === 0 && crashes.length === 0 ? 'ok' : 'FAIL',
    note:
      silent.length === 0
        ? 'each pod Running or with an Event naming its annotation; no process died'
        : `no Event naming: ${silent.slice(0, 5).join(', ')}`,
  });
}

const BAD_PROFILE_DATA = fc.dictionary(
  fc.constantFrom(
    'vSwitchIds',
    'securityGroupId',
    'enableClusterIp',
    'selectors',
    'privilegedAnnotations',
    'featureGates',
  ),
  fc.oneof(fc.constantFrom('{', 'maybe', 'sg-', 'vsw-a,,', '[{"name":1}]'), fc.string({ maxLength: 20 })),
  { minKeys: 1, maxKeys: 3 },
);

export async function runProfileFuzz(
  sys: ChaosSystem,
  o: { log?: typeof log0; edits?: number } = {},
): Promise<ScenarioRow> {
  const log = o.log ?? log0;
  const edits = fc
    .sample(BAD_PROFILE_DATA, { numRuns: 500, seed: SEED })
    .filter((d) => !parseEciProfile(d).ok)
    .slice(0, o.edits ?? 20);
  const crashesBefore = sys.book.crashes().length;
  const put = async (data: Record<string, string>) =>
    (
      await sys.core.replaceNamespacedConfigMap({
        name: PROFILE_CONFIGMAP,
        namespace: SYSTEM_NAMESPACE,
        body: { metadata: { name: PROFILE_CONFIGMAP }, data },
      })
    ).metadata?.resourceVersion;
  const good = { vSwitchIds: 'vsw-emu-i' };
  await put(good);
  await sleep(3000);
  log(`[profile fuzz] good profile (vSwitch vsw-emu-i), then ${edits.length} malformed edits`);
  let unreported = 0;
  for (const data of edits) {
    const rv = await put(data);
    const deadline = Date.now() + 30_000;
    let seen = false;
    while (!seen && Date.now() < deadline) {
      const events = await eventsOf(sys, SYSTEM_NAMESPACE);
      seen = events.some((e) => e.reason === 'InvalidEciProfile' && e.involvedObject.resourceVersion === rv);
      if (!seen) await sleep(500);
    }
    if (!seen) unreported++;
  }
  // The last good profile must still be in force: a new pod's group goes to vsw-emu-i.
  const workload = await Workload.inNewNamespace(sys, 'chaos-profile', {
    bare: 1,
    deployments: [],
    jobs: [],
  });
  await workload.create();
  let vSwitch: string | undefined;
  const deadline = Date.now() + 120_000;
  while (!vSwitch && Date.now() < deadline) {
    const groups = await sys.admin.containerGroups();
    vSwitch = groups.find((g) =>
      g.tags.some((t) => t.Key === TAG_KEYS.namespace && t.Value === workload.namespace),
    )?.vSwitchId;
    if (!vSwitch) await sleep(1000);
  }
  await put({});
  await workload.remove();
  const crashes = sys.book.crashes().slice(crashesBefore);
  const kept = vSwitch === 'vsw-emu-i';
  return row({
    scenario: 'profile fuzz',
    workload: `${edits.length} malformed ECI Profile versions`,
    fault: 'generated bad values for vSwitchIds, securityGroupId, selectors, privilegedAnnotations, ...',
    lost: unreported + (kept ? 0 : 1),
    crashes: crashes.length,
    result: unreported === 0 && kept && crashes.length === 0 ? 'ok' : 'FAIL',
    note: `${edits.length - unreported}/${edits.length} versions got an InvalidEciProfile Event; last good profile ${kept ? 'kept' : `NOT kept (group in ${vSwitch ?? 'no group'})`}`,
  });
}
