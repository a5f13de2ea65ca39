// DeleteContainerGroup's Force (ECI: clean up without waiting for the graceful termination),
// through the action handler on a fake clock. The process runtime is stood in for by the one
// thing the handler asks of it, the PID of a container's PID 1: here a real `sleep` process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createLogger } from '../../../shared/logger.ts';
import { EmulatorCore } from '../../../emulator/core.ts';
import { resolveOptions } from '../../../emulator/options.ts';
import { containerGroupActions } from '../../../emulator/actions/container-groups.ts';
import { ApiError } from '../../../emulator/errors.ts';
import type { ProcessRuntime } from '../../../emulator/process/runtime.ts';

const T0 = Date.parse('2026-11-30T18:00:00Z');
const timing = { schedulingMs: 100, pendingMs: 200, terminatingMs: 50 };

function setup() {
  let now = T0;
  const core = new EmulatorCore(
    resolveOptions({ timing }),
    createLogger('test', { level: 'silent' }),
    () => now,
  );
  const sleepers = new Map<string, ChildProcess>();
  // Groups created now are process-backed; each container's "PID 1" is a real sleep.
  core.processes = {
    poke() {},
    containerPid(_id: string, name: string) {
      let child = sleepers.get(name);
      if (!child) {
        child = spawn('sleep', ['60'], { stdio: 'ignore' });
        sleepers.set(name, child);
      }
      return child.exitCode === null && child.signalCode === null ? child.pid : undefined;
    },
  } as unknown as ProcessRuntime;
  const call = (action: string, params: Record<string, string>) =>
    containerGroupActions[action]!(core, params, { requestId: 'r', host: '127.0.0.1:1', tls: false });
  const id = String(
    call('CreateContainerGroup', {
      ContainerGroupName: 'grp',
      SecurityGroupId: 'sg-emu',
      VSwitchId: 'vsw-emu-h',
      TerminationGracePeriodSeconds: '100',
      'Container.1.Name': 'c',
      'Container.1.Image': 'busybox',
      'Container.1.Command.1': 'sleep',
      'Container.1.Arg.1': '3600',
    }).ContainerGroupId,
  );
  now = T0 + 1000;
  const sleeper = () => {
    core.processes!.containerPid(id, 'c');
    return sleepers.get('c')!;
  };
  const ended = (child: ChildProcess) =>
    new Promise<string | null>((resolve) =>
      child.exitCode !== null || child.signalCode !== null
        ? resolve(child.signalCode)
        : child.once('exit', (_code, signal) => resolve(signal)),
    );
  return { core, call, id, sleeper, ended, kill: () => sleepers.forEach((c) => c.kill('SIGKILL')) };
}

test('a plain delete leaves a process-backed container running for its grace period (preStop, SIGTERM)', async (t) => {
  const s = setup();
  t.after(s.kill);
  const child = s.sleeper();
  assert.equal(s.core.group(s.id).containers[0]?.current.state, 'Running');
  s.call('DeleteContainerGroup', { ContainerGroupId: s.id });
  assert.equal(s.core.group(s.id).status, 'Terminating');
  assert.equal(
    s.core.group(s.id).containers[0]?.current.state,
    'Running',
    'the runtime stops it in its own time',
  );
  assert.equal(child.signalCode, null);
  assert.equal(child.exitCode, null);
});

test('Force kills what still runs at once, also after a plain delete already has the group Terminating', async (t) => {
  for (const first of ['plain', 'none'] as const) {
    const s = setup();
    t.after(s.kill);
    const child = s.sleeper();
    if (first === 'plain') s.call('DeleteContainerGroup', { ContainerGroupId: s.id });
    s.call('DeleteContainerGroup', { ContainerGroupId: s.id, Force: 'true' });
    assert.equal(await s.ended(child), 'SIGKILL', first);
    assert.equal(s.core.group(s.id).status, 'Terminating', first);
  }
});

test('Force=false is a plain delete; a Force that is not a boolean is refused naming the field', (t) => {
  const s = setup();
  t.after(s.kill);
  const child = s.sleeper();
  s.call('DeleteContainerGroup', { ContainerGroupId: s.id, Force: 'false' });
  assert.equal(child.signalCode, null);
  assert.throws(
    () => s.call('DeleteContainerGroup', { ContainerGroupId: s.id, Force: 'yes' }),
    (e: unknown) => e instanceof ApiError && /Force/.test(e.message),
  );
});

test('a container under unshare (process mode) is killed through it, so its exit reads as a kill', async (t) => {
  // As process mode starts a container (process/container-run.ts): setpriv execs unshare, which forks PID 1.
  const unshare = spawn(
    'setpriv',
    ['--pdeathsig', 'KILL', '--', 'unshare', '-p', '-f', '--kill-child', '--', 'sleep', '60'],
    {
      stdio: 'ignore',
    },
  );
  t.after(() => unshare.kill('SIGKILL'));
  const pid1 = await new Promise<number | undefined>((resolve) => {
    const look = (tries: number) => {
      let children = '';
      try {
        children = readFileSync(`/proc/${unshare.pid}/task/${unshare.pid}/children`, 'utf8').trim();
      } catch {
        // not there yet, or unshare failed
      }
      if (children) resolve(Number(children.split(' ')[0]));
      else if (tries > 0 && unshare.exitCode === null) setTimeout(() => look(tries - 1), 50);
      else resolve(undefined);
    };
    look(40);
  });
  if (pid1 === undefined) return t.skip('unshare -p needs root');
  const s = setup();
  t.after(s.kill);
  s.core.processes = { poke() {}, containerPid: () => pid1 } as unknown as ProcessRuntime;
  s.call('DeleteContainerGroup', { ContainerGroupId: s.id, Force: 'true' });
  assert.equal(await s.ended(unshare), 'SIGKILL', 'unshare itself was killed (the runtime reads 137)');
});
