// ContainerGroupName and the pod's host name.
import { createHash } from 'node:crypto';

const MAX_NAME = 128;

/**
 * `<namespace>-<name>` made valid for ECI (2-128 chars of [a-z0-9-], no hyphen at
 * either end) plus a hash of the exact namespace/name, so two pods never share a
 * name even when sanitising or truncating makes their readable parts equal.
 */
export function containerGroupName(namespace: string, name: string): string {
  const hash = createHash('sha256').update(`${namespace}/${name}`).digest('hex').slice(0, 8);
  let base = `${namespace}-${name}`
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^-+/, '');
  base = base.slice(0, MAX_NAME - hash.length - 1).replace(/-+$/, '');
  return base ? `${base}-${hash}` : `pod-${hash}`;
}

/**
 * The pod's host name as kubelet sets it: spec.hostnameOverride (it wins over spec.hostname,
 * and the API server refuses it beside setHostnameAsFQDN), else spec.hostname, else the pod
 * name cut to 63 chars.
 */
export function podHostname(podName: string, hostname: string | undefined, override?: string): string {
  if (override) return override;
  if (hostname) return hostname;
  return podName.slice(0, 63).replace(/[-.]+$/, '');
}
