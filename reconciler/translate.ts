// The pure translation pod (+ the objects it references, the ECI Profile and the
// cluster facts) → the typed CreateContainerGroupRequest, or the errors that make
// it impossible, each naming the pod field or annotation at fault. No I/O.
// The mapping table is examples/translate/README.md.
//
// The reconciler sets ClientToken (= pod UID) and its ownership tags afterwards.
import eci from '@alicloud/eci20180808';
import type { CreateContainerGroupRequest } from '@alicloud/eci20180808';
import type { V1Container, V1Pod } from '@kubernetes/client-node';
import { parseEciAnnotations, type ParsedEciAnnotations } from '../shared/annotation-values.ts';
import { isGpuInstanceType, type EciSpec } from '../shared/eci-specs.ts';
import {
  appContainer,
  CONTAINER_TYPE_ENV,
  initContainer,
  type ContainerInputs,
} from './translate/containers.ts';
import { Issues, type Context, type TranslateError, type TranslateInput } from './translate/context.ts';
import { applyEciAnnotations } from './translate/annotations.ts';
import { applyDns } from './translate/dns.ts';
import { logEnv } from './translate/logs.ts';
import { containerGroupName } from './translate/names.ts';
import { applyPodFields, checkPod, droppedPodSecurity } from './translate/pod.ts';
import { registryCredentials } from './translate/registry.ts';
import {
  containerResources,
  extraEphemeralStorage,
  GPU_RESOURCE,
  oversizeMessage,
  podSpec,
  RESOURCE_IGNORE_ENV,
  type SizedContainer,
} from './translate/resources.ts';
import type { EciRequestFields } from './translate/request.ts';
import { translateVolumes } from './translate/volumes.ts';

export type { ProfileDefaults, TranslateInput, TranslateError } from './translate/context.ts';
export { serviceAccountTokenAudiences } from './translate/volumes.ts';
export { podReferences, type PodReferences } from './translate/references.ts';
export { containerGroupName } from './translate/names.ts';

export type TranslateResult =
  | { ok: true; request: CreateContainerGroupRequest; warnings: string[] }
  | { ok: false; errors: TranslateError[]; warnings: string[] };

/** ECI's limit on VSwitchId entries (zones to try). */
export const MAX_VSWITCHES = 10;

/** ECI's limit on containers per group, and separately on init containers. */
export const MAX_CONTAINERS = 20;

interface Placed {
  c: V1Container;
  path: string;
  sized: SizedContainer;
}

/**
 * App containers (native sidecars, i.e. init containers with restartPolicy
 * Always, run beside them in ECI) and the init containers that run first.
 */
function layout(ctx: Context): { app: Placed[]; init: Placed[]; sidecars: number } {
  const spec = ctx.pod.spec;
  const place = (c: V1Container, path: string): Placed => ({
    c,
    path,
    sized: {
      resources: containerResources(ctx, c, path),
      ignored: (c.env ?? []).some((e) => e.name === RESOURCE_IGNORE_ENV && e.value?.toUpperCase() === 'TRUE'),
    },
  });
  const containers = (spec?.containers ?? []).map((c, i) => place(c, `spec.containers[${i}]`));
  const inits = (spec?.initContainers ?? []).map((c, i) => place(c, `spec.initContainers[${i}]`));
  const sidecars = inits.filter((x) => x.c.restartPolicy === 'Always');
  const init = inits.filter((x) => x.c.restartPolicy !== 'Always');
  for (const s of sidecars)
    ctx.issues.warn(
      `${s.path} (${s.c.name}) is a native sidecar: ECI starts it with the app containers, not before later init containers`,
    );
  const app = [...containers, ...sidecars];
  if (app.length > MAX_CONTAINERS)
    ctx.issues.error(
      'spec.containers',
      `ECI allows at most ${MAX_CONTAINERS} containers per pod (native sidecars included)`,
    );
  if (init.length > MAX_CONTAINERS)
    ctx.issues.error('spec.initContainers', `ECI allows at most ${MAX_CONTAINERS} init containers per pod`);
  return { app, init, sidecars: sidecars.length };
}

/** The pod's ECI spec, or the totals to use when an annotation names the spec instead. */
function sizePod(ctx: Context, app: Placed[], init: Placed[], values: ParsedEciAnnotations) {
  const spec = ctx.pod.spec;
  const podLevel = spec?.resources
    ? containerResources(ctx, { name: '', resources: spec.resources }, 'spec')
    : undefined;
  const { spec: eciSpec, requested } = podSpec(
    app.map((x) => x.sized),
    init.map((x) => x.sized),
    podLevel,
  );
  const useSpecs = values['k8s.aliyun.com/eci-use-specs'];
  const legacyType = values['k8s.aliyun.com/eci-instance-type'];
  if (!eciSpec && useSpecs === undefined && legacyType === undefined)
    ctx.issues.error('spec.containers', oversizeMessage(requested));

  const instanceTypes = [
    ...(useSpecs ?? []).flatMap((s) => ('instanceType' in s ? [s.instanceType] : [])),
    ...(legacyType ? [legacyType] : []),
  ];
  const gpuContainer = app.find((x) => x.sized.resources.gpu);
  if (gpuContainer && !instanceTypes.some(isGpuInstanceType))
    ctx.issues.error(
      `${gpuContainer.path}.resources.limits.${GPU_RESOURCE}`,
      'GPUs need a GPU instance type (e.g. ecs.gn6i-c4g1.xlarge) in k8s.aliyun.com/eci-use-specs',
    );
  const totals: EciSpec = eciSpec ?? { cpu: requested.cpu ?? 0, memory: requested.memory ?? 0 };
  return { eciSpec, totals };
}

