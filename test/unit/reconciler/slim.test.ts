import { createHash } from 'node:crypto';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Pod } from '@kubernetes/client-node';
import { SharedStrings, slimGroup, stripManagedFields } from '../../../reconciler/slim.ts';

test('managedFields are dropped in place; everything else the reconciler reads is kept', () => {
  const pod: V1Pod = {
    metadata: {
      name: 'p',
      namespace: 'ns',
      uid: 'u-1',
      resourceVersion: '42',
      annotations: { 'k8s.aliyun.com/eci-instance-id': 'eci-1' },
      managedFields: [
        { manager: 'kubectl', operation: 'Update', fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': {} } },
      ],
    },
    spec: { nodeName: 'virtual-node-eci-0', containers: [{ name: 'c', image: 'nginx' }] },
    status: { phase: 'Pending' },
  };
  const expected = structuredClone(pod);
  delete expected.metadata!.managedFields;
  const out = stripManagedFields(pod);
  assert.equal(out, pod);
  assert.equal('managedFields' in pod.metadata!, false);
  assert.deepEqual(pod, expected);
});

test('a pod without metadata or managedFields is left as it is', () => {
  const bare: V1Pod = { spec: { containers: [] } };
  assert.deepEqual(stripManagedFields(bare), { spec: { containers: [] } });
  const none: V1Pod = { metadata: { name: 'p' } };
  assert.deepEqual(stripManagedFields(none), { metadata: { name: 'p' } });
});

test('a described group keeps what the status, the instance annotations, the events and the refresher read; the rest goes', () => {
  const state = { state: 'Running', detailStatus: 'ok', startTime: '2026-01-01T00:00:00Z', exitCode: 0 };
  const described = {
    containerGroupId: 'eci-1',
    status: 'Running',
    intranetIp: '10.0.0.5',
    creationTime: '2026-01-01T00:00:00Z',
    instanceType: 'ecs.c6.large',
    cpu: 2,
    memory: 4,
    zoneId: 'cn-hangzhou-h',
    vpcId: 'vpc-1',
    vSwitchId: 'vsw-1',
    tags: [{ key: 'k8s.aliyun.com/cluster', value: 'c' }],
    containers: [
      {
        name: 'main',
        image: 'nginx:1.27',
        ready: true,
        restartCount: 1,
        currentState: state,
        previousState: { state: 'Terminated', exitCode: 137 },
        environmentVars: [{ key: 'KUBERNETES_SERVICE_HOST', value: '10.0.0.1' }],
        volumeMounts: [{ name: 'token', mountPath: '/var/run/secrets' }],
      },
    ],
    events: [{ name: 'eci-1.a', reason: 'Started', message: 'started', type: 'Normal', count: 1 }],
    volumes: [
      {
        name: 'token',
        type: 'ConfigFileVolume',
        configFileVolumeConfigFileToPaths: [{ path: 't', content: 'x' }],
      },
      { name: 'scratch', type: 'EmptyDirVolume' },
    ],
  };
  const slim = slimGroup(described);
  assert.equal(slim.status, 'Running');
  assert.equal(slim.intranetIp, '10.0.0.5');
  assert.deepEqual(
    [slim.instanceType, slim.cpu, slim.memory, slim.zoneId, slim.vpcId],
    ['ecs.c6.large', 2, 4, 'cn-hangzhou-h', 'vpc-1'],
  );
  const c = slim.containers![0]!;
  assert.deepEqual([c.name, c.image, c.ready, c.restartCount], ['main', 'nginx:1.27', true, 1]);
  assert.equal(c.currentState?.detailStatus, 'ok');
  assert.equal(c.previousState?.exitCode, 137);
  assert.equal('environmentVars' in c, false);
  assert.equal('volumeMounts' in c, false);
  assert.equal(slim.events?.[0]?.reason, 'Started');
  // The refresher compares contents: a digest of each file is kept, not the content (keptFile).
  assert.deepEqual(slim.volumes, [
    {
      name: 'token',
      type: 'ConfigFileVolume',
      configFileVolumeConfigFileToPaths: [
        { path: 't', digest: createHash('sha256').update('x').digest('base64') },
      ],
    },
  ]);
  assert.equal('tags' in slim, false);
  assert.equal('vSwitchId' in slim, false);
  // A new object: the SDK's model (and everything it holds) is left for the collector.
  assert.notEqual(slim.containers, described.containers);
});

test('equal strings across pods are kept once; long ones pass through; the table stays bounded', () => {
  const strings = new SharedStrings();
  const a = JSON.parse('{"spec":{"containers":[{"image":"nginx:1.27","args":["a"]}]},"n":1,"d":null}') as {
    spec: { containers: { image: string; args: string[] }[] };
  };
  const b = JSON.parse(
    '{"spec":{"containers":[{"image":"nginx:1.27","args":["a"]}]},"n":1,"d":null}',
  ) as typeof a;
  strings.shareAll(a);
  const before = structuredClone(b);
  assert.equal(strings.shareAll(b), b, 'in place');
  assert.deepEqual(b, before, 'values unchanged');
  assert.equal(strings.size, 2);
  const long = 'x'.repeat(5000);
  assert.equal(strings.share(long), long);
  assert.equal(strings.size, 2, 'a long string is not kept');
  for (let i = 0; i < 25_000; i++) strings.share(`uid-${i}`);
  assert.ok(strings.size <= 10_000, `bounded (${strings.size})`);
});
