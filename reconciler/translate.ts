// The pure translation pod (+ the objects it references, the ECI Profile and the
// cluster facts) → the typed CreateContainerGroupRequest, or the errors that make
// it impossible, each naming the pod field or annotation at fault. No I/O.
//
// The reconciler sets ClientToken (= pod UID) and its ownership tags afterwards.
import eci from '@alicloud/eci20180808';
import type { CreateContainerGroupRequest } from '@alicloud/eci20180808';
import { applyEciAnnotations, parseEciAnnotations, type EciRequestFields } from '../shared/annotations.ts';
import { isGpuInstanceType } from '../shared/eci-specs.ts';
import {
  appContainer,
  CONTAINER_TYPE_ENV,
  initContainer,
  type ContainerInputs,
} from './translate/containers.ts';
import { Issues, type Context, type TranslateError, type TranslateInput } from './translate/context.ts';
import { applyDns, clusterDomain } from './translate/dns.ts';
import { logEnv } from './translate/logs.ts';
import { containerGroupName, podHostname } from './translate/names.ts';
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
import { translateVolumes } from './translate/volumes.ts';

export type { ProfileDefaults, TranslateInput, TranslateError } from './translate/context.ts';
export { serviceAccountTokenAudiences } from './translate/volumes.ts';
export { podReferences, type PodReferences } from './translate/references.ts';
export { containerGroupName } from './translate/names.ts';

export type TranslateResult =
  | { ok: true; request: CreateContainerGroupRequest; warnings: string[] }
  | { ok: false; errors: TranslateError[]; warnings: string[] };

/** ECI's limit on containers per group, and separately on init containers. */
export const MAX_CONTAINERS = 20;

const RESTART_POLICIES = new Set(['Always', 'OnFailure', 'Never']);

