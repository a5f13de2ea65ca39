// Containers and init containers → Container.N / InitContainer.N: image, command
// and args (kept apart), ports, env, mounts, probes, lifecycle hooks, security.
import type {
  V1Container,
  V1ContainerPort,
  V1LifecycleHandler,
  V1PodSecurityContext,
  V1Probe,
  V1VolumeMount,
} from '@kubernetes/client-node';
import type { EciRequestFields } from './request.ts';
import { ECI_RESERVED_PORTS } from '../../shared/eci-specs.ts';
import type { Context } from './context.ts';
import { explicitRootProblem } from './non-root.ts';
import { containerEnv, expandVars, type EnvEntry, type PodTotals } from './env.ts';
import type { ContainerResources } from './resources.ts';

export type ContainerFields = NonNullable<EciRequestFields['container']>[number];
export type InitContainerFields = NonNullable<EciRequestFields['initContainer']>[number];
type ProbeFields = NonNullable<ContainerFields['livenessProbe']>;

/** Env ECI reads to treat a container as a sidecar that must not keep the group alive. */
export const CONTAINER_TYPE_ENV = 'ECI_CONTAINER_TYPE';
/** ECI's limit on Arg.N per container. */
const MAX_ARGS = 10;

interface Common {
  name?: string;
  image?: string;
  imagePullPolicy?: string;
  command?: string[];
  arg?: string[];
  workingDir?: string;
  port?: Array<{ port?: number; protocol?: string }>;
  environmentVar?: EnvEntry[];
  volumeMount?: Array<{
    name?: string;
    mountPath?: string;
    readOnly?: boolean;
    subPath?: string;
    mountPropagation?: string;
  }>;
  cpu?: number;
  memory?: number;
  gpu?: number;
  terminationMessagePath?: string;
  terminationMessagePolicy?: string;
  securityContext?: { capability?: { add?: string[] }; readOnlyRootFilesystem?: boolean; runAsUser?: number };
}

function resolvePort(ctx: Context, c: V1Container, port: number | string, field: string): number | undefined {
  if (typeof port === 'number') return port;
  if (/^\d+$/.test(port)) return Number(port);
  const named = c.ports?.find((p) => p.name === port);
  if (!named) {
    ctx.issues.error(field, `port "${port}" is not a named port of container ${c.name}`);
    return undefined;
  }
  return named.containerPort;
}

function probe(ctx: Context, c: V1Container, p: V1Probe, field: string): ProbeFields | undefined {
  const out: ProbeFields = {};
  if (p.exec) out.exec = { command: p.exec.command ?? [] };
  else if (p.httpGet) {
    const port = resolvePort(ctx, c, p.httpGet.port, `${field}.httpGet.port`);
    out.httpGet = {
      path: p.httpGet.path ?? '/',
      ...(port !== undefined ? { port } : {}),
      scheme: p.httpGet.scheme ?? 'HTTP',
    };
    if (p.httpGet.host) ctx.issues.warn(`${field}.httpGet.host is not supported by ECI and is ignored`);
    if (p.httpGet.httpHeaders?.length)
      ctx.issues.warn(`${field}.httpGet.httpHeaders are not supported by ECI and are ignored`);
  } else if (p.tcpSocket) {
    const port = resolvePort(ctx, c, p.tcpSocket.port, `${field}.tcpSocket.port`);
    out.tcpSocket = port !== undefined ? { port } : {};
    if (p.tcpSocket.host) ctx.issues.warn(`${field}.tcpSocket.host is not supported by ECI and is ignored`);
  } else if (p.grpc) {
    ctx.issues.error(`${field}.grpc`, 'gRPC probes are not supported by ECI; use exec or httpGet');
    return undefined;
  } else {
    ctx.issues.error(field, 'probe has no handler');
    return undefined;
  }
  for (const k of [
    'initialDelaySeconds',
    'periodSeconds',
    'successThreshold',
    'failureThreshold',
    'timeoutSeconds',
  ] as const) {
    const v = p[k];
    if (v !== undefined) out[k] = v;
  }
  if (p.terminationGracePeriodSeconds !== undefined)
    ctx.issues.warn(
      `${field}.terminationGracePeriodSeconds: ECI probes have no grace period of their own; not applied`,
    );
  return out;
}

