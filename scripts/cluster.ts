// `make cluster`: the test control plane in the foreground, for a person.
import { startControlPlane } from '../test/harness/control-plane.ts';

const cp = await startControlPlane();
console.log(`kubeconfig: ${cp.kubeconfigPath}`);
console.log(`try:        ${cp.kubectlPath} --kubeconfig ${cp.kubeconfigPath} get nodes`);
console.log('Ctrl-C stops the control plane and removes its files.');
const shutdown = async () => {
  console.log('stopping control plane...');
  await cp.stop();
  process.exit(0);
};
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.removeAllListeners(signal);
  process.once(signal, () => void shutdown());
}
setInterval(() => {}, 1 << 30);