function resourceIgnored(env: Array<{ name: string; value?: string }> | undefined): boolean {
  return (env ?? []).some((e) => e.name === RESOURCE_IGNORE_ENV && e.value?.toUpperCase() === 'TRUE');
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

  // Host-level features ECI cannot give: the pod runs alone on its own instance.
  for (const k of ['hostNetwork', 'hostPID', 'hostIPC'] as const)
    if (spec[k]) issues.error(`spec.${k}`, `${k} is not available on ECI: the pod does not share a node`);
  if (spec.os?.name && spec.os.name !== 'linux') issues.error('spec.os.name', 'ECI runs Linux pods only');
  if (spec.resourceClaims?.length)
    issues.error(
      'spec.resourceClaims',
      'dynamic resource allocation (ResourceClaims) is not available on ECI',
    );

  const restartPolicy = spec.restartPolicy ?? 'Always';
  if (!RESTART_POLICIES.has(restartPolicy))
    issues.error('spec.restartPolicy', `unknown restartPolicy ${restartPolicy}`);

  // Native sidecars (init containers with restartPolicy Always) run beside the app
  // containers in ECI, marked as sidecars so they do not keep a finished Job alive.
  const init = (spec.initContainers ?? []).map((c, i) => ({ c, path: `spec.initContainers[${i}]` }));
  const sidecars = init.filter((x) => x.c.restartPolicy === 'Always');
  const plainInit = init.filter((x) => x.c.restartPolicy !== 'Always');
  for (const s of sidecars)
    issues.warn(
      `${s.path} (${s.c.name}) is a native sidecar: ECI starts it with the app containers, not before later init containers`,
    );
  const app = [...spec.containers.map((c, i) => ({ c, path: `spec.containers[${i}]` })), ...sidecars];
  if (app.length > MAX_CONTAINERS)
    issues.error(
      'spec.containers',
      `ECI allows at most ${MAX_CONTAINERS} containers per pod (native sidecars included)`,
    );
  if (plainInit.length > MAX_CONTAINERS)
    issues.error('spec.initContainers', `ECI allows at most ${MAX_CONTAINERS} init containers per pod`);

  // Resources first: resourceFieldRef env and volumes read the pod's spec.
  const size = (x: { c: (typeof app)[number]['c']; path: string }): SizedContainer => ({
    resources: containerResources(ctx, x.c, x.path),
    ignored: resourceIgnored(x.c.env),
  });
  const appSized = app.map(size);
  const initSized = plainInit.map(size);
  const podLevel = spec.resources
    ? containerResources(ctx, { name: '', resources: spec.resources }, 'spec')
    : undefined;
  const { spec: eciSpec, requested } = podSpec(appSized, initSized, podLevel);
  const values = annotations.values;
  const useSpecs = values['k8s.aliyun.com/eci-use-specs'];
  const instanceTypes = [
    ...(useSpecs ?? []).flatMap((s) => ('instanceType' in s ? [s.instanceType] : [])),
    ...(values['k8s.aliyun.com/eci-instance-type'] ? [values['k8s.aliyun.com/eci-instance-type']] : []),
  ];
  const specOverridden = useSpecs !== undefined || values['k8s.aliyun.com/eci-instance-type'] !== undefined;
  if (!eciSpec && !specOverridden) issues.error('spec.containers', oversizeMessage(requested));
  const totals = eciSpec ?? { cpu: requested.cpu ?? 0, memory: requested.memory ?? 0 };

  const gpus = appSized.reduce((n, c) => n + (c.resources.gpu ?? 0), 0);
  if (gpus > 0 && !instanceTypes.some(isGpuInstanceType)) {
    const i = appSized.findIndex((c) => c.resources.gpu);
    issues.error(
      `${app[i]?.path ?? 'spec.containers'}.resources.limits.${GPU_RESOURCE}`,
      'GPUs need a GPU instance type (e.g. ecs.gn6i-c4g1.xlarge) in k8s.aliyun.com/eci-use-specs',
    );
  }

  const { volumes, skipped } = translateVolumes(ctx, totals);
  const dropped: string[] = [];
  const inputs = (s: SizedContainer): ContainerInputs => ({
    resources: s.resources,
    totals,
    skippedVolumes: skipped,
    podSecurity: spec.securityContext,
    dropped,
  });
  const containers = app.map((x, i) => {
    const sized = appSized[i] as SizedContainer;
    const isSidecar = i >= spec.containers.length;
    const extra =
      isSidecar && !x.c.env?.some((e) => e.name === CONTAINER_TYPE_ENV)
        ? [{ key: CONTAINER_TYPE_ENV, value: 'sidecar' }]
        : [];
    const out = appContainer(ctx, x.c, x.path, inputs(sized), extra);
    const logs = logEnv(ctx, x.c, out.environmentVar ?? [], x.path);
    if (logs.length) out.environmentVar = [...(out.environmentVar ?? []), ...logs];
    return out;
  });
  const initContainers = plainInit.map((x, i) =>
    initContainer(ctx, x.c, x.path, inputs(initSized[i] as SizedContainer)),
  );

  const profile = input.profile ?? {};
  if (profile.enableLogController && !profile.slsMachineGroup)
    issues.warn(
      'the ECI Profile enables enableLogController without slsMachineGroup, so logs have no machine group',
    );

  const sc = spec.securityContext;
  if (sc?.fsGroup !== undefined) dropped.push('spec.securityContext.fsGroup');
  if (sc?.supplementalGroups?.length) dropped.push('spec.securityContext.supplementalGroups');
  if (sc?.seLinuxOptions) dropped.push('spec.securityContext.seLinuxOptions');
  if (sc?.seccompProfile && sc.seccompProfile.type !== 'RuntimeDefault')
    dropped.push('spec.securityContext.seccompProfile');
  if (dropped.length) issues.warn(`not applied, ECI has no equivalent: ${dropped.join(', ')}`);

  const vSwitchIds = profile.vSwitchIds?.length ? profile.vSwitchIds : input.defaults.vSwitchIds;
  const request: EciRequestFields = {
    regionId: input.defaults.regionId,
    vSwitchId: vSwitchIds.join(','),
    securityGroupId: profile.securityGroupId || input.defaults.securityGroupId,
    ...(profile.resourceGroupId ? { resourceGroupId: profile.resourceGroupId } : {}),
    containerGroupName: containerGroupName(namespace, podName),
    restartPolicy,
    ...(eciSpec ? { cpu: eciSpec.cpu, memory: eciSpec.memory } : {}),
    container: containers,
    ...(initContainers.length ? { initContainer: initContainers } : {}),
    ...(volumes.length ? { volume: volumes } : {}),
  };

  const hostname = podHostname(podName, spec.hostname);
  request.hostName =
    spec.setHostnameAsFQDN && spec.subdomain
      ? `${hostname}.${spec.subdomain}.${namespace}.svc.${clusterDomain(ctx)}`
      : hostname;
  applyDns(ctx, request);
  const credentials = registryCredentials(ctx);
  if (credentials.length) request.imageRegistryCredential = credentials;
  if (sc?.sysctls?.length)
    request.securityContext = { sysctl: sc.sysctls.map((s) => ({ name: s.name, value: s.value })) };
  const storage = extraEphemeralStorage(appSized, initSized);
  if (storage !== undefined) request.ephemeralStorage = storage;
  if (spec.shareProcessNamespace) request.shareProcessNamespace = true;
  if (spec.activeDeadlineSeconds !== undefined) request.activeDeadlineSeconds = spec.activeDeadlineSeconds;
  if (spec.terminationGracePeriodSeconds !== undefined)
    request.terminationGracePeriodSeconds = spec.terminationGracePeriodSeconds;

  // Annotations last: an annotation beats the profile, which beats the flag defaults.
  applyEciAnnotations(request, values);

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
