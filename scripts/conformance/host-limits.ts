// Specs that fail because of the machine running `make conformance`, not because of ECI or of
// this project. They are never skipped and still count as failed; the run probes the host for
// each limit and docs/conformance.md says which were found and what the probe answered, so a
// reader can tell a machine's gap from the product's. On a machine without the limit the probe
// passes, nothing is said, and the spec is the project's to pass like any other.
import { execFile } from 'node:child_process';

export interface HostLimit {
  /** Exact spec texts, as docs/conformance.md lists them. */
  specs: readonly string[];
  /** What the machine lacks and why the spec needs it, in one sentence. */
  limit: string;
  /** A command that succeeds only on a machine without the limit. */
  probe: readonly string[];
  /** What the probe answers on a machine with the limit; any other failure proves nothing. */
  refusal: RegExp;
}

export const HOST_LIMITS: readonly HostLimit[] = [
  {
    specs: ['[sig-node] PrivilegedPod [NodeConformance] should enable privileged commands [LinuxOnly]'],
    limit:
      "this machine's kernel has no dummy network link type, and the spec's privileged container must create one (`ip link add dummy1 type dummy`); the emulator runs a container's processes on this kernel, as ECI runs them on its instance's",
    probe: ['unshare', '--net', 'ip', 'link', 'add', 'eci-probe0', 'type', 'dummy'],
    refusal: /Unknown device type|not supported/i,
  },
];

/** A limit found on this machine: the limit, and the probe's command and answer. */
export interface FoundLimit {
  limit: HostLimit;
  answer: string;
}

/**
 * Runs every probe; the limits whose probe failed with the limit's refusal, with what it printed.
 * A probe that could not run (not root, no such command) finds nothing.
 */
export async function findHostLimits(limits: readonly HostLimit[] = HOST_LIMITS): Promise<FoundLimit[]> {
  const found: FoundLimit[] = [];
  for (const limit of limits) {
    const [command, ...args] = limit.probe;
    const answer = await new Promise<string | undefined>((resolve) =>
      execFile(command!, args, { timeout: 10_000 }, (err, _stdout, stderr) =>
        resolve(err ? stderr.trim() || err.message : undefined),
      ),
    );
    if (answer !== undefined && limit.refusal.test(answer)) found.push({ limit, answer });
  }
  return found;
}
