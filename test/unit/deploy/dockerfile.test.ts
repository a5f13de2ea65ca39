// The image, without a container engine (none on these machines): the Dockerfile is parsed,
// checked for what issue 15 asks (multi-stage, Node 24 pinned by tag, production dependencies
// only, numeric non-root user, no init process), and then run as the image would run it: the
// files it COPYs laid out in a temporary WORKDIR with only the production packages of the
// lockfile, its ENV, as its USER (when this test runs as root), with the very commands the
// manifests in deploy/ give the containers. Not exercised: the base image itself, `npm ci`
// inside it, and the kernel's read-only root (the app directory is merely not writable here).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  cpSync,
  existsSync,
  linkSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
} from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadManifests, one } from './load.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

interface Instruction {
  op: string;
  args: string;
}

/** Pure: Dockerfile text → instructions (continuations joined, comments and blank lines dropped). */
function parseDockerfile(text: string): Instruction[] {
  const out: Instruction[] = [];
  let pending = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (pending === '' && (line === '' || line.startsWith('#'))) continue;
    if (line.startsWith('#')) continue; // a comment inside a continuation
    if (line.endsWith('\\')) {
      pending += line.slice(0, -1) + ' ';
      continue;
    }
    const full = (pending + line).trim();
    pending = '';
    const match = /^(\S+)\s+(.*)$/.exec(full);
    assert.ok(match, `not an instruction: ${full}`);
    out.push({ op: match[1]!.toUpperCase(), args: match[2]! });
  }
  return out;
}

/** The stages: each FROM and the instructions up to the next one, ARGs before the first resolved. */
function stagesOf(instructions: Instruction[]) {
  const globalArgs: Record<string, string> = {};
  const stages: { image: string; name?: string; body: Instruction[] }[] = [];
  for (const i of instructions) {
    if (i.op === 'ARG' && stages.length === 0) {
      const [key, value = ''] = i.args.split('=');
      globalArgs[key!] = value;
    } else if (i.op === 'FROM') {
      const [image, as, name] = i.args.split(/\s+/);
      const resolved = image!.replace(/\$\{(\w+)\}|\$(\w+)/g, (_, a, b) => globalArgs[a ?? b] ?? '');
      stages.push({ image: resolved, name: as?.toUpperCase() === 'AS' ? name : undefined, body: [] });
    } else stages.at(-1)?.body.push(i);
  }
  return stages;
}

const execForm = (args: string): string[] => JSON.parse(args) as string[];

/** ENV k=v [k=v...] → pairs. */
function envOf(args: string): Record<string, string> {
  return Object.fromEntries([...args.matchAll(/(\w+)=(\S+)/g)].map((m) => [m[1]!, m[2]!]));
}

/** Every repository file the entry points load (static and dynamic relative imports), and every package. */
function importClosure(entries: string[]): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const queue = entries.map((e) => resolve(ROOT, e));
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (files.has(file)) continue;
    files.add(file);
    const source = readFileSync(file, 'utf8');
    for (const m of source.matchAll(/(?:\bfrom\s+|\bimport\s*\(\s*|\bimport\s+)'([^']+)'/g)) {
      const spec = m[1]!;
      if (spec.startsWith('.')) queue.push(resolve(dirname(file), spec));
      else if (!spec.startsWith('node:') && !builtinModules.includes(spec))
        packages.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!);
    }
  }
  return { files, packages };
}

const dockerfile = parseDockerfile(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'));
const stages = stagesOf(dockerfile);
const final = stages.at(-1)!;
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};
/** The commands deploy/ gives the two containers. */
const commands = {
  webhook: one(loadManifests('webhook/deployment.yaml'), 'Deployment').spec.template.spec.containers[0]
    .command as string[],
  reconciler: one(loadManifests('reconciler/statefulset.yaml'), 'StatefulSet').spec.template.spec
    .containers[0].command as string[],
};

