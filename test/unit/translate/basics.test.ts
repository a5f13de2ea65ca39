import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { V1Pod } from '@kubernetes/client-node';
import OpenApiUtil from '@alicloud/openapi-util';
import { formatTranslation, podProblems, translatePod } from '../../../reconciler/translate.ts';
import { b64, DEFAULTS, errors, wire, withServiceAccountVolume } from './helpers.ts';

const minimal: V1Pod = {
  metadata: { name: 'hello', namespace: 'team-a', uid: '0b7c-1' },
  spec: {
    containers: [
      { name: 'app', image: 'busybox:1.36', command: ['sh', '-c'], args: ['echo hi; sleep 3600'] },
    ],
  },
};

test('a minimal pod becomes a 2 vCPU / 4 GiB group with defaults, command and args kept apart', () => {
  const { map, warnings } = wire({ pod: minimal });
  assert.deepEqual(map, {
    Container: [{ Arg: ['echo hi; sleep 3600'], Command: ['sh', '-c'], Image: 'busybox:1.36', Name: 'app' }],
    ContainerGroupName: 'team-a-hello-75357936',
    Cpu: 2,
    DnsPolicy: 'Default',
    HostName: 'hello',
    Memory: 4,
    RegionId: 'cn-hangzhou',
    RestartPolicy: 'Always',
    SecurityGroupId: 'sg-default',
    VSwitchId: 'vsw-default',
  });
  assert.match(warnings.join('\n'), /no k8s\.aliyun\.com\/cluster-dns annotation/);
});

