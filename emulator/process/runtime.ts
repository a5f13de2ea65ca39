// Process mode's driver. The lifecycle (emulator/lifecycle.ts) stays the single
// source of truth for states; this keeps real processes in step with it: a
// container the lifecycle marks Running gets a process, a process that exits
// reports its exit code, time and termination message back (the lifecycle then
// plays the exit: restart back-off, next init container, group phase), and a
// container the lifecycle stopped (delete, deadline, restart) gets SIGTERM, then
// SIGKILL after the group's grace period. A short tick drives it, because the
// lifecycle otherwise only advances when someone reads.
import type { Logger } from '../../shared/logger.ts';
import type { EmulatorCore } from '../core.ts';
import { isProcessBacked } from '../lifecycle/container-state.ts';
import { TERMINAL, type ContainerGroup, type ContainerRuntime } from '../model.ts';
import {
  commandStarted,
  exitCodeOf,
  launchContainer,
  lineSplitter,
  readPid,
  signalRun,
  specOf,
  terminationMessage,
  type Run,
} from './container-run.ts';
import { dueToStop } from '../priorities.ts';
import { HostBridge, reapStaleBridges, subnetFor } from './network.ts';
import { runHook, startProbes } from './container-checks.ts';
import { lifecycleHooks } from './hooks.ts';
import { guardProcessExit, unguardProcessExit } from './exit-guard.ts';
import { GroupSandbox, reapStaleGroupDirs } from './sandbox.ts';
import { isAlive } from './host-commands.ts';
import { pidsByNamespace, sampleContainer, usageFromSamples, type RealUsage } from './usage.ts';

const TICK_MS = 100;
const SAMPLE_MS = 1000;
/** Metric history kept per run: an hour at one sample a second. */
const MAX_SAMPLES = 3600;

const DEFAULT_GRACE_SECONDS = 30;

export class ProcessRuntime {
  private readonly sandboxes = new Map<string, GroupSandbox>();
  /** Group id → container name → its latest run. */
  private readonly runs = new Map<string, Map<string, Run>>();
  private readonly busy = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private runSeq = 0;
  private lastSample = 0;
  private closing = false;
  readonly core: EmulatorCore;
  readonly log: Logger;
  private readonly bridge: HostBridge;

  private constructor(core: EmulatorCore, log: Logger, bridge: HostBridge) {
    this.core = core;
    this.log = log;
    this.bridge = bridge;
  }

  /** Creates the host bridge; rejects (naming why) when the vSwitch CIDRs are taken. */
  static async start(core: EmulatorCore, log: Logger): Promise<ProcessRuntime> {
    const reaped = await reapStaleBridges();
    const dirs = reapStaleGroupDirs(isAlive);
    if (reaped.length + dirs.length > 0) {
      log.info({ bridges: reaped, dirs }, 'removed what emulators that died left behind');
    }
    const bridge = new HostBridge(core.opts.vSwitches);
    const conflict = await bridge.conflict();
    if (conflict) throw new Error(conflict);
    await bridge.create();
    const rt = new ProcessRuntime(core, log, bridge);
    rt.timer = setInterval(() => rt.tick(), TICK_MS);
    guardProcessExit(rt);
    return rt;
  }

  get bridgeName(): string {
    return this.bridge.name;
  }

  /** The host PID of a container's PID 1 while it runs. */
  containerPid(groupId: string, containerName: string): number | undefined {
    const run = this.runs.get(groupId)?.get(containerName);
    if (!run || run.done) return undefined;
    return run.hostPid ?? readPid(run);
  }

  private poked = false;

  /** Something changed: sync soon (once per turn of the event loop, however many changes). */
  poke(): void {
    if (this.poked || this.closing) return;
    this.poked = true;
    setImmediate(() => {
      this.poked = false;
      this.tick();
    });
  }

  private tick(): void {
    if (this.closing) return;
    const ids = new Set<string>(this.sandboxes.keys());
    for (const id of this.runs.keys()) ids.add(id);
    for (const [id, g] of Object.entries(this.core.state.groups)) {
      // A finished group without processes or sandbox needs nothing until readers purge it.
      if (g.runtime === 'process' && !(TERMINAL.has(g.status) && !this.runs.has(id))) ids.add(id);
    }
    for (const id of ids) void this.syncGroup(id);
    const now = this.core.now();
    if (now - this.lastSample >= SAMPLE_MS) {
      this.lastSample = now;
      this.sample(now);
    }
  }

  private sample(now: number): void {
    const live = this.allRuns().filter((r) => !r.done && readPid(r) !== undefined);
    if (live.length === 0) return;
    const byNs = pidsByNamespace();
    for (const r of live) {
      const s = sampleContainer(r.hostPid as number, byNs, now);
      if (!s) continue;
      r.samples.push(s);
      if (r.samples.length > MAX_SAMPLES) r.samples.splice(0, r.samples.length - MAX_SAMPLES);
    }
  }

