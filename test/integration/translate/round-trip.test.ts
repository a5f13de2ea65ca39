// Round trip of the examples in examples/translate: each manifest, applied as a user
// applies it (workloads included: the controllers of the real kube-controller-manager
// create the pods, bind the claim, ...), goes through the webhook and the scheduler to
// this file's virtual node; the reconciler creates its container group in the emulator;
// and the request the emulator stored equals what translatePod makes of the pod as the
// apiserver stores it, with the objects it references as the apiserver returns them.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  AuthenticationV1Api,
  KubernetesObjectApi,
  type KubernetesObject,
  type V1ConfigMap,
  type V1PersistentVolume,
  type V1PersistentVolumeClaim,
  type V1Pod,
  type V1Secret,
} from '@kubernetes/client-node';
import OpenApiUtil from '@alicloud/openapi-util';
import { parseAllDocuments } from 'yaml';
import { podReferences, translatePod, type TranslateResult } from '../../../reconciler/translate.ts';
import { TAG_KEYS } from '../../../reconciler/ownership.ts';
import { INSTANCE_ANNOTATIONS } from '../../../shared/annotations.ts';
import { isNotFound } from '../../../shared/kube.ts';
import { DEFAULT_PROFILE, parseEciProfile } from '../../../shared/profile.ts';
import { parseParams, unflatten } from '../../../emulator/params.ts';
import { createContainerGroupSchema } from '../../../emulator/validate-create.ts';
import { planRun, programOf } from '../../../emulator/simulation.ts';
import type { AdminContainerGroup } from '../../../emulator/admin-client.ts';
import { eventually } from '../helpers.ts';
import { startRoundTripStack, type RoundTripStack } from './stack.ts';
import { TEST_PROFILE_DATA } from '../reconciler/stack.ts';

const EXAMPLES = fileURLToPath(new URL('../../../examples/translate/', import.meta.url));
const FILES = readdirSync(EXAMPLES)
  .filter((f) => f.endsWith('.yaml'))
  .sort();

interface Manifest {
  file: string;
  docs: KubernetesObject[];
  /** Pods the workload makes (a bare Pod: 1). */
  pods: number;
}

function loadManifest(file: string): Manifest {
  const docs = parseAllDocuments(readFileSync(EXAMPLES + file, 'utf8')).map(
    (d) => d.toJS() as KubernetesObject & { spec?: { replicas?: number; parallelism?: number } },
  );
  let pods = 0;
  for (const d of docs) {
    if (d.kind === 'Pod') pods += 1;
    if (d.kind === 'Deployment' || d.kind === 'StatefulSet') pods += d.spec?.replicas ?? 1;
    if (d.kind === 'Job') pods += d.spec?.parallelism ?? 1;
  }
  return { file, docs, pods };
}

/**
 * What the pod and its group must reach: Running, unless an init container never ends under
 * the emulator's simulation (any command but a short `sh -c` script runs until deleted, see
 * emulator/README.md): such a pod stays Pending in its init container, as a real hung init
 * container would. The examples' init containers are short scripts, so all of them run.
 */
function wanted(pod: V1Pod): 'Running' | 'Pending' {
  const endless = (pod.spec?.initContainers ?? []).some(
    (c) => planRun(programOf(c.command ?? [], c.args ?? []), 1).exitAfterMs === undefined,
  );
  return endless ? 'Pending' : 'Running';
}

/** The pod shows the state of its group (a new pod is Pending too, before any group: not enough). */
function settled(pod: V1Pod): boolean {
  if (pod.status?.phase !== wanted(pod)) return false;
  return wanted(pod) === 'Running' || !!pod.status?.initContainerStatuses?.[0]?.state?.running;
}

/** The order `kubectl apply -f` would need: what pods reference before the workloads. */
const KIND_ORDER = ['ServiceAccount', 'ConfigMap', 'Secret', 'PersistentVolume', 'Service'];
function rank(kind: string | undefined): number {
  const i = KIND_ORDER.indexOf(kind ?? '');
  return i < 0 ? KIND_ORDER.length : i;
}

let stack: RoundTripStack;
let objects: KubernetesObjectApi;
/** Cluster-scoped objects the manifests created, deleted in after(). */
const clusterScoped: KubernetesObject[] = [];
const applied = new Map<string, Promise<string>>();