type HookFields = Pick<
  ContainerFields,
  | 'lifecyclePostStartHandlerExec'
  | 'lifecyclePostStartHandlerHttpGetHost'
  | 'lifecyclePostStartHandlerHttpGetHttpHeader'
  | 'lifecyclePostStartHandlerHttpGetPath'
  | 'lifecyclePostStartHandlerHttpGetPort'
  | 'lifecyclePostStartHandlerHttpGetScheme'
  | 'lifecyclePostStartHandlerTcpSocketHost'
  | 'lifecyclePostStartHandlerTcpSocketPort'
  | 'lifecyclePreStopHandlerExec'
  | 'lifecyclePreStopHandlerHttpGetHost'
  | 'lifecyclePreStopHandlerHttpGetHttpHeader'
  | 'lifecyclePreStopHandlerHttpGetPath'
  | 'lifecyclePreStopHandlerHttpGetPort'
  | 'lifecyclePreStopHandlerHttpGetScheme'
  | 'lifecyclePreStopHandlerTcpSocketHost'
  | 'lifecyclePreStopHandlerTcpSocketPort'
>;

function hook(
  ctx: Context,
  c: V1Container,
  h: V1LifecycleHandler,
  which: 'PostStart' | 'PreStop',
  field: string,
): HookFields {
  const out: Record<string, unknown> = {};
  const k = (suffix: string) => `lifecycle${which}Handler${suffix}`;
  if (h.exec) out[k('Exec')] = h.exec.command ?? [];
  else if (h.httpGet) {
    const port = resolvePort(ctx, c, h.httpGet.port, `${field}.httpGet.port`);
    if (h.httpGet.host) out[k('HttpGetHost')] = h.httpGet.host;
    out[k('HttpGetPath')] = h.httpGet.path ?? '/';
    if (port !== undefined) out[k('HttpGetPort')] = port;
    out[k('HttpGetScheme')] = h.httpGet.scheme ?? 'HTTP';
    if (h.httpGet.httpHeaders?.length)
      out[k('HttpGetHttpHeader')] = h.httpGet.httpHeaders.map((x) => ({ name: x.name, value: x.value }));
  } else if (h.tcpSocket) {
    const port = resolvePort(ctx, c, h.tcpSocket.port, `${field}.tcpSocket.port`);
    if (h.tcpSocket.host) out[k('TcpSocketHost')] = h.tcpSocket.host;
    if (port !== undefined) out[k('TcpSocketPort')] = port;
  } else if (h.sleep) {
    // ECI has no sleep action; approximate it with the image's own sleep.
    out[k('Exec')] = ['sleep', String(h.sleep.seconds)];
    ctx.issues.warn(
      `${field}.sleep runs "sleep ${h.sleep.seconds}" in the container, which needs a sleep binary`,
    );
  } else {
    ctx.issues.error(field, 'lifecycle handler has no action');
  }
  return out as HookFields;
}

function ports(ctx: Context, list: V1ContainerPort[] | undefined, field: string): Common['port'] {
  if (!list?.length) return undefined;
  return list.flatMap((p, i) => {
    const protocol = p.protocol ?? 'TCP';
    if (protocol !== 'TCP' && protocol !== 'UDP' && protocol !== 'SCTP') {
      ctx.issues.error(
        `${field}[${i}].protocol`,
        `protocol ${protocol} is not supported by ECI (TCP, UDP or SCTP)`,
      );
      return [];
    }
    // Refused by the pod rules (shared/pod-rules.ts); left out so the request stays well-formed.
    if (ECI_RESERVED_PORTS.has(p.containerPort)) return [];
    return [{ port: p.containerPort, protocol }];
  });
}

function mounts(
  ctx: Context,
  list: V1VolumeMount[] | undefined,
  skipped: Set<string>,
  env: EnvEntry[],
  field: string,
): Common['volumeMount'] {
  const out = (list ?? []).flatMap((m, i) => {
    if (skipped.has(m.name)) return [];
    let subPath = m.subPath;
    if (m.subPathExpr) {
      const values = new Map(env.filter((e) => e.value !== undefined).map((e) => [e.key, e.value]));
      subPath = expandVars(m.subPathExpr, (n) => values.get(n));
      if (/\$\([^)]*\)/.test(subPath)) {
        ctx.issues.error(
          `${field}[${i}].subPathExpr`,
          `"${m.subPathExpr}" uses a variable not known before the pod starts`,
        );
        return [];
      }
      const problem = subPathProblem(subPath);
      if (problem) {
        ctx.issues.configError(`${field}[${i}].subPathExpr`, problem);
        return [];
      }
    }
    return [
      {
        name: m.name,
        mountPath: m.mountPath,
        ...(m.readOnly ? { readOnly: true } : {}),
        ...(subPath ? { subPath } : {}),
        ...(m.mountPropagation ? { mountPropagation: m.mountPropagation } : {}),
      },
    ];
  });
  return out.length ? out : undefined;
}

