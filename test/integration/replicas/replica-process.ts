// One reconciler replica as a child process, so the test can kill -9 it for real. Flags as
// the reconciler's own (argv), credentials from the environment. Prints one line
// `ready <health url>` once started; SIGTERM stops it gracefully (its nodes handed over).
import { parseReconcilerConfig } from '../../../reconciler/config.ts';
import { startReconciler } from '../../../reconciler/app.ts';
import { createLogger } from '../../../shared/logger.ts';

const parsed = parseReconcilerConfig(process.argv.slice(2), process.env);
if (!parsed.ok) {
  console.error(parsed.error);
  process.exit(2);
}
const log = createLogger(`replica-${parsed.config.replicaId}`, { level: process.env.LOG_LEVEL ?? 'warn' });
const handle = await startReconciler(parsed.config, { log });
console.log(`ready ${handle.healthUrl}`);
process.once('SIGTERM', () => {
  void handle.stop().then(() => process.exit(0));
});