export function translatePod(input: TranslateInput): TranslateResult {
  const { pod } = input;
  const issues = new Issues();
  const namespace = pod.metadata?.namespace ?? 'default';
  const podName = pod.metadata?.name ?? '';
  const ctx: Context = { input, pod, namespace, podName, issues };
  const spec = pod.spec;
  if (!podName) issues.error('metadata.name', 'the pod has no name');
  if (!spec?.containers?.length) {
    issues.error('spec.containers', 'the pod has no containers');
    return { ok: false, errors: issues.errors, warnings: issues.warnings };
  }

  const annotations = parseEciAnnotations(pod.metadata?.annotations ?? {});
  for (const e of annotations.errors) issues.error(`metadata.annotations['${e.annotation}']`, e.message);
  for (const w of annotations.warnings) issues.warn(w);
  checkPod(ctx);

  // Resources first: resourceFieldRef env and downward API volumes read the pod's spec.
  const { app, init } = layout(ctx);
  const { eciSpec, totals } = sizePod(ctx, app, init, annotations.values);
  const { volumes, skipped } = translateVolumes(ctx, totals);

  const dropped: string[] = [];
  const inputs = (x: Placed): ContainerInputs => ({
    resources: x.sized.resources,
    totals,
    skippedVolumes: skipped,
    podSecurity: spec.securityContext,
    dropped,
  });
  const containers = app.map((x, i) => {
    // Native sidecars are marked so ECI does not keep a finished Job alive for them.
    const isSidecar = i >= spec.containers.length && !x.c.env?.some((e) => e.name === CONTAINER_TYPE_ENV);
    const out = appContainer(
      ctx,
      x.c,
      x.path,
      inputs(x),
      isSidecar ? [{ key: CONTAINER_TYPE_ENV, value: 'sidecar' }] : [],
    );
    const logs = logEnv(ctx, x.c, out.environmentVar ?? [], x.path);
    if (logs.length) out.environmentVar = [...(out.environmentVar ?? []), ...logs];
    return out;
  });
  const initContainers = init.map((x) => initContainer(ctx, x.c, x.path, inputs(x)));
  dropped.push(...droppedPodSecurity(ctx));
  if (dropped.length) issues.warn(`not applied, ECI has no equivalent: ${dropped.join(', ')}`);

  const profile = input.profile ?? {};
  if (profile.enableLogController && !profile.slsMachineGroup)
    issues.warn(
      'the ECI Profile enables enableLogController without slsMachineGroup, so logs have no machine group',
    );

  // Placement: the profile beats the flag defaults (and the annotations, applied last, beat both).
  const vSwitchIds = profile.vSwitchIds?.length ? profile.vSwitchIds : input.defaults.vSwitchIds;
  const request: EciRequestFields = {
    regionId: input.defaults.regionId,
    vSwitchId: vSwitchIds.join(','),
    securityGroupId: profile.securityGroupId || input.defaults.securityGroupId,
    ...(profile.resourceGroupId ? { resourceGroupId: profile.resourceGroupId } : {}),
    containerGroupName: containerGroupName(namespace, podName),
    restartPolicy: spec.restartPolicy ?? 'Always',
    ...(eciSpec ? { cpu: eciSpec.cpu, memory: eciSpec.memory } : {}),
    container: containers,
    ...(initContainers.length ? { initContainer: initContainers } : {}),
    ...(volumes.length ? { volume: volumes } : {}),
  };
  applyPodFields(ctx, request);
  applyDns(ctx, request);
  const credentials = registryCredentials(ctx);
  if (credentials.length) request.imageRegistryCredential = credentials;
  const storage = extraEphemeralStorage(
    app.map((x) => x.sized),
    init.map((x) => x.sized),
  );
  if (storage !== undefined) request.ephemeralStorage = storage;

  applyEciAnnotations(request, annotations.values);

  if ((request.vSwitchId ?? '').split(',').length > MAX_VSWITCHES)
    issues.error('vSwitchId', `ECI accepts at most ${MAX_VSWITCHES} vSwitches, got ${request.vSwitchId}`);
  if (!request.vSwitchId)
    issues.error('vSwitchId', 'no vSwitch: set the ECI Profile vSwitchIds or the --vswitch-ids flag');
  if (!request.securityGroupId)
    issues.error(
      'securityGroupId',
      'no security group: set the ECI Profile securityGroupId or the --security-group-id flag',
    );

  if (issues.errors.length) return { ok: false, errors: issues.errors, warnings: issues.warnings };
  return { ok: true, request: new eci.CreateContainerGroupRequest(request), warnings: issues.warnings };
}

/**
 * What in the pod itself ECI cannot run, judged without the objects it references
 * (errors about those are left out): lets the webhook warn at admission with the
 * same reasons the reconciler will report.
 */
export function podProblems(pod: V1Pod): TranslateError[] {
  const r = translatePod({
    pod,
    defaults: { regionId: 'check', vSwitchIds: ['vsw-check'], securityGroupId: 'sg-check' },
  });
  return r.ok ? [] : r.errors.filter((e) => !e.missingReference);
}

/** The translation as `npm run explain` prints it: the request as sent (wire names), or the errors. */
export function formatTranslation(result: TranslateResult): string {
  const lines: string[] = [];
  if (result.ok) lines.push(JSON.stringify(result.request.toMap(), null, 2));
  else
    for (const e of result.errors)
      lines.push(`error: ${e.field}: ${e.message}${e.missingReference ? ' (waiting)' : ''}`);
  for (const w of result.warnings) lines.push(`warning: ${w}`);
  return lines.join('\n');
}
