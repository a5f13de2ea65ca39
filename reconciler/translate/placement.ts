// Where a container group goes: the ECI Profile's vSwitches, security group and
// resource group win over the reconciler's flags (the pod's annotations, applied later,
// win over both). One pure function for the reconciler's startup check and for every
// translation, so both say the same thing when one is missing.
import { PROFILE_CONFIGMAP } from '../../shared/profile.ts';

export interface Placement {
  vSwitchIds: string[];
  securityGroupId: string;
  resourceGroupId?: string;
}

export interface PlacementSource {
  vSwitchIds?: string[];
  securityGroupId?: string;
  resourceGroupId?: string;
}

export interface PlacementProblem {
  /** The request field left empty. */
  field: 'vSwitchId' | 'securityGroupId';
  message: string;
}

const DEFAULT_CONFIGMAP = `${PROFILE_CONFIGMAP.namespace}/${PROFILE_CONFIGMAP.name}`;

/** The problems of a placement: each names the ConfigMap key and the flag that would fix it. */
export function placementProblems(
  placement: { vSwitchIds: readonly string[]; securityGroupId?: string },
  profileConfigMap = DEFAULT_CONFIGMAP,
): PlacementProblem[] {
  const problems: PlacementProblem[] = [];
  if (placement.vSwitchIds.length === 0)
    problems.push({
      field: 'vSwitchId',
      message: `no vSwitch: set vSwitchIds in ConfigMap ${profileConfigMap} or --vswitch-ids (env ECI_VSWITCH)`,
    });
  if (!placement.securityGroupId)
    problems.push({
      field: 'securityGroupId',
      message: `no security group: set securityGroupId in ConfigMap ${profileConfigMap} or --security-group-id (env ECI_SECURITY_GROUP)`,
    });
  return problems;
}

/** The profile wins over the flags, key by key; `problems` is empty when the placement is complete. */
export function resolvePlacement(
  profile: PlacementSource | undefined,
  flags: PlacementSource,
  profileConfigMap = DEFAULT_CONFIGMAP,
): { placement: Placement; problems: PlacementProblem[] } {
  const vSwitchIds = profile?.vSwitchIds?.length ? profile.vSwitchIds : (flags.vSwitchIds ?? []);
  const securityGroupId = profile?.securityGroupId || flags.securityGroupId || '';
  const resourceGroupId = profile?.resourceGroupId || flags.resourceGroupId || undefined;
  const placement: Placement = {
    vSwitchIds: [...vSwitchIds],
    securityGroupId,
    ...(resourceGroupId ? { resourceGroupId } : {}),
  };
  return { placement, problems: placementProblems(placement, profileConfigMap) };
}

/** After NoStock the next attempt starts from the next vSwitch (zone) in the list. */
export function rotateVSwitches(vSwitchIds: readonly string[], attempt: number): string[] {
  const n = vSwitchIds.length;
  const k = n > 1 && Number.isInteger(attempt) && attempt > 0 ? attempt % n : 0;
  return [...vSwitchIds.slice(k), ...vSwitchIds.slice(0, k)];
}
