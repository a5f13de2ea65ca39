// What an ECI pod cannot have, one rule table for both programs: the reconciler's
// translation refuses a pod with these (reconciler/translate.ts) and the webhook warns
// at admission with the same words (webhook/warnings.ts). An ECI pod runs alone on its
// own instance, so nothing that shares a node exists there. A privileged app container is
// not here: ECI runs it (docs/eci-api.md, "Security context"), and whether a pod may ask is
// the cluster's Pod Security Admission's call (docs/security.md).
import type { V1Container, V1Pod } from '@kubernetes/client-node';
import { ECI_RESERVED_PORTS } from './eci-specs.ts';

export interface PodRuleViolation {
  /** The pod field at fault, by index (`spec.containers[0].ports[1].hostPort`). */
  field: string;
  /** The same place for a reader (`container web`, `spec.volumes[logs].hostPath`). */
  subject: string;
  message: string;
}

type HostNamespace = 'hostNetwork' | 'hostPID' | 'hostIPC';
const RESERVED_LIST = [...ECI_RESERVED_PORTS].sort((a, b) => a - b).join(', ');

function push(
  out: PodRuleViolation[],
  c: V1Container,
  index: number,
  init: boolean,
  field: string,
  message: string,
) {
  out.push({
    field: `spec.${init ? 'initContainers' : 'containers'}[${index}].${field}`,
    subject: `${init ? 'init container' : 'container'} ${c.name}`,
    message,
  });
}

/** Checks one container; strings are built only for a violation (the webhook calls this for every pod). */
function containerViolations(out: PodRuleViolation[], c: V1Container, index: number, init: boolean): void {
  // A native sidecar (restartPolicy Always) runs as an ECI app container, which may be privileged.
  if (init && c.securityContext?.privileged && c.restartPolicy !== 'Always')
    push(
      out,
      c,
      index,
      init,
      'securityContext.privileged',
      'privileged init containers are not available on ECI (privileged app containers and native sidecars are)',
    );
  const ports = c.ports;
  if (!ports) return;
  for (let i = 0; i < ports.length; i++) {
    const p = ports[i]!;
    if (ECI_RESERVED_PORTS.has(p.containerPort))
      push(
        out,
        c,
        index,
        init,
        `ports[${i}].containerPort`,
        `containerPort ${p.containerPort} is reserved by ECI for exec, logs and metrics (${RESERVED_LIST} are)`,
      );
    // The pod has its own IP, so a hostPort equal to containerPort is what it gets anyway.
    if (p.hostPort !== undefined && p.hostPort !== 0 && p.hostPort !== p.containerPort)
      push(
        out,
        c,
        index,
        init,
        `ports[${i}].hostPort`,
        `hostPort ${p.hostPort} differs from containerPort ${p.containerPort}, which is not possible on ECI`,
      );
  }
}

function hostNamespace(out: PodRuleViolation[], k: HostNamespace): void {
  out.push({
    field: `spec.${k}`,
    subject: `spec.${k}`,
    message: `${k} is not available on ECI: the pod does not share a node`,
  });
}

/** Every violation in a stable order: host namespaces, hostPath volumes, init containers, containers. */
export function podRuleViolations(pod: V1Pod): PodRuleViolation[] {
  const out: PodRuleViolation[] = [];
  const spec = pod.spec;
  if (!spec) return out;
  // Plain checks, no per-pod allocation unless something is wrong: the webhook runs this on every pod.
  if (spec.hostNetwork) hostNamespace(out, 'hostNetwork');
  if (spec.hostPID) hostNamespace(out, 'hostPID');
  if (spec.hostIPC) hostNamespace(out, 'hostIPC');
  const volumes = spec.volumes;
  if (volumes)
    for (let i = 0; i < volumes.length; i++) {
      const v = volumes[i]!;
      if (v.hostPath)
        out.push({
          field: `spec.volumes[${i}].hostPath`,
          subject: `spec.volumes[${v.name}].hostPath`,
          message: `volume ${v.name}: hostPath cannot be mounted on ECI, the pod runs on its own instance`,
        });
    }
  const inits = spec.initContainers;
  if (inits) for (let i = 0; i < inits.length; i++) containerViolations(out, inits[i]!, i, true);
  const containers = spec.containers;
  if (containers)
    for (let i = 0; i < containers.length; i++) containerViolations(out, containers[i]!, i, false);
  return out;
}
