// Pure: ECI's container start and exit order. By default a group's containers start and
// exit together; the env variables ECI_CONTAINER_LAUNCH_PRIORITY and
// ECI_CONTAINER_EXIT_PRIORITY (-1000 to 1000, default 0) order them: a container with a
// higher launch priority starts first (the next ones once it runs and, if it has a readiness
// probe, is ready), one with a higher exit priority is stopped after the others have exited.
// https://help.aliyun.com/en/eci/user-guide/set-container-start-and-exit-order
const LAUNCH_PRIORITY_ENV = 'ECI_CONTAINER_LAUNCH_PRIORITY';
const EXIT_PRIORITY_ENV = 'ECI_CONTAINER_EXIT_PRIORITY';

interface WithEnv {
  EnvironmentVar?: { Key?: string | undefined; Value?: string | undefined }[] | undefined;
}

function priority(spec: WithEnv | undefined, key: string): number {
  const raw = spec?.EnvironmentVar?.find((e) => e.Key === key)?.Value;
  const n = Number(raw);
  if (raw === undefined || raw.trim() === '' || !Number.isInteger(n)) return 0;
  return Math.max(-1000, Math.min(1000, n));
}

export function launchPriority(spec: WithEnv | undefined): number {
  return priority(spec, LAUNCH_PRIORITY_ENV);
}

export function exitPriority(spec: WithEnv | undefined): number {
  return priority(spec, EXIT_PRIORITY_ENV);
}

/**
 * The containers to stop now while a group is deleted: of those still running, the ones with
 * the lowest exit priority (the next ones once these have exited).
 */
export function dueToStop<T extends { name: string; spec: WithEnv | undefined }>(running: T[]): T[] {
  if (running.length === 0) return [];
  const lowest = Math.min(...running.map((r) => exitPriority(r.spec)));
  return running.filter((r) => exitPriority(r.spec) === lowest);
}

/**
 * The containers that may start now: the waiting ones whose launch priority no container still
 * coming up outranks. `up` says whether a container has come up (runs and is ready, or has
 * exited): only those no longer hold the lower priorities back.
 */
export function dueToStart<T extends { name: string; spec: WithEnv | undefined }>(
  waiting: T[],
  others: { spec: WithEnv | undefined; up: boolean }[],
): T[] {
  if (waiting.length === 0) return [];
  const pending = [...others.filter((o) => !o.up).map((o) => o.spec), ...waiting.map((w) => w.spec)];
  const highest = Math.max(...pending.map(launchPriority));
  return waiting.filter((w) => launchPriority(w.spec) >= highest);
}
