// `npm run reconciler -- <flags>`: turns pods bound to the virtual nodes into ECI
// container groups. A configuration problem stops start-up with one clear line.
import { nodeNamesOf, parseReconcilerConfig, USAGE, wantsHelp } from './config.ts';
import { createLogger } from '../shared/logger.ts';
import { startReconciler } from './app.ts';
import { loadKubeConfig } from '../shared/kube.ts';
import { startDebugListener } from '../shared/debug-listener.ts';
import { checkReconcilerPermissions } from '../shared/permissions/reconciler.ts';

const argv = process.argv.slice(2);
if (wantsHelp(argv)) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
const parsed = parseReconcilerConfig(argv, process.env);
if (!parsed.ok) {
  console.error(`eci-reconciler: ${parsed.error}\n(see --help)`);
  process.exit(2);
}
const log = createLogger('eci-reconciler');
let handle: Awaited<ReturnType<typeof startReconciler>> | undefined;
let stopping = false;
// Installed before start-up: as PID 1 without an init, a SIGTERM that finds no handler is
// ignored, and a pod stopped during the permission check would wait out its grace period.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down');
    // Still starting: nothing is served yet, and Leases not renewed simply expire.
    if (!handle) process.exit(0);
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    void handle.stop().then(() => process.exit(0));
  });
}
try {
  // Missing RBAC is named in seconds, one line per permission (shared/permissions/).
  const kc = loadKubeConfig(parsed.config.kubeconfig);
  const nodeNames = nodeNamesOf(parsed.config);
  if (!(await checkReconcilerPermissions(kc, { ...parsed.config, nodeNames }))) process.exit(1);
  await startDebugListener(parsed.config, log);
  const started = await startReconciler(parsed.config, { log, kc });
  handle = started;
  // A signal that came while starting: stop what was just started.
  if (stopping) void started.stop().then(() => process.exit(0));
} catch (err) {
  // A StartupError's message is the one line for the operator; any other error's message too.
  console.error(`eci-reconciler: ${(err as Error).message}`);
  process.exit(1);
}
