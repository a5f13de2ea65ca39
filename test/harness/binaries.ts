// Where the control-plane binaries built by scripts/build-control-plane.sh live.
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export const K8S_VERSION = process.env.K8S_VERSION ?? 'v1.36.3';
export const ETCD_VERSION = process.env.ETCD_VERSION ?? 'v3.6.16';

export type Binary =
  | 'etcd'
  | 'kube-apiserver'
  | 'kube-controller-manager'
  | 'kube-scheduler'
  | 'kubectl'
  | 'metrics-server'
  | 'helm';

export function binaryDir(): string {
  const root = process.env.ECI_VN_CACHE ?? join(homedir(), '.cache', 'eci-virtual-node');
  return join(root, K8S_VERSION);
}

export function binaryPath(name: Binary): string {
  const path = join(binaryDir(), name);
  if (!existsSync(path)) {
    throw new Error(`${name} not found at ${path}: run \`make control-plane\` first`);
  }
  return path;
}
