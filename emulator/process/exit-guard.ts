// Cleanup when the process hosting emulators ends without closing them: on
// 'exit', and on a fatal signal nobody else handles (then the process still dies
// of it). One set of handlers for every runtime in the process (tests run several).
const FATAL_SIGNALS = ['SIGTERM', 'SIGINT', 'SIGHUP'] as const;

export interface SyncClosable {
  closeSync(): void;
}

const guarded = new Set<SyncClosable>();
const closeAllSync = () => {
  for (const rt of guarded) rt.closeSync();
};
/**
 * A signal nobody else handles would end the process without 'exit' handlers:
 * clean up first, then die of the same signal.
 */
const onFatalSignal = (sig: NodeJS.Signals) => {
  if (process.listenerCount(sig) > 1) return; // the owner (e.g. emulator/main.ts) closes its emulator
  closeAllSync();
  guarded.clear();
  unhook();
  process.kill(process.pid, sig);
};
function unhook(): void {
  process.off('exit', closeAllSync);
  for (const sig of FATAL_SIGNALS) process.off(sig, onFatalSignal);
}
export function guardProcessExit(rt: SyncClosable): void {
  if (guarded.size === 0) {
    process.on('exit', closeAllSync);
    for (const sig of FATAL_SIGNALS) process.on(sig, onFatalSignal);
  }
  guarded.add(rt);
}
export function unguardProcessExit(rt: SyncClosable): void {
  if (guarded.delete(rt) && guarded.size === 0) unhook();
}