export interface ContainerInputs {
  resources: ContainerResources;
  totals: PodTotals;
  skippedVolumes: Set<string>;
  podSecurity: V1PodSecurityContext | undefined;
  /** security fields with no ECI equivalent, collected into one warning */
  dropped: string[];
}

function common(
  ctx: Context,
  c: V1Container,
  path: string,
  x: ContainerInputs,
  extraEnv: EnvEntry[],
): Common {
  const env = [...containerEnv(ctx, c, path, x.totals), ...extraEnv];
  const values = new Map(env.filter((e) => e.value !== undefined).map((e) => [e.key, e.value]));
  const expand = (s: string) => expandVars(s, (n) => values.get(n));
  if (!c.image) ctx.issues.error(`${path}.image`, 'image is required');
  if (c.volumeDevices?.length)
    ctx.issues.error(
      `${path}.volumeDevices`,
      'raw block volumes are not available on ECI; mount a filesystem instead',
    );
  if (c.resources?.claims?.length)
    ctx.issues.error(
      `${path}.resources.claims`,
      'dynamic resource allocation (ResourceClaims) is not available on ECI',
    );
  const out: Common = { name: c.name, image: c.image };
  if (c.imagePullPolicy) out.imagePullPolicy = c.imagePullPolicy;
  if (c.command?.length) out.command = c.command.map(expand);
  if (c.args?.length) {
    const args = c.args.map(expand);
    if (args.length <= MAX_ARGS) out.arg = args;
    // An explicit command replaces the entrypoint, so command + args is the same process line.
    else if (out.command) out.command = [...out.command, ...args];
    else
      ctx.issues.error(
        `${path}.args`,
        `ECI allows at most ${MAX_ARGS} args; with more, set command so they can be passed together`,
      );
  }
  if (c.workingDir) out.workingDir = c.workingDir;
  const p = ports(ctx, c.ports, `${path}.ports`);
  if (p?.length) out.port = p;
  if (env.length) out.environmentVar = env;
  const vm = mounts(ctx, c.volumeMounts, x.skippedVolumes, env, `${path}.volumeMounts`);
  if (vm) out.volumeMount = vm;
  if (x.resources.cpu !== undefined) out.cpu = x.resources.cpu;
  if (x.resources.memory !== undefined) out.memory = x.resources.memory;
  if (x.resources.gpu !== undefined) out.gpu = x.resources.gpu;
  if (c.terminationMessagePath) out.terminationMessagePath = c.terminationMessagePath;
  if (c.terminationMessagePolicy) out.terminationMessagePolicy = c.terminationMessagePolicy;

  const rootProblem = explicitRootProblem(ctx.pod, c, x.podSecurity);
  if (rootProblem) ctx.issues.configError(`${path}.securityContext.runAsUser`, rootProblem);
  const sc = c.securityContext;
  const security: NonNullable<Common['securityContext']> = {};
  const runAsUser = sc?.runAsUser ?? x.podSecurity?.runAsUser;
  if (runAsUser !== undefined) security.runAsUser = runAsUser;
  if (sc?.readOnlyRootFilesystem) security.readOnlyRootFilesystem = true;
  if (sc?.capabilities?.add?.length) security.capability = { add: sc.capabilities.add };
  if (Object.keys(security).length) out.securityContext = security;
  if (sc?.capabilities?.drop?.length) x.dropped.push(`${path}.securityContext.capabilities.drop`);
  if (sc?.seLinuxOptions) x.dropped.push(`${path}.securityContext.seLinuxOptions`);
  if (sc?.seccompProfile && sc.seccompProfile.type !== 'RuntimeDefault')
    x.dropped.push(`${path}.securityContext.seccompProfile`);
  if (sc?.appArmorProfile && sc.appArmorProfile.type !== 'RuntimeDefault')
    x.dropped.push(`${path}.securityContext.appArmorProfile`);
  if (sc?.procMount && sc.procMount !== 'Default') x.dropped.push(`${path}.securityContext.procMount`);
  return out;
}

