// The status of a pod that cannot start yet because a ConfigMap or Secret it needs is
// missing (the translation's `missing` list), as a kubelet shows it: a container whose
// env names it waits with CreateContainerConfigError and the reason; a missing volume
// source holds every container in ContainerCreating (the kubelet's FailedMount); the
// rest wait as usual. No container group exists yet, so nothing is running.
import type { V1Pod } from '@kubernetes/client-node';
import type { MissingReference } from '../translate/context.ts';
import { configErrorMessage } from '../translate/missing.ts';
import { podConditions } from './conditions.ts';
import { boundedMessage } from './messages.ts';
import { defaultWaitingReason } from './containers.ts';
import { normalizeStatus } from './diff.ts';
import { drop, rfc3339, type ContainerStatusJson, type PodStatusJson } from './model.ts';

const CONFIG_ERROR_REASON = 'CreateContainerConfigError';

function waiting(
  specs: ReadonlyArray<{ name: string; image?: string }>,
  path: string,
  mandatory: readonly MissingReference[],
  configErrors: readonly { field: string; message: string }[],
  fallback: string,
  previous: readonly ContainerStatusJson[] | undefined,
): ContainerStatusJson[] {
  return specs.map((c, i) => {
    const mine = (r: { field: string }) => r.field.startsWith(`${path}[${i}].`);
    const messages = [
      configErrorMessage(mandatory.filter(mine)),
      ...configErrors.filter(mine).map((e) => e.message),
    ];
    const message = messages.filter((m) => m !== undefined).join('; ');
    return {
      name: c.name,
      image: c.image ?? '',
      imageID: '',
      ready: false,
      started: false,
      restartCount: previous?.find((p) => p.name === c.name)?.restartCount ?? 0,
      state: {
        waiting: message
          ? { reason: CONFIG_ERROR_REASON, message: boundedMessage(message) }
          : { reason: fallback },
      },
      lastState: {},
    };
  });
}

/**
 * The Pending status for a pod whose mandatory references (`missing`, optional ones ignored)
 * are not there yet, or whose containers a kubelet would not configure (`configErrors`).
 */
export function podStatusForMissingReferences(
  pod: V1Pod,
  missing: readonly MissingReference[],
  now: Date,
  configErrors: readonly { field: string; message: string }[] = [],
): PodStatusJson {
  const current = normalizeStatus(pod.status);
  const mandatory = missing.filter((r) => !r.optional);
  const inits = pod.spec?.initContainers ?? [];
  const blockedVolume = mandatory.some((r) => r.field.startsWith('spec.volumes['));
  const fallback = blockedVolume ? 'ContainerCreating' : defaultWaitingReason(undefined, inits.length > 0);
  const statuses = waiting(
    pod.spec?.containers ?? [],
    'spec.containers',
    mandatory,
    configErrors,
    fallback,
    current.containerStatuses,
  );
  const initStatuses = waiting(
    inits,
    'spec.initContainers',
    mandatory,
    configErrors,
    fallback,
    current.initContainerStatuses,
  );
  return drop({
    phase: 'Pending',
    conditions: podConditions({
      pod,
      phase: 'Pending',
      statuses,
      initStatuses,
      previous: current.conditions ?? [],
      now: rfc3339(now)!,
    }),
    containerStatuses: statuses,
    initContainerStatuses: inits.length > 0 ? initStatuses : undefined,
  }) as PodStatusJson;
}
