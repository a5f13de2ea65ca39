// How a pod's containers are laid out on ECI (app containers with native sidecars,
// init containers) and the ECI spec the pod is sized at.
import type { V1Container } from '@kubernetes/client-node';
import type { ParsedEciAnnotations } from '../../shared/annotation-values.ts';
import { isGpuInstanceType, type EciSpec } from '../../shared/eci-specs.ts';
import type { Context } from './context.ts';
import {
  containerResources,
  GPU_RESOURCE,
  oversizeMessage,
  podSpec,
  RESOURCE_IGNORE_ENV,
  type SizedContainer,
} from './resources.ts';

/** ECI's limit on containers per group, and separately on init containers. */
const MAX_CONTAINERS = 20;

export interface Placed {
  c: V1Container;
  path: string;
  sized: SizedContainer;
}

/**
 * App containers (native sidecars, i.e. init containers with restartPolicy
 * Always, run beside them in ECI) and the init containers that run first.
 */
export function layout(ctx: Context): { app: Placed[]; init: Placed[]; sidecars: number } {
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
export function sizePod(ctx: Context, app: Placed[], init: Placed[], values: ParsedEciAnnotations) {
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
