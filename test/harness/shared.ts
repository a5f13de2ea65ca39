// The one control plane of a test run. scripts/test-integration.ts starts it once
// and passes it to the test processes through the environment; a test file run on
// its own starts a private one (stopped when that process exits).
import { readFileSync } from 'node:fs';
import { KubeConfig } from '@kubernetes/client-node';
import { startControlPlane } from './control-plane.ts';

export interface SharedControlPlane {
  kubeconfigPath: string;
  kubeConfig: KubeConfig;
  caPem: string;
  kubectlPath: string;
}

export const ENV = {
  kubeconfig: 'ECI_VN_TEST_KUBECONFIG',
  caFile: 'ECI_VN_TEST_CA_FILE',
  kubectl: 'ECI_VN_TEST_KUBECTL',
} as const;

let cached: Promise<SharedControlPlane> | undefined;

async function load(): Promise<SharedControlPlane> {
  const kubeconfigPath = process.env[ENV.kubeconfig];
  const caFile = process.env[ENV.caFile];
  const kubectlPath = process.env[ENV.kubectl];
  if (kubeconfigPath && caFile && kubectlPath) {
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromFile(kubeconfigPath);
    return { kubeconfigPath, kubeConfig, caPem: readFileSync(caFile, 'utf8'), kubectlPath };
  }
  const cp = await startControlPlane();
  process.once('beforeExit', () => void cp.stop());
  return cp;
}

export function controlPlane(): Promise<SharedControlPlane> {
  cached ??= load();
  return cached;
}