  /** Real CPU and memory figures of a container's current run at time `t`, when sampled. */
  usage(
    g: ContainerGroup,
    c: ContainerRuntime,
    t: number,
    cores: number,
    memBytes: number,
  ): RealUsage | undefined {
    if (!isProcessBacked(g, c)) return undefined;
    const run = this.runs.get(g.id)?.get(c.name);
    const samples = run && run.startTime === c.current.startTime ? run.samples : [];
    // Not sampled yet: nothing measured, rather than modelled figures.
    return (
      usageFromSamples(samples, t, c.current.startTime ?? t, cores, memBytes) ??
      usageFromSamples([{ t, cpuNs: 0, rssBytes: 0 }], t, c.current.startTime ?? t, cores, memBytes)
    );
  }

  private liveRuns(groupId: string): Run[] {
    return [...(this.runs.get(groupId)?.values() ?? [])].filter((r) => !r.done);
  }

  private allRuns(): Run[] {
    return [...this.runs.values()].flatMap((m) => [...m.values()]);
  }

  private async syncGroup(id: string): Promise<void> {
    if (this.busy.has(id) || this.closing) return;
    this.busy.add(id);
    try {
      let g: ContainerGroup | undefined;
      try {
        g = this.core.group(id);
      } catch {
        g = undefined; // gone
      }
      if (!g) {
        for (const r of this.liveRuns(id)) this.stop(r, 0);
        if (this.liveRuns(id).length === 0) {
          await this.dropSandbox(id);
          this.runs.delete(id); // forget the runs (and their metric samples) with the group
        }
        return;
      }
      // An update that changed only file contents restarts nothing: write them where the
      // running containers see them (a no-op unless the request changed).
      this.sandboxes.get(id)?.refresh(g);
      const grace = g.request.TerminationGracePeriodSeconds ?? DEFAULT_GRACE_SECONDS;
      for (const c of [...g.initContainers, ...g.containers]) {
        if (!isProcessBacked(g, c)) continue;
        const run = this.runs.get(id)?.get(c.name);
        const running = c.current.state === 'Running';
        if (running && g.status !== 'Terminating' && (!run || run.startTime !== c.current.startTime)) {
          if (run && !run.done) this.stop(run, 0);
          await this.startRun(g, c);
        } else if (!running && run && !run.done) {
          this.stop(run, grace);
        } else if (run && c.launching && commandStarted(run)) {
          c.launching = undefined; // PID 1 has exec'd the container's command
          g.updatedAt = this.core.now();
          this.core.changed();
        }
      }
      // A deleted group's processes stop in ECI's exit order; readiness probes run until they exit.
      if (g.status === 'Terminating') {
        const group = g;
        const running = this.liveRuns(id).map((run) => ({
          name: run.containerName,
          spec: group.request.Container.find((s) => s.Name === run.containerName),
          run,
        }));
        for (const { run } of dueToStop(running)) this.stop(run, grace, true);
      }
      const live = this.liveRuns(id).length > 0;
      // Terminating lasts until the processes are gone (beginDelete allowed for the whole grace period).
      if (!live && g.status === 'Terminating') {
        g.phaseEndsAt = Math.min(g.phaseEndsAt ?? 0, this.core.now() + this.core.opts.timing.terminatingMs);
      }
      if (!live && (g.status === 'Terminating' || TERMINAL.has(g.status))) {
        await this.dropSandbox(id);
        if (TERMINAL.has(g.status)) this.runs.delete(id);
      }
    } finally {
      this.busy.delete(id);
    }
  }

  private async dropSandbox(id: string): Promise<void> {
    const box = this.sandboxes.get(id);
    if (!box) return;
    this.sandboxes.delete(id);
    await box
      .destroy()
      .catch((e: unknown) => this.log.warn({ err: e, groupId: id }, 'sandbox cleanup failed'));
  }

  private async sandboxFor(g: ContainerGroup): Promise<GroupSandbox> {
    const have = this.sandboxes.get(g.id);
    if (have) {
      have.refresh(g);
      return have;
    }
    const subnet = subnetFor(this.core.opts.vSwitches, g.intranetIp);
    if (!subnet) throw new Error(`IntranetIp ${g.intranetIp} is in no vSwitch CIDR`);
    const box = await GroupSandbox.create(g, this.bridge, subnet);
    this.sandboxes.set(g.id, box);
    return box;
  }

