// Pure: the kubelet's probe bookkeeping. Consecutive successes and failures
// against SuccessThreshold/FailureThreshold decide when a probe's result flips.
export interface ProbeSettings {
  initialDelayMs: number;
  periodMs: number;
  timeoutMs: number;
  successThreshold: number;
  failureThreshold: number;
}

export interface ProbeSpecLike {
  InitialDelaySeconds?: number | undefined;
  PeriodSeconds?: number | undefined;
  TimeoutSeconds?: number | undefined;
  SuccessThreshold?: number | undefined;
  FailureThreshold?: number | undefined;
}

/** Kubernetes defaults: no delay, every 10 s, 1 s timeout, 1 success, 3 failures. */
export function probeSettings(p: ProbeSpecLike): ProbeSettings {
  const pos = (v: number | undefined, d: number) => (v !== undefined && v > 0 ? v : d);
  return {
    initialDelayMs: Math.max(0, p.InitialDelaySeconds ?? 0) * 1000,
    periodMs: pos(p.PeriodSeconds, 10) * 1000,
    timeoutMs: pos(p.TimeoutSeconds, 1) * 1000,
    successThreshold: pos(p.SuccessThreshold, 1),
    failureThreshold: pos(p.FailureThreshold, 3),
  };
}

export interface ProbeTracker {
  /** The probe's current verdict (starts failing: not ready, not started). */
  passing: boolean;
  successes: number;
  failures: number;
}

export function newTracker(): ProbeTracker {
  return { passing: false, successes: 0, failures: 0 };
}

/** Records one result; returns the verdict change it causes, if any. */
export function record(t: ProbeTracker, ok: boolean, s: ProbeSettings): 'passed' | 'failed' | undefined {
  if (ok) {
    t.successes++;
    t.failures = 0;
    if (!t.passing && t.successes >= s.successThreshold) {
      t.passing = true;
      return 'passed';
    }
    return undefined;
  }
  t.failures++;
  t.successes = 0;
  // A probe that has never passed "fails" once the threshold is reached, like one that stopped passing.
  if (t.failures >= s.failureThreshold && (t.passing || t.failures === s.failureThreshold)) {
    t.passing = false;
    return 'failed';
  }
  return undefined;
}