describe('Dockerfile', () => {
  test('multi-stage, every stage on the official Node 24 slim image pinned by tag, the same as package.json', () => {
    assert.ok(stages.length >= 2, 'a build stage and a runtime stage');
    const nodeVersion = pkg.devDependencies.node!;
    for (const s of stages) assert.equal(s.image, `node:${nodeVersion}-bookworm-slim`);
    assert.match(nodeVersion, /^24\.\d+\.\d+$/);
  });

  test('the build stage installs production dependencies only, from the lockfile', () => {
    const runs = stages[0]!.body.filter((i) => i.op === 'RUN').map((i) => i.args);
    assert.ok(
      runs.some((r) => /\bnpm ci\b.*--omit=dev/.test(r)),
      runs.join('\n'),
    );
    assert.ok(
      final.body.some(
        (i) => i.op === 'COPY' && i.args === `--from=${stages[0]!.name} /app/node_modules ./node_modules`,
      ),
    );
    assert.ok(!final.body.some((i) => i.op === 'RUN'), 'nothing is installed in the runtime stage');
  });

  test('runs as a numeric non-root user, with node itself as PID 1 (no tini)', () => {
    const users = final.body.filter((i) => i.op === 'USER').map((i) => i.args);
    assert.equal(users.length, 1);
    assert.match(users[0]!, /^[1-9]\d*(:[1-9]\d*)?$/);
    assert.deepEqual(execForm(final.body.find((i) => i.op === 'ENTRYPOINT')!.args), ['node']);
    assert.doesNotMatch(JSON.stringify(dockerfile), /tini|dumb-init/);
  });

  test('every file the two programs load is copied, and every package they import is a production dependency', () => {
    const copied = final.body
      .filter((i) => i.op === 'COPY' && !i.args.startsWith('--from'))
      .flatMap((i) => i.args.split(/\s+/).slice(0, -1));
    const { files, packages } = importClosure([commands.webhook[1]!, commands.reconciler[1]!]);
    const uncovered = [...files]
      .map((f) => relative(ROOT, f))
      .filter((f) => !copied.some((c) => f === c || f.startsWith(`${c}/`)));
    assert.deepEqual(uncovered, [], 'loaded but not in the image');
    const notProduction = [...packages].filter((p) => !(p in pkg.dependencies));
    assert.deepEqual(notProduction, [], 'imported but not in dependencies');
    const dockerignore = readFileSync(join(ROOT, '.dockerignore'), 'utf8');
    for (const c of copied)
      assert.match(dockerignore, new RegExp(`^!${c}/?$`, 'm'), `${c} is in the context`);
  });
});

describe('the image, as it runs', () => {
  let root: string;
  let workdir: string;
  /** This Node 24, placed where the image user can reach it whatever the repository's path. */
  let nodeBinary: string;

  before(() => {
    root = mkdtempSync(join(tmpdir(), 'eci-vn-image-'));
    chmodSync(root, 0o755);
    nodeBinary = join(root, 'usr', 'local', 'bin', 'node');
    mkdirSync(dirname(nodeBinary), { recursive: true });
    try {
      linkSync(process.execPath, nodeBinary);
    } catch {
      copyFileSync(process.execPath, nodeBinary);
      chmodSync(nodeBinary, 0o755);
    }
    workdir = join(root, final.body.findLast((i) => i.op === 'WORKDIR')!.args);
    mkdirSync(workdir, { recursive: true });
    for (const i of final.body.filter((x) => x.op === 'COPY' && !x.args.startsWith('--from'))) {
      const parts = i.args.split(/\s+/);
      const dest = parts.pop()!;
      for (const src of parts)
        cpSync(join(ROOT, src), join(workdir, dest.endsWith('/') ? src : dest), { recursive: true });
    }
    // node_modules as `npm ci --omit=dev` leaves it: the lockfile's packages not marked dev
    // (hard links where possible: the same bytes, but resolution can only find what is in this tree).
    const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { dev?: boolean }>;
    };
    for (const [path, entry] of Object.entries(lock.packages)) {
      if (path === '' || entry.dev || /node_modules\/.*node_modules\//.test(path)) continue;
      mkdirSync(dirname(join(workdir, path)), { recursive: true });
      try {
        execFileSync('cp', ['-al', join(ROOT, path), join(workdir, path)], { stdio: 'ignore' });
      } catch {
        // Another filesystem than the repository's: copy instead of linking.
        rmSync(join(workdir, path), { recursive: true, force: true });
        execFileSync('cp', ['-a', join(ROOT, path), join(workdir, path)]);
      }
    }
    assert.ok(!existsSync(join(workdir, 'node_modules', 'typescript')), 'no dev dependency');
  });

  after(() => rmSync(root, { recursive: true, force: true }));

  const user = () =>
    final.body
      .find((i) => i.op === 'USER')!
      .args.split(':')
      .map(Number);
  const run = (command: string[]) => {
    assert.equal(command[0], 'node');
    const [uid, gid = uid] = user();
    const asImageUser = process.getuid?.() === 0;
    return spawnSync(nodeBinary, command.slice(1), {
      cwd: workdir,
      encoding: 'utf8',
      timeout: 60_000,
      env: Object.assign(
        { PATH: '/usr/local/bin:/usr/bin:/bin' },
        ...final.body.filter((i) => i.op === 'ENV').map((i) => envOf(i.args)),
      ),
      ...(asImageUser ? { uid, gid } : {}),
    });
  };

  for (const program of ['webhook', 'reconciler'] as const) {
    test(`${program}: the manifest's command starts from the image's files with production packages only`, () => {
      const r = run([...commands[program], '--help']);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, new RegExp(`node ${program}/main\\.ts`));
    });
  }

  test(
    'the image user cannot write to the application directory (it runs on a read-only root)',
    { skip: process.getuid?.() !== 0 && 'needs root to switch to the image user' },
    () => {
      const r = run(['node', '-e', "require('node:fs').writeFileSync('x', '')"]);
      assert.notEqual(r.status, 0);
      assert.match(r.stderr, /EACCES/);
      assert.ok(readdirSync(workdir).every((f) => f !== 'x'));
    },
  );

  test('the default command prints the reconciler usage', () => {
    const cmd = execForm(final.body.find((i) => i.op === 'CMD')!.args);
    const r = run(['node', ...cmd]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /node reconciler\/main\.ts/);
  });
});