  private async startRun(g: ContainerGroup, c: ContainerRuntime): Promise<void> {
    const spec = specOf(g, c);
    const startTime = c.current.startTime ?? this.core.now();
    if (!spec) return;
    let box: GroupSandbox;
    try {
      box = await this.sandboxFor(g);
    } catch (e) {
      this.log.warn({ err: e, groupId: g.id }, 'process mode: group sandbox failed');
      this.reportExit(g.id, c.name, startTime, 128, `process mode: ${(e as Error).message}`);
      return;
    }
    const run = launchContainer(box, g, spec, c.name, startTime, ++this.runSeq);
    const ofGroup = this.runs.get(g.id) ?? new Map<string, Run>();
    ofGroup.set(c.name, run);
    this.runs.set(g.id, ofGroup);
    const child = run.child;
    const out = lineSplitter((line) => this.append(run, line));
    const err = lineSplitter((line) => this.append(run, line));
    child.stdout?.on('data', (d: Buffer) => out.write(d));
    child.stderr?.on('data', (d: Buffer) => err.write(d));
    if (!c.init) {
      run.stopProbes = startProbes(this, g, spec, run);
      const hooks = lifecycleHooks(spec);
      run.preStop = hooks.preStop;
      // A failed postStart hook kills the container, which the restart policy then handles.
      const postStart = hooks.postStart;
      if (postStart) {
        const grace = g.request.TerminationGracePeriodSeconds ?? DEFAULT_GRACE_SECONDS;
        void runHook(this, run, 'PostStart', postStart, 30_000).then((ok) => {
          if (!ok) this.stop(run, grace);
        });
      }
    }
    run.closed = new Promise<void>((resolve) => {
      child.once('error', (e) => {
        this.append(run, `process mode: ${e.message}`);
      });
      child.once('close', (code, signal) => {
        out.flush();
        err.flush();
        run.done = true;
        run.stopProbes?.();
        if (run.killTimer) clearTimeout(run.killTimer);
        this.onRunClosed(run, code, signal);
        resolve();
      });
    });
  }

  /** The container this run belongs to, while it is still that container's current run. */
  container(run: Run): ContainerRuntime | undefined {
    const g = this.core.state.groups[run.groupId];
    if (!g) return undefined;
    const c = [...g.initContainers, ...g.containers].find((x) => x.name === run.containerName);
    return c?.current.startTime === run.startTime ? c : undefined;
  }

  private append(run: Run, text: string): void {
    // unshare's own complaint when PID 1 is killed; not the container's output.
    if (text.startsWith('unshare: ')) return;
    const c = this.container(run);
    if (c) c.logs.push({ ts: this.core.now(), text });
  }

  private onRunClosed(run: Run, code: number | null, signal: NodeJS.Signals | null): void {
    const exitCode = exitCodeOf(run.killedWith, code, signal);
    const message = terminationMessage(run, exitCode, this.container(run)?.logs ?? []);
    this.reportExit(run.groupId, run.containerName, run.startTime, exitCode, message);
  }

  /** Hands a real exit to the lifecycle, which plays it on the next advance. */
  private reportExit(groupId: string, name: string, startTime: number, code: number, message: string): void {
    const g = this.core.state.groups[groupId];
    const c = g && [...g.initContainers, ...g.containers].find((x) => x.name === name);
    if (c && c.current.state === 'Running' && c.current.startTime === startTime) {
      c.exitAt = Math.max(this.core.now(), startTime);
      c.plannedExitCode = code;
      c.plannedMessage = message;
      this.core.changed();
    }
    if (!this.closing) setImmediate(() => void this.syncGroup(groupId));
  }

  /** preStop hook (if any) and SIGTERM, then SIGKILL once `graceSeconds` have passed since the start. */
  stop(run: Run, graceSeconds: number, keepReadiness = false): void {
    if (run.done || run.stopping) return;
    run.stopping = true;
    run.stopProbes?.(keepReadiness);
    if (graceSeconds <= 0) {
      signalRun(run, 'SIGKILL');
      return;
    }
    run.killTimer = setTimeout(() => signalRun(run, 'SIGKILL'), graceSeconds * 1000);
    const preStop = run.preStop;
    if (!preStop) {
      signalRun(run, 'SIGTERM');
      return;
    }
    void runHook(this, run, 'PreStop', preStop, graceSeconds * 1000).then(() => signalRun(run, 'SIGTERM'));
  }

  /** Kills every process and removes every namespace, veth, bridge and directory. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    if (this.timer) clearInterval(this.timer);
    unguardProcessExit(this);
    const runs = this.allRuns();
    for (const r of runs) {
      r.stopping = true;
      signalRun(r, 'SIGKILL');
    }
    await Promise.all(runs.map((r) => r.closed));
    await Promise.all([...this.sandboxes.keys()].map((id) => this.dropSandbox(id)));
    await this.bridge.destroy();
  }

  /** Last resort when the emulator's process exits without close(). */
  closeSync(): void {
    this.closing = true;
    if (this.timer) clearInterval(this.timer);
    for (const r of this.allRuns()) if (!r.done) r.child.kill('SIGKILL');
    for (const r of this.allRuns()) if (!r.done && r.hostPid) signalRun(r, 'SIGKILL');
    for (const box of this.sandboxes.values()) box.destroySync();
    this.bridge.destroySync();
  }
}
