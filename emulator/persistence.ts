// --state-file: state survives restarts. Writes are debounced and atomic
// (write a temp file, then rename over the old one). The state holds every stored
// request, secrets included, so the file is the owner's alone (0600), created
// exclusively (no following a planted temp file or symlink), and a directory the
// emulator creates for it is 0700.
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import { emptyState, type EmulatorState } from './model.ts';

const fileSchema = z.object({
  version: z.literal(1),
  state: z.object({
    groups: z.record(z.string(), z.unknown()),
    clientTokens: z.record(z.string(), z.unknown()),
    imageCaches: z.record(z.string(), z.unknown()),
    pvtzZones: z.record(z.string(), z.unknown()),
    ipCursor: z.record(z.string(), z.number()),
    nextRecordId: z.number(),
  }),
});

const STATE_FILE_MODE = 0o600;
const STATE_DIR_MODE = 0o700;

/** A file left readable by an older version is tightened; one owned by someone else is only read. */
function tighten(path: string): void {
  try {
    chmodSync(path, STATE_FILE_MODE);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') throw err;
  }
}

export function loadState(path: string): EmulatorState {
  if (!existsSync(path)) return emptyState();
  tighten(path);
  const parsed = fileSchema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(
      `state file ${path} is not valid at ${issue?.path.join('.') ?? ''}: ${issue?.message ?? ''}`,
    );
  }
  // The file was written by this emulator from the same types.
  return parsed.data.state as unknown as EmulatorState;
}

export function writeStateAtomically(path: string, state: EmulatorState): void {
  mkdirSync(dirname(path), { recursive: true, mode: STATE_DIR_MODE });
  const tmp = `${path}.${process.pid}.tmp`;
  // A leftover temp file (a crash, or planted) is removed, never written through.
  rmSync(tmp, { force: true });
  writeFileSync(tmp, JSON.stringify({ version: 1, state }), { mode: STATE_FILE_MODE, flag: 'wx' });
  renameSync(tmp, path);
}

export class StateWriter {
  private timer: NodeJS.Timeout | undefined;
  private readonly path: string;
  private readonly get: () => EmulatorState;
  constructor(path: string, get: () => EmulatorState) {
    this.path = path;
    this.get = get;
  }
  schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => this.flush(), 100);
  }
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    writeStateAtomically(this.path, this.get());
  }
}
