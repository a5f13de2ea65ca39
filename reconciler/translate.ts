// The pure translation pod (+ the objects it references, the ECI Profile and the
// cluster facts) → the CreateContainerGroupRequest to send, or the errors that make
// it impossible, each naming the pod field or annotation at fault. No I/O.
// The mapping table is examples/translate/README.md.
//
// Given `owner` (and `attempt`), the request is final: ClientToken, ownership tags,
// group name and the vSwitch order for this attempt are all set here, in one place.
import type { CreateContainerGroupRequest } from '@alicloud/eci20180808';
import type { V1Pod } from '@kubernetes/client-node';
import { parseEciAnnotations } from '../shared/annotation-values.ts';
import { privilegedAnnotationRefusals } from '../shared/privileged-annotations.ts';
import { withOwnershipTags } from './ownership.ts';
import { applyEciAnnotations } from './translate/annotations.ts';
import { appContainer, initContainer, type ContainerInputs } from './translate/containers.ts';
import { sidecarEnv } from './translate/sidecar-env.ts';
import {
  Issues,
  type Context,
  type MissingReference,
  type TranslateError,
  type TranslateInput,
} from './translate/context.ts';
import { applyDns } from './translate/dns.ts';
import { layout, sizePod, type Placed } from './translate/layout.ts';
import { logEnv } from './translate/logs.ts';
import { referenceEvents, type ReferenceEvent } from './translate/missing.ts';
import { containerGroupName } from './translate/names.ts';
import { serviceEnvironment } from './translate/service-env.ts';
import { resolvePlacement, placementProblems, rotateVSwitches } from './translate/placement.ts';
import { applyPodFields, checkPod, droppedPodSecurity } from './translate/pod.ts';
import { registryCredentials } from './translate/registry.ts';
import { EciCreateRequest, type EciRequestFields } from './translate/request.ts';
import { extraEphemeralStorage } from './translate/resources.ts';
import { translateVolumes } from './translate/volumes.ts';

export type {
  MissingReference,
  ProfileDefaults,
  TranslateError,
  TranslateInput,
} from './translate/context.ts';
export { serviceAccountTokenAudiences } from './translate/volumes.ts';
export { podReferences } from './translate/references.ts';
export { configErrorMessage, REFERENCE_EVENT_REASONS } from './translate/missing.ts';
export { placementProblems, resolvePlacement, rotateVSwitches } from './translate/placement.ts';
export { instanceAnnotationsFromGroup } from './translate/instance-annotations.ts';

interface ResultCommon {
  warnings: string[];
  /** Every ConfigMap, Secret, claim or volume the pod names that was not found, optional ones included. */
  missing?: MissingReference[];
  /** The Events to record for missing ConfigMaps/Secrets (Optional…NotFound, Mandatory…NotFound). */
  events?: ReferenceEvent[];
}

export type TranslateResult =
  | ({ ok: true; request: CreateContainerGroupRequest } & ResultCommon)
  | ({ ok: false; errors: TranslateError[] } & ResultCommon);

/** ECI's limit on VSwitchId entries (zones to try). */
const MAX_VSWITCHES = 10;

function failed(issues: Issues): TranslateResult {
  return {
    ok: false,
    errors: issues.errors,
    warnings: issues.warnings,
    missing: issues.references,
    events: referenceEvents(issues.references),
  };
}

export function translatePod(input: TranslateInput): TranslateResult {
  const { pod } = input;
  const issues = new Issues();
  const namespace = pod.metadata?.namespace ?? 'default';
  const podName = pod.metadata?.name ?? '';
  const serviceEnv = serviceEnvironment(pod, input.services);
  const ctx: Context = { input, pod, namespace, podName, issues, serviceEnv };
  const spec = pod.spec;
  if (!podName) issues.error('metadata.name', 'the pod has no name');
  if (!spec?.containers?.length) {
    issues.error('spec.containers', 'the pod has no containers');
    return failed(issues);
  }

  const raw = pod.metadata?.annotations ?? {};
  const annotations = parseEciAnnotations(raw);
  for (const e of annotations.errors) issues.error(`metadata.annotations['${e.annotation}']`, e.message);
  for (const w of annotations.warnings) issues.warn(w);
  for (const r of privilegedAnnotationRefusals(
    raw,
    namespace,
    input.policy ?? input.profile?.privilegedAnnotations,
  ))
    issues.error(`metadata.annotations['${r.annotation}']`, r.message);
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
    // Native sidecars: marked for ECI, and ordered to start before and exit after the app containers.
    const sidecar = i - spec.containers.length;
    const extra = sidecar >= 0 ? sidecarEnv(x.c, sidecar, app.length - spec.containers.length) : [];
    const out = appContainer(ctx, x.c, x.path, inputs(x), extra);
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
  const { placement } = resolvePlacement(profile, input.defaults);
  const request: EciRequestFields = {
    regionId: input.defaults.regionId,
    vSwitchId: placement.vSwitchIds.join(','),
    securityGroupId: placement.securityGroupId,
    ...(placement.resourceGroupId ? { resourceGroupId: placement.resourceGroupId } : {}),
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

  const vSwitchIds = (request.vSwitchId ?? '').split(',').filter(Boolean);
  if (vSwitchIds.length > MAX_VSWITCHES)
    issues.error('vSwitchId', `ECI accepts at most ${MAX_VSWITCHES} vSwitches, got ${request.vSwitchId}`);
  for (const p of placementProblems({ vSwitchIds, securityGroupId: request.securityGroupId }))
    issues.error(p.field, p.message);

  if (issues.errors.length) return failed(issues);
  if (input.attempt) request.vSwitchId = rotateVSwitches(vSwitchIds, input.attempt).join(',');
  if (input.owner) {
    request.clientToken = input.owner.podUid;
    request.tag = withOwnershipTags(request.tag, input.owner).map((t) => ({ key: t.key, value: t.value }));
  }
  return {
    ok: true,
    request: new EciCreateRequest(request),
    warnings: issues.warnings,
    missing: issues.references,
    events: referenceEvents(issues.references),
  };
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
    // What ECI can run, not what the operator allows: the policy is the cluster's.
    policy: { allowAll: true, allowedNamespaces: [], byAnnotation: {} },
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
