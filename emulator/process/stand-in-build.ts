// Stand-ins that must be real executables, built once per machine into the cache and named by
// a hash of their recipe (an edit rebuilds them; nothing built is committed):
// - nnp, the nonewprivs image's setuid-root binary (the kernel ignores setuid on a script),
//   from stand-ins/nnp.go with the machine's Go (the control-plane build needs it anyway);
// - busybox-ash, upstream BusyBox's ash as the /bin/sh of the busybox-based images
//   (stand-ins/busybox-ash.sh says where its source comes from and why not Debian's binary).
// Process mode builds them when it starts (prepareStandIns); a container start only looks up
// what is there (builtStandIn).
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { Logger } from '../../shared/logger.ts';

const SOURCES = fileURLToPath(new URL('./stand-ins/', import.meta.url));
const BUILD_TIMEOUT_MS = 10 * 60_000;
/** A failed build is not tried again for this long (no network, no compiler: every start would wait). */
const RETRY_AFTER_FAILURE_MS = 60 * 60_000;

interface Recipe {
  /** The file in stand-ins/ whose content names the build. */
  source: string;
  /** Writes the executable to `out`, using `work` as scratch space. */
  build: (out: string, work: string) => Promise<void>;
  setuidRoot: boolean;
}

const RECIPES = {
  nnp: {
    source: 'nnp.go',
    build: (out) => run(goBinary(), ['build', '-trimpath', '-o', out, 'nnp.go'], { CGO_ENABLED: '0' }),
    setuidRoot: true,
  },
  'busybox-ash': {
    source: 'busybox-ash.sh',
    build: (out, work) => run('sh', [join(SOURCES, 'busybox-ash.sh'), out, work]),
    setuidRoot: false,
  },
} satisfies Record<string, Recipe>;

export type StandInName = keyof typeof RECIPES;

/** Pure: where built stand-ins live (beside the control plane's binaries, same override). */
export function standInDir(env: NodeJS.ProcessEnv, home: string): string {
  return join(env.ECI_VN_CACHE ?? join(home, '.cache', 'eci-virtual-node'), 'emulator-stand-ins');
}

/** Pure: the file name of a stand-in built from `recipe` (a new recipe, a new name). */
export function standInFile(name: string, recipe: string): string {
  return `${name}-${createHash('sha256').update(recipe).digest('hex').slice(0, 12)}`;
}

function goBinary(): string {
  const fallback = '/usr/local/go/bin/go';
  const onPath = (process.env.PATH ?? '').split(':').some((d) => d && existsSync(join(d, 'go')));
  return onPath || !existsSync(fallback) ? 'go' : fallback;
}

function run(cmd: string, args: string[], env: Record<string, string> = {}): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(
      cmd,
      args,
      { cwd: SOURCES, timeout: BUILD_TIMEOUT_MS, env: { ...process.env, GOTOOLCHAIN: 'local', ...env } },
      (err, _stdout, stderr) => {
        if (err) reject(new Error(`${cmd} ${args.join(' ')}: ${String(stderr).trim() || err.message}`));
        else resolve();
      },
    );
  });
}

function ageMs(path: string): number | undefined {
  try {
    return Date.now() - statSync(path).mtimeMs;
  } catch {
    return undefined;
  }
}

/**
 * The executable at `path`, built by `build` unless it is there. Under a lock directory, so
 * emulators starting side by side build once and share it; a failure is recorded beside it.
 */
export async function buildOnce(
  path: string,
  build: Recipe['build'],
  setuidRoot = false,
  retryAfterFailureMs = RETRY_AFTER_FAILURE_MS,
): Promise<string> {
  const failed = `${path}.failed`;
  const lock = `${path}.lock`;
  mkdirSync(dirname(path), { recursive: true, mode: 0o755 });
  for (;;) {
    if (existsSync(path)) return path;
    const failedAge = ageMs(failed);
    if (failedAge !== undefined && failedAge < retryAfterFailureMs) {
      throw new Error(
        `${readFileSync(failed, 'utf8')} (failed ${Math.round(failedAge / 60_000)} min ago; ${failed})`,
      );
    }
    try {
      mkdirSync(lock);
      break;
    } catch {
      // Another emulator is building it; a lock older than any build is a dead builder's.
      if ((ageMs(lock) ?? 0) > BUILD_TIMEOUT_MS) rmSync(lock, { recursive: true, force: true });
      else await sleep(200);
    }
  }
  const partial = `${path}.partial`;
  try {
    await build(partial, join(lock, 'work'));
    if (setuidRoot) {
      chownSync(partial, 0, 0);
      chmodSync(partial, 0o4755);
    }
    renameSync(partial, path);
    rmSync(failed, { force: true });
    return path;
  } catch (e) {
    writeFileSync(failed, (e as Error).message);
    throw e;
  } finally {
    rmSync(partial, { force: true });
    rmSync(lock, { recursive: true, force: true });
  }
}

function build(name: StandInName): Promise<string> {
  const recipe: Recipe = RECIPES[name];
  const source = readFileSync(join(SOURCES, recipe.source), 'utf8');
  const path = join(standInDir(process.env, homedir()), standInFile(name, source));
  return buildOnce(path, recipe.build, recipe.setuidRoot);
}

const ready = new Map<StandInName, string>();

/** Builds what is missing (minutes, once per machine); a stand-in that cannot be built is logged and left out. */
export async function prepareStandIns(log: Logger): Promise<void> {
  await Promise.all(
    (Object.keys(RECIPES) as StandInName[]).map(async (name) => {
      if (ready.has(name)) return;
      try {
        ready.set(name, await build(name));
      } catch (e) {
        log.warn({ standIn: name, err: (e as Error).message }, `process mode: stand-in ${name} unavailable`);
      }
    }),
  );
}

/** The stand-in's path once prepareStandIns has it. */
export function builtStandIn(name: StandInName): string | undefined {
  return ready.get(name);
}
