// The pod annotations that describe its container group (docs/status-mapping.md), computed
// from the group as DescribeContainerGroups returns it. Every status annotation the
// table declares (shared/annotation-names.ts INSTANCE_ANNOTATIONS) is written either
// here or by the create (id, ClientToken, request id).
import { INSTANCE_ANNOTATIONS } from '../../shared/annotation-names.ts';

/** The fields of a DescribeContainerGroups group this module reads (the SDK model fits). */
export interface InstanceGroupView {
  containerGroupId?: string;
  instanceType?: string;
  cpu?: number;
  memory?: number;
  zoneId?: string;
  vpcId?: string;
}

const number = (v: number | undefined) =>
  v !== undefined && Number.isFinite(v) && v > 0 ? String(v) : undefined;

/**
 * Annotation → value for what the group reports; a field the group does not report is
 * left out (never written as an empty string). The spec is the instance type when ECI
 * chose one, else `<vCPU>-<memory>Gi`, as the create path writes it.
 */
export function instanceAnnotationsFromGroup(group: InstanceGroupView): Record<string, string> {
  const cpu = number(group.cpu);
  const memory = number(group.memory);
  const spec = group.instanceType || (cpu && memory ? `${cpu}-${memory}Gi` : undefined);
  const out: Record<string, string | undefined> = {
    [INSTANCE_ANNOTATIONS.instanceId]: group.containerGroupId || undefined,
    [INSTANCE_ANNOTATIONS.instanceSpec]: spec,
    [INSTANCE_ANNOTATIONS.instanceCpu]: cpu,
    [INSTANCE_ANNOTATIONS.instanceMemory]: memory,
    [INSTANCE_ANNOTATIONS.instanceZone]: group.zoneId || undefined,
    [INSTANCE_ANNOTATIONS.vpc]: group.vpcId || undefined,
  };
  return Object.fromEntries(Object.entries(out).filter((e): e is [string, string] => e[1] !== undefined));
}
