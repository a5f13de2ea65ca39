// What an ECI pod cannot have, one rule table for both programs: the reconciler's
// translation refuses a pod with these (reconciler/translate.ts) and the webhook warns
// at admission with the same words (webhook/warnings.ts). An ECI pod runs alone on its
// own instance, so nothing that shares a node exists there.
import type { V1Container, V1Pod } from '@kubernetes/client-node';
import { ECI_RESERVED_PORTS } from './eci-specs.ts';

export interface PodRuleViolation {
  /** The pod field at fault, by index (`spec.containers[0].ports[1].hostPort`). */
  field: string;
  /** The same place for a reader (`container web`, `spec.volumes[logs].hostPath`). */
  subject: string;
  message: string;
}

const HOST_NAMESPACES = ['hostNetwork', 'hostPID', 'hostIPC'] as const;
const RESERVED_LIST = [...ECI_RESERVED_PORTS].sort((a, b) => a - b).join(', ');

function containerViolations(out: PodRuleViolation[], c: V1Container, path: string, subject: string): void {
  if (c.securityContext?.privileged)
    out.push({
      field: `${path}.securityContext.privileged`,
      subject,
      message: 'privileged containers are not allowed on ECI (added capabilities are)',
    });
  const ports = c.ports ?? [];
  for (let i = 0; i < ports.length; i++) {
    const p = ports[i]!;
    if (ECI_RESERVED_PORTS.has(p.containerPort))
      out.push({
        field: `${path}.ports[${i}].containerPort`,
        subject,
        message: `containerPort ${p.containerPort} is reserved by ECI for exec, logs and metrics (${RESERVED_LIST} are)`,
      });
    // The pod has its own IP, so a hostPort equal to containerPort is what it gets anyway.
    if (p.hostPort !== undefined && p.hostPort !== 0 && p.hostPort !== p.containerPort)
      out.push({
        field: `${path}.ports[${i}].hostPort`,
        subject,
        message: `hostPort ${p.hostPort} differs from containerPort ${p.containerPort}, which is not possible on ECI`,
      });
  }
}

/** Every violation in a stable order: host namespaces, hostPath volumes, init containers, containers. */
export function podRuleViolations(pod: V1Pod): PodRuleViolation[] {
  const out: PodRuleViolation[] = [];
  const spec = pod.spec;
  if (!spec) return out;
  for (const k of HOST_NAMESPACES)
    if (spec[k])
      out.push({
        field: `spec.${k}`,
        subject: `spec.${k}`,
        message: `${k} is not available on ECI: the pod does not share a node`,
      });
  const volumes = spec.volumes ?? [];
  for (let i = 0; i < volumes.length; i++) {
    const v = volumes[i]!;
    if (v.hostPath)
      out.push({
        field: `spec.volumes[${i}].hostPath`,
        subject: `spec.volumes[${v.name}].hostPath`,
        message: `volume ${v.name}: hostPath cannot be mounted on ECI, the pod runs on its own instance`,
      });
  }
  const inits = spec.initContainers ?? [];
  for (let i = 0; i < inits.length; i++)
    containerViolations(out, inits[i]!, `spec.initContainers[${i}]`, `init container ${inits[i]!.name}`);
  const containers = spec.containers ?? [];
  for (let i = 0; i < containers.length; i++)
    containerViolations(out, containers[i]!, `spec.containers[${i}]`, `container ${containers[i]!.name}`);
  return out;
}
