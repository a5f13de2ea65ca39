// The ECI Profile as the reconciler reads it: watched (changes apply without a restart),
// waited for at start-up (the flags stand in when it cannot be read in time), and turned into
// what the translation reads of it. Its placement (vSwitchIds, securityGroupId) wins over the
// flags; a start with no usable placement from either stops with one line naming the fix.
import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { ReconcilerConfig } from '../config.ts';
import { StartupError } from '../provider/credentials.ts';
import { resolvePlacement, type ProfileDefaults } from '../translate.ts';
import { watchEciProfile, type ProfileWatcher } from '../../shared/profile-watcher.ts';
import type { EciProfile } from '../../shared/profile.ts';

const SYNC_TIMEOUT_MS = 30_000;

/** Starts the watch (`onStarted` gets it at once, to stop it on the way out) and waits for its first list. */
export async function syncedEciProfile(o: {
  kc: KubeConfig;
  config: Pick<ReconcilerConfig, 'profileConfigMap'>;
  log: Logger;
  registry: Registry;
  onChange: (profile: EciProfile) => void;
  onStarted: (watcher: ProfileWatcher) => void;
}): Promise<ProfileWatcher> {
  const [namespace, name] = o.config.profileConfigMap.split('/') as [string, string];
  const profile = watchEciProfile({
    kubeConfig: o.kc,
    logger: o.log,
    namespace,
    name,
    component: 'eci-virtual-node-reconciler',
    registry: o.registry,
    onChange: o.onChange,
  });
  o.onStarted(profile);
  await profile.waitForSync(SYNC_TIMEOUT_MS).catch(() => o.log.warn('ECI Profile not synced; using flags'));
  return profile;
}

/**
 * What the translation reads of the profile (read live) and the flags' placement beside it;
 * throws a StartupError when neither gives a placement.
 */
export function placementSettings(
  profile: Pick<ProfileWatcher, 'current'>,
  config: Pick<ReconcilerConfig, 'vSwitchIds' | 'securityGroupId' | 'profileConfigMap'>,
): { profileDefaults: () => ProfileDefaults; defaults: { vSwitchIds: string[]; securityGroupId: string } } {
  const profileDefaults = (): ProfileDefaults => {
    const p = profile.current();
    return {
      vSwitchIds: p.vSwitchIds,
      securityGroupId: p.securityGroupId,
      resourceGroupId: p.resourceGroupId,
      enableLogController: p.enableLogController,
      slsMachineGroup: p.slsMachineGroup,
      privilegedAnnotations: p.privilegedAnnotations,
    };
  };
  const defaults = { vSwitchIds: config.vSwitchIds, securityGroupId: config.securityGroupId ?? '' };
  const [problem] = resolvePlacement(profileDefaults(), defaults, config.profileConfigMap).problems;
  if (problem) throw new StartupError(problem.message);
  return { profileDefaults, defaults };
}
