// Runs the integration tests against one real control plane for the whole run,
// and stops every process of it afterwards, also on failure or Ctrl-C.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { startControlPlane } from '../test/harness/control-plane.ts';
import { ENV } from '../test/harness/shared.ts';

const patterns = process.argv.slice(2);
const files = patterns.length > 0 ? patterns : ['test/integration/**/*.test.ts'];

const started = Date.now();
const cp = await startControlPlane();
console.error(`control plane ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
const caFile = join(cp.dir, 'ca.crt');
writeFileSync(caFile, cp.caPem);

const child = spawn(
  process.execPath,
  ['--test', '--test-concurrency=1', '--test-reporter=spec', '--test-timeout=600000', ...files],
  {
    stdio: 'inherit',
    env: {
      ...process.env,
      [ENV.kubeconfig]: cp.kubeconfigPath,
      [ENV.caFile]: caFile,
      [ENV.kubectl]: cp.kubectlPath,
    },
  },
);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.removeAllListeners(signal);
  process.on(signal, () => child.kill(signal));
}
const code = await new Promise<number>((resolve) => child.on('exit', (c, s) => resolve(c ?? (s ? 1 : 0))));
await cp.stop();
process.exit(code);
