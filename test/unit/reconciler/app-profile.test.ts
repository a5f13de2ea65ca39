import { test } from 'node:test';
import assert from 'node:assert/strict';
import { placementSettings } from '../../../reconciler/app/profile.ts';
import { StartupError } from '../../../reconciler/provider/credentials.ts';
import { DEFAULT_PROFILE, type EciProfile } from '../../../shared/profile.ts';

const flags = (vSwitchIds: string[], securityGroupId?: string) => ({
  vSwitchIds,
  securityGroupId,
  profileConfigMap: 'kube-system/eci-profile',
});
const watcher = (p: Partial<EciProfile>) => {
  const holder = { profile: { ...DEFAULT_PROFILE, ...p } };
  return { holder, current: () => holder.profile };
};

test('the placement comes from the profile or the flags; neither stops start-up naming the fix', () => {
  const table: [
    name: string,
    profile: Partial<EciProfile>,
    config: ReturnType<typeof flags>,
    error?: RegExp,
  ][] = [
    ['profile only', { vSwitchIds: ['vsw-p'], securityGroupId: 'sg-p' }, flags([])],
    ['flags only', {}, flags(['vsw-f'], 'sg-f')],
    ['no vSwitch', { securityGroupId: 'sg-p' }, flags([]), /vSwitchIds.*kube-system\/eci-profile/],
    ['no security group', {}, flags(['vsw-f']), /securityGroupId.*kube-system\/eci-profile/],
  ];
  for (const [name, profile, config, error] of table) {
    const run = () => placementSettings(watcher(profile), config);
    if (error) {
      assert.throws(run, (err) => err instanceof StartupError && error.test(err.message), name);
    } else {
      assert.doesNotThrow(run, name);
    }
  }
});

test('the translation reads the profile live, the flags as given', () => {
  const w = watcher({ vSwitchIds: ['vsw-1'], securityGroupId: 'sg-1', enableLogController: false });
  const { profileDefaults, defaults } = placementSettings(w, flags(['vsw-f'], 'sg-f'));
  assert.deepEqual(defaults, { vSwitchIds: ['vsw-f'], securityGroupId: 'sg-f' });
  assert.deepEqual(profileDefaults().vSwitchIds, ['vsw-1']);
  w.holder.profile = { ...w.holder.profile, vSwitchIds: ['vsw-2'], enableLogController: true };
  assert.deepEqual(profileDefaults().vSwitchIds, ['vsw-2']);
  assert.equal(profileDefaults().enableLogController, true);
});
