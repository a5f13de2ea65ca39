// CLI: npm run emulator -- --listen 127.0.0.1:0 [--access-key-id ..] [--access-key-secret ..]
//   [--region cn-hangzhou] [--zones a,b] [--vswitch ID=ZONE[:CIDR]]... [--security-group ID]...
//   [--vpc ID] [--config emulator.json] [--state-file state.json] [--tls-cert F --tls-key F]
//   [--no-quotas] [--log-level warn] [--containers simulation|process|auto]
// Prints exactly one line `eci-emulator listening on http://HOST:PORT` when ready.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { parseFlags, PARSE_ARGS_OPTIONS, toEmulatorInput } from './cli.ts';
import { startEmulator } from './index.ts';
import type { EmulatorInput } from './options.ts';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: PARSE_ARGS_OPTIONS, strict: true });
  const flags = parseFlags(values);
  const fromFile = flags.config ? (JSON.parse(readFileSync(flags.config, 'utf8')) as EmulatorInput) : {};
  const emu = await startEmulator(
    toEmulatorInput(flags, process.env, fromFile, (path) => readFileSync(path, 'utf8')),
  );
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
