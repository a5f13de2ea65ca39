// Runs a process-mode container's probes like ECI's kubelet: startup first,
// then liveness and readiness, each on its own period. Readiness drives the
// container's Ready flag; a liveness (or startup) failure past its threshold
// asks the runtime to kill the container, which the restart policy then restarts.
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { environOf, identityOf, nsenterArgs } from './exec.ts';
import { newTracker, probeSettings, record, type ProbeSpecLike } from './probe-tracker.ts';
import { httpGet, type HttpGetMode } from './http-get.ts';

export interface ProbeSpec extends ProbeSpecLike {
  Exec?: { Command?: string[] | undefined } | undefined;
  HttpGet?:
    | {
        Path?: string | undefined;
        Port?: number | undefined;
        Scheme?: string | undefined;
        Host?: string | undefined;
      }
    | undefined;
  TcpSocket?: { Port?: number | undefined; Host?: string | undefined } | undefined;
}

export interface ProbeHooks {
  ip: string;
  pid(): number | undefined;
  setReady(ready: boolean): void;
  /** kind: 'Liveness' | 'Startup'; the container must be killed and restarted. */
  kill(kind: string, message: string): void;
  event(type: 'Normal' | 'Warning', reason: string, message: string): void;
}

/** `warning`: passed, with the kubelet's ProbeWarning (a redirect to another host). */
type Result = { ok: boolean; message: string; warning?: string | undefined };

function execProbe(pid: number | undefined, command: string[], timeoutMs: number): Promise<Result> {
  if (!pid) return Promise.resolve({ ok: false, message: 'container not running' });
  return new Promise((resolve) => {
    const child = spawn('nsenter', nsenterArgs(pid, environOf(pid), command, identityOf(pid)), {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({
        ok: code === 0,
        message: code === 0 ? '' : out.trim() || `command exited ${code ?? 'on timeout'}`,
      });
    });
    child.once('error', (e) => resolve({ ok: false, message: e.message }));
  });
}

function tcpProbe(ip: string, port: number, timeoutMs: number): Promise<Result> {
  return new Promise((resolve) => {
    const sock = connect({ host: ip, port, timeout: timeoutMs });
    sock.once('connect', () => {
      sock.destroy();
      resolve({ ok: true, message: '' });
    });
    const fail = (why: string) => {
      sock.destroy();
      resolve({ ok: false, message: `dial tcp ${ip}:${port}: ${why}` });
    };
    sock.once('timeout', () => fail('i/o timeout'));
    sock.once('error', (e) => fail(e.message));
  });
}

/** Runs a probe's (or a lifecycle hook's) action once against the container. */
export function check(
  p: ProbeSpec,
  target: { ip: string; pid(): number | undefined },
  timeoutMs: number,
  mode: HttpGetMode = 'probe',
): Promise<Result> {
  if (p.Exec?.Command?.length) return execProbe(target.pid(), p.Exec.Command, timeoutMs);
  if (p.HttpGet?.Port) {
    const scheme = (p.HttpGet.Scheme ?? 'HTTP').toLowerCase();
    const path = p.HttpGet.Path ?? '/';
    const host = p.HttpGet.Host || target.ip;
    return httpGet(
      `${scheme}://${host}:${p.HttpGet.Port}${path.startsWith('/') ? path : `/${path}`}`,
      mode,
      timeoutMs,
    );
  }
  if (p.TcpSocket?.Port) return tcpProbe(p.TcpSocket.Host || target.ip, p.TcpSocket.Port, timeoutMs);
  return Promise.resolve({ ok: true, message: '' });
}

/**
 * Starts the probes; returns the function that stops them: all of them, or with `keepReadiness`
 * all but readiness, which the kubelet keeps running while a deleted container stops.
 */
export function runProbes(
  probes: {
    startup?: ProbeSpec | undefined;
    liveness?: ProbeSpec | undefined;
    readiness?: ProbeSpec | undefined;
  },
  hooks: ProbeHooks,
): (keepReadiness?: boolean) => void {
  const timers = new Map<NodeJS.Timeout, string>();
  let stopped = false;
  let onlyReadiness = false;
  let started = probes.startup === undefined;
  const loop = (kind: 'Startup' | 'Liveness' | 'Readiness', spec: ProbeSpec) => {
    const s = probeSettings(spec);
    const tracker = newTracker();
    if (kind === 'Liveness') tracker.passing = true; // alive until proven otherwise
    const off = () => stopped || (onlyReadiness && kind !== 'Readiness');
    const once = async () => {
      if (off()) return;
      if (kind !== 'Startup' && !started) return schedule(s.periodMs);
      // The kubelet probes a started container: wait until PID 1 is known.
      if (hooks.pid() === undefined) return schedule(50);
      const r = await check(spec, hooks, s.timeoutMs);
      if (off()) return;
      const change = record(tracker, r.ok, s);
      if (!r.ok) hooks.event('Warning', 'Unhealthy', `${kind} probe failed: ${r.message}`);
      if (r.warning) hooks.event('Warning', 'ProbeWarning', `${kind} probe warning: ${r.warning}`);
      if (kind === 'Readiness' && change) hooks.setReady(change === 'passed');
      if (kind === 'Startup' && change === 'passed') {
        started = true;
        return; // a startup probe stops once it passes
      }
      if ((kind === 'Liveness' || kind === 'Startup') && change === 'failed') {
        hooks.kill(kind, r.message);
        return;
      }
      schedule(s.periodMs);
    };
    const schedule = (ms: number) => {
      const t = setTimeout(() => {
        timers.delete(t);
        void once();
      }, ms);
      timers.set(t, kind);
    };
    schedule(s.initialDelayMs);
  };
  if (probes.startup) loop('Startup', probes.startup);
  if (probes.liveness) loop('Liveness', probes.liveness);
  if (probes.readiness) loop('Readiness', probes.readiness);
  return (keepReadiness = false) => {
    if (keepReadiness) onlyReadiness = true;
    else stopped = true;
    for (const [t, kind] of timers) {
      if (keepReadiness && kind === 'Readiness') continue;
      clearTimeout(t);
      timers.delete(t);
    }
  };
}
