// The service environment a kubelet gives every container: the master `kubernetes`
// Service of `default` always, and, unless the pod sets `enableServiceLinks: false`, the
// Docker-link variables of every Service with a ClusterIP in the pod's namespace.
// Follows the kubelet: getServiceEnvVarMap in pkg/kubelet/kubelet_pods.go and FromServices
// in pkg/kubelet/envvars/envvars.go
// (https://github.com/kubernetes/kubernetes/blob/master/pkg/kubelet/envvars/envvars.go).
// Pure; the controller fetches the Services once per create, as a kubelet computes them once.
import type { V1Pod, V1Service } from '@kubernetes/client-node';

/** The Services the kubelet always projects from `default`, whatever enableServiceLinks says. */
const MASTER_SERVICES = new Set(['kubernetes']);

/** A ClusterIP that is neither empty nor "None" (v1helper.IsServiceIPSet). */
function hasClusterIp(service: V1Service): boolean {
  const ip = service.spec?.clusterIP;
  return !!ip && ip !== 'None';
}

/** `my-svc` → `MY_SVC`, the kubelet's makeEnvVariableName. */
export function envVariableName(name: string): string {
  return name.replaceAll('-', '_').toUpperCase();
}

/** net.JoinHostPort: an IPv6 address gets brackets. */
function joinHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/**
 * Which Services the pod's containers see, by name (getServiceEnvVarMap): the pod's
 * namespace wins over `default` for a Service named `kubernetes`.
 */
export function servicesForPod(pod: V1Pod, services: readonly V1Service[]): V1Service[] {
  const namespace = pod.metadata?.namespace ?? 'default';
  const links = pod.spec?.enableServiceLinks !== false; // the API defaults it to true
  const byName = new Map<string, V1Service>();
  for (const s of services) {
    const name = s.metadata?.name;
    if (!name || !hasClusterIp(s)) continue;
    const ns = s.metadata?.namespace ?? 'default';
    if (ns === 'default' && MASTER_SERVICES.has(name)) {
      if (!byName.has(name)) byName.set(name, s);
    } else if (ns === namespace && links) {
      byName.set(name, s);
    }
  }
  // The kubelet walks a Go map here (no order); sorting by name keeps the request stable.
  return [...byName.values()].sort((a, b) => (a.metadata!.name! < b.metadata!.name! ? -1 : 1));
}

/** FromServices: the variables of the given Services, in the kubelet's order per Service. */
export function fromServices(services: readonly V1Service[]): [string, string][] {
  const out: [string, string][] = [];
  for (const s of services) {
    const ports = s.spec?.ports ?? [];
    const ip = s.spec?.clusterIP ?? '';
    // API validation requires a port for a Service with a ClusterIP; without one the kubelet would panic.
    if (!hasClusterIp(s) || ports.length === 0) continue;
    const prefix = envVariableName(s.metadata?.name ?? '');
    out.push([`${prefix}_SERVICE_HOST`, ip]);
    out.push([`${prefix}_SERVICE_PORT`, String(ports[0]!.port)]);
    for (const p of ports)
      if (p.name) out.push([`${prefix}_SERVICE_PORT_${envVariableName(p.name)}`, String(p.port)]);
    // Docker-compatible link variables; Docker special-cases the first port.
    ports.forEach((p, i) => {
      const protocol = p.protocol || 'TCP';
      const url = `${protocol.toLowerCase()}://${joinHostPort(ip, p.port)}`;
      if (i === 0) out.push([`${prefix}_PORT`, url]);
      const portPrefix = `${prefix}_PORT_${p.port}_${protocol.toUpperCase()}`;
      out.push([portPrefix, url]);
      out.push([`${portPrefix}_PROTO`, protocol.toLowerCase()]);
      out.push([`${portPrefix}_PORT`, String(p.port)]);
      out.push([`${portPrefix}_ADDR`, ip]);
    });
  }
  return out;
}

/**
 * The pod's service environment as the kubelet's map (a later Service's variable replaces an
 * earlier one of the same name, as in the kubelet's map). Undefined Services (not fetched:
 * the webhook's check, `explain`) give none.
 */
export function serviceEnvironment(
  pod: V1Pod,
  services: readonly V1Service[] | undefined,
): Map<string, string> {
  return new Map(services ? fromServices(servicesForPod(pod, services)) : []);
}