export function appContainer(
  ctx: Context,
  c: V1Container,
  path: string,
  x: ContainerInputs,
  extraEnv: EnvEntry[] = [],
): ContainerFields {
  const out: ContainerFields = common(ctx, c, path, x, extraEnv);
  const sc = c.securityContext;
  const runAsGroup = sc?.runAsGroup ?? x.podSecurity?.runAsGroup;
  if (runAsGroup !== undefined) out.securityContextRunAsGroup = runAsGroup;
  const runAsNonRoot = sc?.runAsNonRoot ?? x.podSecurity?.runAsNonRoot;
  if (runAsNonRoot !== undefined) out.securityContextRunAsNonRoot = runAsNonRoot;
  // Per container, as in Kubernetes; ECI takes it for app containers only (shared/pod-rules.ts
  // refuses it on an init container), and a native sidecar is one of those here.
  if (sc?.privileged) out.securityContextPrivileged = true;

  if (c.readinessProbe) {
    const p = probe(ctx, c, c.readinessProbe, `${path}.readinessProbe`);
    if (p) out.readinessProbe = p;
  }
  if (c.livenessProbe) {
    const p = probe(ctx, c, c.livenessProbe, `${path}.livenessProbe`);
    if (p) out.livenessProbe = p;
  }
  if (c.startupProbe) {
    // ECI has no startup probe. Kubernetes holds liveness back until startup succeeds, so the
    // closest equivalent is a liveness delay covering the startup probe's whole budget.
    const s = c.startupProbe;
    const budget = (s.initialDelaySeconds ?? 0) + (s.periodSeconds ?? 10) * (s.failureThreshold ?? 3);
    if (out.livenessProbe) {
      out.livenessProbe.initialDelaySeconds = Math.max(out.livenessProbe.initialDelaySeconds ?? 0, budget);
      ctx.issues.warn(
        `${path}.startupProbe: ECI has none; livenessProbe.initialDelaySeconds raised to ${budget}s instead`,
      );
    } else {
      ctx.issues.warn(
        `${path}.startupProbe: ECI has none and there is no livenessProbe to delay, so it is dropped`,
      );
    }
  }
  if (c.lifecycle?.postStart)
    Object.assign(out, hook(ctx, c, c.lifecycle.postStart, 'PostStart', `${path}.lifecycle.postStart`));
  if (c.lifecycle?.preStop)
    Object.assign(out, hook(ctx, c, c.lifecycle.preStop, 'PreStop', `${path}.lifecycle.preStop`));
  if (c.lifecycle?.stopSignal) x.dropped.push(`${path}.lifecycle.stopSignal`);
  if (c.stdin) out.stdin = true;
  if (c.stdinOnce) out.stdinOnce = true;
  if (c.tty) out.tty = true;
  return out;
}

export function initContainer(
  ctx: Context,
  c: V1Container,
  path: string,
  x: ContainerInputs,
): InitContainerFields {
  const out: InitContainerFields = common(ctx, c, path, x, []);
  const sc = c.securityContext;
  if ((sc?.runAsGroup ?? x.podSecurity?.runAsGroup) !== undefined)
    x.dropped.push(`${path}.securityContext.runAsGroup`);
  if ((sc?.runAsNonRoot ?? x.podSecurity?.runAsNonRoot) !== undefined)
    x.dropped.push(`${path}.securityContext.runAsNonRoot`);
  for (const k of ['readinessProbe', 'livenessProbe', 'startupProbe', 'lifecycle'] as const)
    if (c[k]) ctx.issues.error(`${path}.${k}`, `init containers cannot have a ${k} on ECI`);
  if (c.stdin || c.tty) x.dropped.push(`${path}.stdin/tty`);
  return out;
}

/**
 * What the kubelet says of an expanded subPathExpr it will not mount (kubelet_pods.go
 * makeMounts): an absolute path, or a `..` segment that climbs out of the volume. The API
 * server checks a literal subPath; an expanded one only the node can.
 */
function subPathProblem(subPath: string): string | undefined {
  if (subPath.startsWith('/')) return `error SubPath \`${subPath}\` must not be an absolute path`;
  if (subPath.split('/').includes('..'))
    return `unable to provision SubPath \`${subPath}\`: must not contain '..'`;
  return undefined;
}
