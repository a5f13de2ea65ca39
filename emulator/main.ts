// CLI: npm run emulator -- --listen 127.0.0.1:0 [--access-key-id ..] [--access-key-secret ..]
//   [--region cn-hangzhou] [--config emulator.json] [--state-file state.json] [--no-quotas]
// Prints exactly one line `eci-emulator listening on http://HOST:PORT` when ready.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { startEmulator } from './index.ts';
import type { EmulatorInput } from './options.ts';

const flagsSchema = z.object({
  listen: z
    .string()
    .regex(/^[^:]+:\d{1,5}$/, '--listen must be HOST:PORT, e.g. 127.0.0.1:0')
    .default('127.0.0.1:0'),
  'access-key-id': z.string().min(1, '--access-key-id must not be empty').optional(),
  'access-key-secret': z.string().min(1, '--access-key-secret must not be empty').optional(),
  region: z.string().min(1).optional(),
  config: z.string().min(1).optional(),
  'state-file': z.string().min(1).optional(),
  'no-quotas': z.boolean().optional(),
  'log-level': z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).optional(),
});

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      listen: { type: 'string' },
      'access-key-id': { type: 'string' },
      'access-key-secret': { type: 'string' },
      region: { type: 'string' },
      config: { type: 'string' },
      'state-file': { type: 'string' },
      'no-quotas': { type: 'boolean' },
      'log-level': { type: 'string' },
    },
    strict: true,
  });
  const parsed = flagsSchema.safeParse(values);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`invalid flag --${issue?.path.join('.') ?? ''}: ${issue?.message ?? ''}`);
  }
  const f = parsed.data;
  const [host, port] = f.listen.split(':') as [string, string];
  // A JSON config file may carry any option (zones, vSwitches, securityGroups, timing…); flags win.
  const fromFile: EmulatorInput = f.config
    ? (JSON.parse(readFileSync(f.config, 'utf8')) as EmulatorInput)
    : {};
  const input: EmulatorInput = {
    ...fromFile,
    host,
    port: Number(port),
    accessKeyId: f['access-key-id'] ?? process.env.ALIBABA_CLOUD_ACCESS_KEY_ID ?? fromFile.accessKeyId,
    accessKeySecret:
      f['access-key-secret'] ?? process.env.ALIBABA_CLOUD_ACCESS_KEY_SECRET ?? fromFile.accessKeySecret,
    regionId: f.region ?? fromFile.regionId,
    stateFile: f['state-file'] ?? fromFile.stateFile,
    quotas: f['no-quotas'] ? false : fromFile.quotas,
    logLevel: f['log-level'] ?? fromFile.logLevel ?? 'warn',
  };
  const emu = await startEmulator(input);
  process.stdout.write(`eci-emulator listening on ${emu.url}\n`);
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    emu.close().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(err);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
