// Issue 9 fix 7: every status annotation the code declares is computed from the
// container group (or written by the create), none is declared and never written.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { instanceAnnotationsFromGroup } from '../../../reconciler/translate.ts';
import { INSTANCE_ANNOTATIONS } from '../../../shared/annotation-names.ts';
import { ECI_ANNOTATIONS } from '../../../shared/annotation-values.ts';

const group = {
  containerGroupId: 'eci-2ze1',
  cpu: 2,
  memory: 4,
  zoneId: 'cn-hangzhou-h',
  vpcId: 'vpc-emu',
};

test('the group view gives id, spec, cpu, memory, zone and VPC', () => {
  assert.deepEqual(instanceAnnotationsFromGroup(group), {
    'k8s.aliyun.com/eci-instance-id': 'eci-2ze1',
    'k8s.aliyun.com/eci-instance-spec': '2-4Gi',
    'k8s.aliyun.com/eci-instance-cpu': '2',
    'k8s.aliyun.com/eci-instance-mem': '4',
    'k8s.aliyun.com/eci-instance-zone': 'cn-hangzhou-h',
    'k8s.aliyun.com/eci-vpc': 'vpc-emu',
  });
  assert.equal(
    instanceAnnotationsFromGroup({ ...group, instanceType: 'ecs.c6.large' })[
      'k8s.aliyun.com/eci-instance-spec'
    ],
    'ecs.c6.large',
  );
});

test('what the group does not report is left out, never written empty', () => {
  assert.deepEqual(instanceAnnotationsFromGroup({ containerGroupId: 'eci-1', cpu: 0, zoneId: '' }), {
    'k8s.aliyun.com/eci-instance-id': 'eci-1',
  });
});

test('each declared status annotation is written: from the group, or by the create (token, request id)', () => {
  const fromGroup = new Set(
    Object.keys(instanceAnnotationsFromGroup({ ...group, instanceType: 'ecs.c6.large' })),
  );
  // The create writes these two; the matched image cache comes from the group's events.
  const byCreate = new Set<string>([
    INSTANCE_ANNOTATIONS.clientToken,
    INSTANCE_ANNOTATIONS.requestId,
    INSTANCE_ANNOTATIONS.matchedImageCache,
  ]);
  const declared = Object.entries(ECI_ANNOTATIONS)
    .filter(([, e]) => e.use === 'status')
    .map(([name]) => name);
  assert.deepEqual(declared.sort(), Object.values(INSTANCE_ANNOTATIONS).sort());
  for (const name of declared) assert.ok(fromGroup.has(name) || byCreate.has(name), name);
});
