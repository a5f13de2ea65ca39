// --state-file: state survives restarts. Writes are debounced and atomic
// (write a temp file, then rename over the old one).
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
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

export function loadState(path: string): EmulatorState {
  if (!existsSync(path)) return emptyState();
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
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify({ version: 1, state }));
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