async function deleteClusterScoped(obj: KubernetesObject): Promise<void> {
  try {
    await objects.delete(obj);
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}

/** Deletes a cluster-scoped object and waits until it is gone (finalizers included). */
async function removeClusterScoped(obj: KubernetesObject): Promise<void> {
  await deleteClusterScoped(obj);
  await eventually(`${obj.kind} ${obj.metadata?.name} gone`, async () => {
    try {
      await objects.read({
        apiVersion: obj.apiVersion!,
        kind: obj.kind!,
        metadata: { name: obj.metadata!.name! },
      });
      return false;
    } catch (err) {
      if (isNotFound(err)) return true;
      throw err;
    }
  });
}

/** Creates the manifest's objects in a fresh namespace the webhook serves; resolves to the namespace. */
async function apply(m: Manifest): Promise<string> {
  const ns = await stack.namespace(`eci-rt-${m.file.replace(/\.yaml$/, '')}`.slice(0, 40));
  for (const doc of [...m.docs].sort((a, b) => rank(a.kind) - rank(b.kind))) {
    const body = structuredClone(doc);
    if (doc.kind === 'PersistentVolume') {
      // A previous run's volume (Released, or still finalizing) would not bind: start from none.
      await removeClusterScoped(body);
      clusterScoped.push(body);
    } else {
      body.metadata = { ...body.metadata, namespace: ns };
    }
    await objects.create(body);
  }
  return ns;
}

before(async () => {
  stack = await startRoundTripStack();
  objects = KubernetesObjectApi.makeApiClient(stack.cp.kubeConfig);
  // All at once: the waits below overlap.
  for (const file of FILES) {
    const p = apply(loadManifest(file));
    p.catch(() => {}); // reported by the file's own test
    applied.set(file, p);
  }
});

after(async () => {
  await Promise.allSettled(applied.values());
  await stack?.stop();
  // Gone once the namespace has taken its claim with it (pv-protection).
  for (const obj of clusterScoped) await removeClusterScoped(obj);
});

function groupOf(groups: AdminContainerGroup[], pod: V1Pod): AdminContainerGroup | undefined {
  return groups.find((g) => g.tags.some((t) => t.Key === TAG_KEYS.podUid && t.Value === pod.metadata?.uid));
}

/** The objects the reconciler reads for the pod, as the apiserver returns them (missing ones left out). */
async function references(pod: V1Pod) {
  const namespace = pod.metadata!.namespace!;
  const refs = podReferences(pod);
  const read = async <T>(names: string[], one: (name: string) => Promise<T>) => {
    const out: Record<string, T> = {};
    for (const name of names) {
      try {
        out[name] = await one(name);
      } catch {
        // missing: the translation says so
      }
    }
    return out;
  };
  const core = stack.core;
  const configMaps = await read<V1ConfigMap>(refs.configMaps, (name) =>
    core.readNamespacedConfigMap({ name, namespace }),
  );
  const secrets = await read<V1Secret>(refs.secrets, (name) =>
    core.readNamespacedSecret({ name, namespace }),
  );
  const persistentVolumeClaims = await read<V1PersistentVolumeClaim>(refs.persistentVolumeClaims, (name) =>
    core.readNamespacedPersistentVolumeClaim({ name, namespace }),
  );
  const volumeNames = Object.values(persistentVolumeClaims)
    .map((c) => c.spec?.volumeName)
    .filter((n): n is string => !!n);
  const persistentVolumes = await read<V1PersistentVolume>(volumeNames, (name) =>
    core.readPersistentVolume({ name }),
  );
  // The kubelet's service environment (reconciler/translate/service-env.ts): the namespace's
  // Services and default/kubernetes, as reconciler/controller/references.ts reads them.
  const services = [
    ...(await core.listNamespacedService({ namespace })).items,
    ...(namespace === 'default'
      ? []
      : [await core.readNamespacedService({ name: 'kubernetes', namespace: 'default' })]),
  ];
  return {
    configMaps,
    secrets,
    persistentVolumeClaims,
    persistentVolumes,
    services,
    audiences: refs.serviceAccountTokenAudiences,
  };
}

/**
 * The service-account tokens the reconciler obtained (TokenRequest), read back from the
 * stored request. A fresh token is minted on every request, so they cannot be predicted;
 * instead each is checked with a TokenReview to be a live token of the pod's service
 * account bound to this very pod, then used as the translation's input.
 */
async function storedTokens(pod: V1Pod, request: Record<string, unknown>, audiences: string[]) {
  const tokens: Record<string, string> = {};
  const volumes = (request.Volume ?? []) as Array<{
    Name: string;
    ConfigFileVolume?: { ConfigFileToPath?: Array<{ Path: string; Content: string }> };
  }>;
  const auth = stack.cp.kubeConfig.makeApiClient(AuthenticationV1Api);
  for (const v of pod.spec?.volumes ?? []) {
    for (const s of v.projected?.sources ?? []) {
      const source = s.serviceAccountToken;
      if (!source) continue;
      const audience = source.audience ?? '';
      assert.ok(audiences.includes(audience));
      const file = volumes
        .find((x) => x.Name === v.name)
        ?.ConfigFileVolume?.ConfigFileToPath?.find((f) => f.Path === source.path);
      assert.ok(file, `volume ${v.name} carries ${source.path}`);
      const token = Buffer.from(file.Content, 'base64').toString();
      const review = await auth.createTokenReview({
        body: { spec: { token, audiences: audience ? [audience] : [] } },
      });
      assert.equal(review.status?.authenticated, true, `token in ${v.name}/${source.path} authenticates`);
      const sa = pod.spec?.serviceAccountName ?? 'default';
      assert.equal(review.status?.user?.username, `system:serviceaccount:${pod.metadata?.namespace}:${sa}`);
      assert.deepEqual(review.status?.user?.extra?.['authentication.kubernetes.io/pod-uid'], [
        pod.metadata?.uid,
      ]);
      tokens[audience] = token;
    }
  }
  return tokens;
}

/** The request as the emulator stores it: SDK wire encoding, then the emulator's parsing (numbers, booleans). */
function asStored(request: Extract<TranslateResult, { ok: true }>['request']): Record<string, unknown> {
  const flat = OpenApiUtil.default.query(request.toMap()) as Record<string, string>;
  return JSON.parse(JSON.stringify(parseParams(createContainerGroupSchema, unflatten(flat)))) as Record<
    string,
    unknown
  >;
}

describe('examples/translate round trip: webhook → scheduler → reconciler → emulator', () => {
  for (const file of FILES) {
    test(`${file}: every pod reaches its group, whose request equals the translation`, async () => {
      const m = loadManifest(file);
      const namespace = await applied.get(file)!;
      const pods = await eventually(
        `${m.pods} pod(s) of ${file} bound and in their state`,
        async () => {
          const list = (await stack.core.listNamespacedPod({ namespace })).items;
          if (list.length !== m.pods) return undefined;
          return list.every((p) => p.spec?.nodeName === stack.nodeName && settled(p)) ? list : undefined;
        },
        120_000,
        500,
      );
      const groups = await eventually('a group per pod', async () => {
        const all = await stack.admin.containerGroups({ reveal: 'secrets' });
        return pods.every((p) => groupOf(all, p)) ? all : undefined;
      });
      for (const pod of pods) {
        const name = `${namespace}/${pod.metadata?.name}`;
        assert.equal(pod.spec?.nodeSelector?.type, 'virtual-kubelet', `${name} went through the webhook`);
        const group = groupOf(groups, pod)!;
        assert.equal(group.status, wanted(pod), `${name}: group ${group.containerGroupId}`);
        if (wanted(pod) === 'Pending') {
          assert.ok(
            pod.status?.initContainerStatuses?.[0]?.state?.running,
            `${name}: init container running`,
          );
        }
        const stored = group.request;

        // What the reconciler adds to the translation, checked here rather than compared:
        // the idempotency token is the pod's UID,
        assert.equal(stored.ClientToken, pod.metadata?.uid);
        // and the ownership tags name the cluster, node and pod (orphan sweep and adoption use them).
        const ownership = Object.values(TAG_KEYS) as string[];
        const tags = (stored.Tag ?? []) as Array<{ Key: string; Value: string }>;
        assert.deepEqual(
          Object.fromEntries(tags.filter((t) => ownership.includes(t.Key)).map((t) => [t.Key, t.Value])),
          {
            [TAG_KEYS.cluster]: stack.clusterId,
            [TAG_KEYS.node]: stack.nodeName,
            [TAG_KEYS.namespace]: namespace,
            [TAG_KEYS.podName]: pod.metadata?.name,
            [TAG_KEYS.podUid]: pod.metadata?.uid,
          },
        );

        // The pod as the reconciler translated it: the instance annotations it writes back
        // after the create are not there yet (they would show in a downward-API annotations file).
        const asCreated = structuredClone(pod);
        for (const key of Object.values(INSTANCE_ANNOTATIONS)) delete asCreated.metadata?.annotations?.[key];
        const { audiences, ...refs } = await references(asCreated);
        const result = translatePod({
          pod: asCreated,
          ...refs,
          serviceAccountTokens: await storedTokens(asCreated, stored, audiences),
          // As reconciler/app.ts builds them with no ECI Profile ConfigMap: the flags.
          profile: {
            vSwitchIds: DEFAULT_PROFILE.vSwitchIds,
            securityGroupId: DEFAULT_PROFILE.securityGroupId,
            resourceGroupId: DEFAULT_PROFILE.resourceGroupId,
            enableLogController: DEFAULT_PROFILE.enableLogController,
            slsMachineGroup: DEFAULT_PROFILE.slsMachineGroup,
          },
          // The stack's ECI Profile (TEST_PROFILE_DATA) decides the privileged annotations.
          policy: testPolicy(),
          defaults: {
            regionId: stack.config.regionId,
            vSwitchIds: stack.config.vSwitchIds,
            securityGroupId: stack.config.securityGroupId ?? '',
          },
        });
        assert.ok(result.ok, `${name}: ${JSON.stringify(!result.ok && result.errors)}`);
        const expected = asStored(result.request);

        // Compared whole, less only what the reconciler adds (checked above): ClientToken
        // and the ownership tags. The user's own tags (eci-custom-tags) stay compared. No
        // NoStock happens here, so the vSwitch list is the translation's, unrotated.
        const { ClientToken: _token, Tag: _tags, ...rest } = stored;
        const userTags = tags.filter((t) => !ownership.includes(t.Key));
        const actual = userTags.length > 0 ? { ...rest, Tag: userTags } : rest;
        assert.deepEqual(actual, expected, name);
      }
    });
  }
});

function testPolicy() {
  const parsed = parseEciProfile(TEST_PROFILE_DATA);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.profile.privilegedAnnotations;
}
