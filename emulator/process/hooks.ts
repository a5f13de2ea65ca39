// Pure: a container's postStart/preStop handlers from the request's flat
// `Lifecycle{PostStart,PreStop}Handler*` fields, in the shape probes use, so the
// same action runner (probes.ts `check`) executes them.
import type { ProbeSpec } from './probes.ts';

export interface LifecycleHooks {
  postStart?: ProbeSpec;
  preStop?: ProbeSpec;
}

function handler(spec: Record<string, unknown>, prefix: string): ProbeSpec | undefined {
  const str = (k: string) =>
    typeof spec[`${prefix}${k}`] === 'string' ? (spec[`${prefix}${k}`] as string) : undefined;
  const num = (k: string) => {
    const v = Number(spec[`${prefix}${k}`]);
    return Number.isInteger(v) && v > 0 ? v : undefined;
  };
  const exec = spec[`${prefix}Exec`];
  if (Array.isArray(exec) && exec.length > 0) return { Exec: { Command: exec.map(String) } };
  const httpPort = num('HttpGetPort');
  if (httpPort) {
    return {
      HttpGet: {
        Port: httpPort,
        Path: str('HttpGetPath'),
        Scheme: str('HttpGetScheme'),
        Host: str('HttpGetHost'),
      },
    };
  }
  const tcpPort = num('TcpSocketPort');
  if (tcpPort) return { TcpSocket: { Port: tcpPort, Host: str('TcpSocketHost') } };
  return undefined;
}

export function lifecycleHooks(spec: Record<string, unknown>): LifecycleHooks {
  const postStart = handler(spec, 'LifecyclePostStartHandler');
  const preStop = handler(spec, 'LifecyclePreStopHandler');
  return { ...(postStart ? { postStart } : {}), ...(preStop ? { preStop } : {}) };
}