test('the SDK flattens the request to the documented wire names', () => {
  const r = translatePod({
    defaults: DEFAULTS,
    pod: {
      ...minimal,
      spec: {
        containers: [
          {
            name: 'app',
            image: 'nginx',
            env: [{ name: 'IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } }],
            readinessProbe: { httpGet: { path: '/healthz', port: 8080 } },
          },
        ],
        volumes: [{ name: 'tmp', emptyDir: { sizeLimit: '1Gi' } }],
      },
    },
  });
  assert.ok(r.ok);
  // createContainerGroupWithOptions puts each top-level field into the query as-is, then flattens it.
  const flat = OpenApiUtil.default.query({ Container: r.request.container, Volume: r.request.volume });
  assert.deepEqual(flat, {
    'Container.1.ReadinessProbe.HttpGet.Path': '/healthz',
    'Container.1.ReadinessProbe.HttpGet.Port': '8080',
    'Container.1.ReadinessProbe.HttpGet.Scheme': 'HTTP',
    'Container.1.EnvironmentVar.1.FieldRef.FieldPath': 'status.podIP',
    'Container.1.EnvironmentVar.1.Key': 'IP',
    'Container.1.Image': 'nginx',
    'Container.1.Name': 'app',
    'Volume.1.EmptyDirVolume.SizeLimit': '1Gi',
    'Volume.1.Name': 'tmp',
    'Volume.1.Type': 'EmptyDirVolume',
  });
});

test('the service-account volume carries the token, ca.crt and namespace when the reconciler provides them', () => {
  const { map } = wire({
    pod: withServiceAccountVolume(minimal),
    configMaps: { 'kube-root-ca.crt': { metadata: { name: 'kube-root-ca.crt' }, data: { 'ca.crt': 'PEM' } } },
    serviceAccountTokens: { '': 'eyJ.token' },
  });
  assert.deepEqual(map.Volume, [
    {
      ConfigFileVolume: {
        ConfigFileToPath: [
          { Content: b64('eyJ.token'), Path: 'token' },
          { Content: b64('PEM'), Path: 'ca.crt' },
          { Content: b64('team-a'), Path: 'namespace' },
        ],
        DefaultMode: 420,
      },
      Name: 'kube-api-access-x7k2p',
      Type: 'ConfigFileVolume',
    },
  ]);
  const c = (map.Container as Array<Record<string, unknown>>)[0];
  assert.deepEqual(c?.VolumeMount, [
    {
      MountPath: '/var/run/secrets/kubernetes.io/serviceaccount',
      Name: 'kube-api-access-x7k2p',
      ReadOnly: true,
    },
  ]);
});

test('without a token the service-account volume is still mounted (namespace only) and the pod is not rejected', () => {
  const { map, warnings } = wire({ pod: withServiceAccountVolume(minimal) });
  assert.deepEqual(map.Volume, [
    {
      ConfigFileVolume: {
        ConfigFileToPath: [{ Content: b64('team-a'), Path: 'namespace' }],
        DefaultMode: 420,
      },
      Name: 'kube-api-access-x7k2p',
      Type: 'ConfigFileVolume',
    },
  ]);
  assert.ok(warnings.some((w) => w.includes('no service-account token')));
  assert.ok(warnings.some((w) => w.includes('kube-root-ca.crt was not provided')));
});

test('profile beats defaults for vSwitch, security group and resource group', () => {
  const { map } = wire({
    pod: minimal,
    profile: { vSwitchIds: ['vsw-p1', 'vsw-p2'], securityGroupId: 'sg-p', resourceGroupId: 'rg-p' },
  });
  assert.equal(map.VSwitchId, 'vsw-p1,vsw-p2');
  assert.equal(map.SecurityGroupId, 'sg-p');
  assert.equal(map.ResourceGroupId, 'rg-p');
});

test('annotation beats profile for vSwitch, security group and resource group', () => {
  const { map } = wire({
    pod: {
      ...minimal,
      metadata: {
        ...minimal.metadata,
        annotations: {
          'k8s.aliyun.com/eci-vswitch': 'vsw-a1, vsw-a2',
          'k8s.aliyun.com/eci-security-group': 'sg-a',
          'k8s.aliyun.com/eci-resource-group-id': 'rg-a',
        },
      },
    },
    profile: { vSwitchIds: ['vsw-p1'], securityGroupId: 'sg-p', resourceGroupId: 'rg-p' },
    policy: {
      allowAll: false,
      allowedNamespaces: [minimal.metadata?.namespace ?? 'default'],
      byAnnotation: {},
    },
  });
  assert.equal(map.VSwitchId, 'vsw-a1,vsw-a2');
  assert.equal(map.SecurityGroupId, 'sg-a');
  assert.equal(map.ResourceGroupId, 'rg-a');
});

test('a pod with no containers is an error', () => {
  assert.deepEqual(errors({ pod: { metadata: { name: 'x' }, spec: { containers: [] } } }), [
    { field: 'spec.containers', message: 'the pod has no containers' },
  ]);
});

test('podProblems: what the pod itself asks for that ECI cannot give, ignoring missing references', () => {
  assert.deepEqual(
    podProblems({
      metadata: { name: 'p' },
      spec: {
        hostNetwork: true,
        containers: [{ name: 'app', image: 'nginx', envFrom: [{ configMapRef: { name: 'not-fetched' } }] }],
        volumes: [{ name: 'sock', hostPath: { path: '/run/docker.sock' } }],
      },
    }),
    [
      {
        field: 'spec.hostNetwork',
        message: 'hostNetwork is not available on ECI: the pod does not share a node',
      },
      {
        field: 'spec.volumes[0].hostPath',
        message: 'volume sock: hostPath cannot be mounted on ECI, the pod runs on its own instance',
      },
    ],
  );
  assert.deepEqual(podProblems(minimal), []);
});

test('formatTranslation prints the wire request, or the errors, then the warnings', () => {
  const ok = translatePod({ defaults: DEFAULTS, pod: minimal });
  const text = formatTranslation(ok);
  assert.deepEqual(JSON.parse(text.slice(0, text.indexOf('\nwarning:'))), ok.ok && ok.request.toMap());
  assert.match(text, /\nwarning: no k8s\.aliyun\.com\/cluster-dns annotation/);
  const bad = translatePod({
    defaults: DEFAULTS,
    pod: {
      ...minimal,
      spec: { containers: [{ name: 'a', image: 'x', envFrom: [{ secretRef: { name: 's' } }] }] },
    },
  });
  assert.match(
    formatTranslation(bad),
    /^error: spec\.containers\[0\]\.envFrom\[0\]\.secretRef: Secret s not found \(waiting\)$/m,
  );
});

test('more than 10 vSwitches is an error', () => {
  const vSwitchIds = Array.from({ length: 11 }, (_, i) => `vsw-${i}`);
  assert.deepEqual(
    errors({ pod: minimal, profile: { vSwitchIds } }).map((e) => e.field),
    ['vSwitchId'],
  );
});
