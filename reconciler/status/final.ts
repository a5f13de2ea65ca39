// Pure: the container group as a kubelet leaves a pod it has finished terminating, before the
// pod object goes (kubernetes pkg/kubelet/status/status_manager.go TerminatePod and
// kubelet_pods.go getPhase with podIsTerminal). A container ECI last reported as ended keeps
// its exit code and times; one it did not (the group vanished, or the grace period ran out
// before ECI said so) ends as ContainerStatusUnknown with exit code 137, the kubelet's words
// for a container it could not find. The phase is then terminal: Succeeded when every app
// container exited 0, Failed otherwise (docs/status-mapping.md, "Deletion").
import type { V1Pod } from '@kubernetes/client-node';
import { terminatedExitCode } from './containers.ts';
import { isTerminalStatus, type EciContainerView, type EciGroupView } from './model.ts';
import { everStarted } from './started.ts';

const NOT_LOCATED = {
  state: 'Terminated',
  exitCode: 137,
  reason: 'ContainerStatusUnknown',
  message: 'The container could not be located when the pod was terminated',
} as const;

const ended = (c: EciContainerView) => terminatedExitCode(c.currentState) !== undefined;

function endIt(c: EciContainerView): EciContainerView {
  return ended(c) ? c : { ...c, ready: false, currentState: { ...NOT_LOCATED } };
}

/** The group as the pod's final status describes it: every container ended, the status terminal. */
export function endedGroup(pod: V1Pod, group: EciGroupView): EciGroupView {
  const appNames = (pod.spec?.containers ?? []).map((c) => c.name);
  const byName = new Map((group.containers ?? []).map((c) => [c.name, c]));
  // ECI lists a sidecar among its app containers (status/init-containers.ts); a spec container
  // ECI reports nothing of is listed too, so it ends like the others.
  const listed: EciContainerView[] = [
    ...(group.containers ?? []),
    ...appNames.filter((n) => !byName.has(n)).map((name) => ({ name })),
  ];
  const inits = group.initContainers ?? [];
  // A pod whose init containers never let an app container start keeps its app containers waiting.
  const initialized = inits.length === 0 || listed.some(everStarted);
  const containers = initialized ? listed.map(endIt) : listed;
  // Init containers up to the last one that started; those after it never ran.
  const lastStarted = inits.map(everStarted).lastIndexOf(true);
  const initContainers = inits.map((c, i) => (i <= lastStarted ? endIt(c) : c));

  let status = group.status;
  if (!isTerminalStatus(status)) {
    const apps = containers.filter((c) => c.name !== undefined && appNames.includes(c.name));
    const allSucceeded =
      apps.length === appNames.length && apps.every((c) => terminatedExitCode(c.currentState) === 0);
    status = allSucceeded ? 'Succeeded' : 'Failed';
  }
  return { ...group, status, containers, initContainers: group.initContainers && initContainers };
}
