// The container simulation convention users and tests rely on (emulator/README.md):
// `sh -c '<script>'` (also /bin/sh, bash, ash) runs a script of `echo <text>`,
// `sleep <seconds>` and `exit <code>` joined by `;`, `&&` or newlines; a script
// without `exit` exits 0; any other command runs until the group is deleted.

export type Step =
  | { kind: 'echo'; text: string }
  | { kind: 'sleep'; seconds: number }
  | { kind: 'exit'; code: number }
  | { kind: 'forever' };

export interface LogLine {
  /** Offset from the container's start, ms. */
  atMs: number;
  text: string;
}

export interface RunPlan {
  lines: LogLine[];
  /** ms after start when the container exits; undefined = runs until deleted. */
  exitAfterMs?: number;
  exitCode: number;
}

const SHELLS = new Set(['sh', '/bin/sh', 'bash', '/bin/bash', 'ash', '/bin/ash', '/usr/bin/env sh']);

function unquote(text: string): string {
  const t = text.trim();
  if (t.length >= 2 && ((t.startsWith('"') && t.endsWith('"')) || (t.startsWith("'") && t.endsWith("'")))) {
    return t.slice(1, -1);
  }
  return t;
}

/** Splits a script on `;`, `&&` and newlines that are outside quotes. */
export function splitScript(script: string): string[] {
  const parts: string[] = [];
  let cur = '';
  let quote: string | undefined;
  for (let i = 0; i < script.length; i++) {
    const ch = script[i] as string;
    if (quote) {
      if (ch === quote) quote = undefined;
      cur += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      cur += ch;
    } else if (ch === ';' || ch === '\n') {
      parts.push(cur);
      cur = '';
    } else if (ch === '&' && script[i + 1] === '&') {
      parts.push(cur);
      cur = '';
      i++;
    } else {
      cur += ch;
    }
  }
  parts.push(cur);
  return parts.map((p) => p.trim()).filter((p) => p.length > 0);
}

export function parseStatement(stmt: string): Step {
  const m = /^(\S+)\s*(.*)$/s.exec(stmt);
  const cmd = m?.[1] ?? '';
  const rest = m?.[2] ?? '';
  if (cmd === 'echo') return { kind: 'echo', text: unquote(rest) };
  if (cmd === 'true' || cmd === ':') return { kind: 'echo', text: '' };
  if (cmd === 'sleep') {
    const s = Number(unquote(rest));
    return Number.isFinite(s) && s >= 0 ? { kind: 'sleep', seconds: s } : { kind: 'forever' };
  }
  if (cmd === 'exit') {
    const arg = unquote(rest);
    const c = arg === '' ? 0 : Number(arg);
    return { kind: 'exit', code: Number.isInteger(c) ? ((c % 256) + 256) % 256 : 2 };
  }
  if (cmd === 'false') return { kind: 'exit', code: 1 };
  return { kind: 'forever' };
}

/** The program a container runs, from its Command and Arg lists. */
export function programOf(command: readonly string[], args: readonly string[]): Step[] {
  const argv = [...command, ...args];
  const [first, second, ...rest] = argv;
  if (first !== undefined && SHELLS.has(first) && second === '-c' && rest.length > 0) {
    return splitScript(rest[0] ?? '').map(parseStatement);
  }
  if (first === 'echo') return [{ kind: 'echo', text: argv.slice(1).join(' ') }];
  if (first === 'sleep') return [parseStatement(argv.join(' '))];
  if (first === 'true') return [];
  if (first === 'false') return [{ kind: 'exit', code: 1 }];
  // No command (image default) or anything else: a long-running server.
  return [{ kind: 'forever' }];
}

/** Plays a program forward: when each line is printed and when (and how) it exits. */
export function planRun(steps: readonly Step[], sleepScale: number): RunPlan {
  let t = 0;
  const lines: LogLine[] = [];
  for (const step of steps) {
    switch (step.kind) {
      case 'echo':
        if (step.text !== '') lines.push({ atMs: t, text: step.text });
        break;
      case 'sleep':
        t += Math.round(step.seconds * 1000 * sleepScale);
        break;
      case 'exit':
        return { lines, exitAfterMs: t, exitCode: step.code };
      case 'forever':
        return { lines, exitCode: 0 };
    }
  }
  return { lines, exitAfterMs: t, exitCode: 0 };
}
