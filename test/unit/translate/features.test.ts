// Each translated pod feature, one behaviour per test, asserting the request fields it sets.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { V1Container, V1Pod } from '@kubernetes/client-node';
import { podReferences, serviceAccountTokenAudiences } from '../../../reconciler/translate.ts';
import { b64, wire } from './helpers.ts';

type Map = Record<string, unknown>;
const first = (map: Map, key = 'Container') => (map[key] as Map[])[0] as Map;

function pod(
  container: Partial<V1Container> = {},
  spec: Partial<NonNullable<V1Pod['spec']>> = {},
  meta = {},
): V1Pod {
  return {
    metadata: { name: 'p', namespace: 'ns', uid: 'u', ...meta },
    spec: { containers: [{ name: 'app', image: 'nginx', ...container }], ...spec },
  };
}

test('env: envFrom with prefix, env overriding it, optional refs skipped, $(VAR) in command and args', () => {
  const { map } = wire({
    pod: pod({
      command: ['sh', '-c', 'echo $(GREETING) $$(GREETING)'],
      args: ['$(APP_MODE)'],
      envFrom: [
        { secretRef: { name: 'creds' }, prefix: 'DB_' },
        { configMapRef: { name: 'absent', optional: true } },
        { configMapRef: { name: 'settings' } },
      ],
      env: [
        { name: 'APP_MODE', value: 'prod' },
        { name: 'GREETING', value: 'hi-$(APP_MODE)' },
        {
          name: 'OPTIONAL',
          valueFrom: { configMapKeyRef: { name: 'settings', key: 'nope', optional: true } },
        },
        { name: 'FROM_CM', valueFrom: { configMapKeyRef: { name: 'settings', key: 'APP_MODE' } } },
      ],
    }),
    secrets: { creds: { data: { USER: b64('admin'), PASS: b64('p@ss') } } },
    configMaps: { settings: { data: { APP_MODE: 'dev', LEVEL: 'debug' } } },
  });
  const c = first(map);
  assert.deepEqual(c.Command, ['sh', '-c', 'echo hi-prod $(GREETING)']);
  assert.deepEqual(c.Arg, ['prod']);
  assert.deepEqual(c.EnvironmentVar, [
    { Key: 'DB_USER', Value: 'admin' },
    { Key: 'DB_PASS', Value: 'p@ss' },
    { Key: 'APP_MODE', Value: 'prod' },
    { Key: 'LEVEL', Value: 'debug' },
    { Key: 'GREETING', Value: 'hi-prod' },
    { Key: 'FROM_CM', Value: 'dev' },
  ]);
});

test('resourceFieldRef: requests with a divisor, and an unset limit read as the whole instance', () => {
  const { map } = wire({
    pod: pod({
      resources: { requests: { memory: '300Mi', cpu: '250m' } },
      env: [
        {
          name: 'MEM_REQ_MI',
          valueFrom: { resourceFieldRef: { resource: 'requests.memory', divisor: '1Mi' } },
        },
        { name: 'CPU_REQ', valueFrom: { resourceFieldRef: { resource: 'requests.cpu' } } },
        { name: 'CPU_LIMIT', valueFrom: { resourceFieldRef: { resource: 'limits.cpu' } } },
        {
          name: 'MEM_LIMIT_GI',
          valueFrom: { resourceFieldRef: { resource: 'limits.memory', divisor: '1Gi' } },
        },
      ],
    }),
  });
  // 0.25 vCPU / 0.293 GiB rounds up to the 0.25 / 0.5 spec.
  assert.deepEqual([map.Cpu, map.Memory], [0.25, 0.5]);
  assert.deepEqual(first(map).EnvironmentVar, [
    { Key: 'MEM_REQ_MI', Value: '300' },
    { Key: 'CPU_REQ', Value: '1' },
    { Key: 'CPU_LIMIT', Value: '1' },
    { Key: 'MEM_LIMIT_GI', Value: '1' },
  ]);
});

test('resourceFieldRef: divisor "0" (what the API server stores for an unset divisor) reads as 1, as the kubelet does', () => {
  const { map } = wire({
    pod: pod({
      resources: { limits: { memory: '64Mi', cpu: '1' } },
      env: [
        { name: 'CPU_LIMIT', valueFrom: { resourceFieldRef: { resource: 'limits.cpu', divisor: '0' } } },
        { name: 'MEM_LIMIT', valueFrom: { resourceFieldRef: { resource: 'limits.memory', divisor: '0' } } },
      ],
    }),
  });
  assert.deepEqual(first(map).EnvironmentVar, [
    { Key: 'CPU_LIMIT', Value: '1' },
    { Key: 'MEM_LIMIT', Value: String(64 * 2 ** 20) },
  ]);
});

test('resources: nothing anywhere gives 2/4; requests only; pod-level resources win', () => {
  assert.deepEqual(((m) => [m.Cpu, m.Memory])(wire({ pod: pod() }).map), [2, 4]);
  const req = wire({ pod: pod({ resources: { requests: { cpu: '1500m', memory: '3Gi' } } }) }).map;
  assert.deepEqual([req.Cpu, req.Memory, first(req).Cpu, first(req).Memory], [2, 4, 1.5, 3]);
  const podLevel = wire({
    pod: pod(
      { resources: { limits: { cpu: '1', memory: '1Gi' } } },
      { resources: { limits: { cpu: '4', memory: '8Gi' } } },
    ),
  }).map;
  assert.deepEqual([podLevel.Cpu, podLevel.Memory], [4, 8]);
});

test('GPUs with a GPU instance type', () => {
  const { map } = wire({
    pod: pod(
      { resources: { limits: { 'nvidia.com/gpu': '1', cpu: '4', memory: '15Gi' } } },
      {},
      { annotations: { 'k8s.aliyun.com/eci-use-specs': 'ecs.gn6i-c4g1.xlarge' } },
    ),
  });
  assert.equal(first(map).Gpu, 1);
  assert.equal(map.InstanceType, 'ecs.gn6i-c4g1.xlarge');
  assert.equal(map.Cpu, undefined);
});

test('extended resources ECI does not know are ignored with a warning', () => {
  const { warnings } = wire({ pod: pod({ resources: { limits: { 'example.com/dongle': '1' } } }) });
  assert.ok(
    warnings.includes(
      'spec.containers[0].resources: extended resource example.com/dongle has no ECI equivalent and is ignored',
    ),
  );
});

test('volumes: inline NFS, emptyDir in memory, secret items with modes, optional missing ConfigMap as an empty dir', () => {
  const { map } = wire({
    pod: pod(
      {},
      {
        volumes: [
          { name: 'share', nfs: { server: 'nas.example.com', path: '/exports', readOnly: true } },
          { name: 'shm', emptyDir: { medium: 'Memory', sizeLimit: '256Mi' } },
          {
            name: 'tls',
            secret: {
              secretName: 'tls',
              defaultMode: 256,
              items: [{ key: 'tls.key', path: 'key.pem', mode: 384 }],
            },
          },
          { name: 'maybe', configMap: { name: 'absent', optional: true } },
        ],
      },
    ),
    secrets: { tls: { type: 'kubernetes.io/tls', data: { 'tls.key': b64('KEY'), 'tls.crt': b64('CRT') } } },
  });
  assert.deepEqual(map.Volume, [
    {
      NFSVolume: { Path: '/exports', ReadOnly: true, Server: 'nas.example.com' },
      Name: 'share',
      Type: 'NFSVolume',
    },
    { EmptyDirVolume: { Medium: 'Memory', SizeLimit: '256Mi' }, Name: 'shm', Type: 'EmptyDirVolume' },
    {
      ConfigFileVolume: {
        ConfigFileToPath: [{ Content: b64('KEY'), Mode: 384, Path: 'key.pem' }],
        DefaultMode: 256,
      },
      Name: 'tls',
      Type: 'ConfigFileVolume',
    },
    { EmptyDirVolume: {}, Name: 'maybe', Type: 'EmptyDirVolume' },
  ]);
});

test('volumes: projected ConfigMap, Secret, downward API and a token for a custom audience', () => {
  const p = pod(
    {},
    {
      volumes: [
        {
          name: 'bundle',
          projected: {
            sources: [
              { configMap: { name: 'cm', items: [{ key: 'a', path: 'conf/a' }] } },
              { secret: { name: 's' } },
              { downwardAPI: { items: [{ path: 'name', fieldRef: { fieldPath: 'metadata.name' } }] } },
              { serviceAccountToken: { audience: 'vault', path: 'vault-token', expirationSeconds: 600 } },
            ],
          },
        },
      ],
    },
  );
  assert.deepEqual(serviceAccountTokenAudiences(p.spec?.volumes), ['vault']);
  const { map } = wire({
    pod: p,
    configMaps: { cm: { data: { a: 'A', b: 'B' } } },
    secrets: { s: { data: { pw: b64('PW') } } },
    serviceAccountTokens: { vault: 'VAULT-JWT' },
  });
  assert.deepEqual(map.Volume, [
    {
      ConfigFileVolume: {
        ConfigFileToPath: [
          { Content: b64('A'), Path: 'conf/a' },
          { Content: b64('PW'), Path: 'pw' },
          { Content: b64('p'), Path: 'name' },
          { Content: b64('VAULT-JWT'), Path: 'vault-token' },
        ],
      },
      Name: 'bundle',
      Type: 'ConfigFileVolume',
    },
  ]);
});

test('volumes: NAS, NFS and FlexVolume PersistentVolumes and a generic ephemeral volume', () => {
  const claim = (name: string, pv: string) => ({
    metadata: { name },
    spec: { volumeName: pv },
    status: { phase: 'Bound' },
  });
  const boundTo = (name: string) => ({ claimRef: { namespace: 'ns', name } });
  // The ephemeral volume controller creates `<pod>-<volume>` controlled by the pod.
  const ephemeral = {
    ...claim('p-scratch', 'd-scratch'),
    metadata: {
      name: 'p-scratch',
      ownerReferences: [{ apiVersion: 'v1', kind: 'Pod', name: 'p', uid: 'u', controller: true }],
    },
  };
  const { map } = wire({
    pod: pod(
      {},
      {
        volumes: [
          { name: 'nas', persistentVolumeClaim: { claimName: 'nas', readOnly: true } },
          { name: 'nfs', persistentVolumeClaim: { claimName: 'nfs' } },
          { name: 'flex', persistentVolumeClaim: { claimName: 'flex' } },
          { name: 'scratch', ephemeral: { volumeClaimTemplate: { spec: {} } } },
        ],
      },
    ),
    persistentVolumeClaims: {
      nas: claim('nas', 'pv-nas'),
      nfs: claim('nfs', 'pv-nfs'),
      flex: claim('flex', 'pv-flex'),
      'p-scratch': ephemeral,
    },
    persistentVolumes: {
      'pv-nas': {
        spec: {
          ...boundTo('nas'),
          csi: {
            driver: 'nasplugin.csi.alibabacloud.com',
            volumeHandle: 'pv-nas',
            volumeAttributes: { server: '0cd8b4a576-mmi32.cn-hangzhou.nas.aliyuncs.com', path: '/share' },
          },
        },
      },
      'pv-nfs': { spec: { ...boundTo('nfs'), nfs: { server: '10.0.0.9', path: '/data' } } },
      'pv-flex': {
        spec: {
          ...boundTo('flex'),
          flexVolume: { driver: 'alicloud/disk', fsType: 'xfs', options: { volumeId: 'd-flex' } },
        },
      },
      'd-scratch': {
        spec: {
          ...boundTo('p-scratch'),
          csi: { driver: 'diskplugin.csi.alibabacloud.com', volumeHandle: 'd-scratch' },
        },
      },
    },
  });
  assert.deepEqual(map.Volume, [
    {
      NFSVolume: { Path: '/share', ReadOnly: true, Server: '0cd8b4a576-mmi32.cn-hangzhou.nas.aliyuncs.com' },
      Name: 'nas',
      Type: 'NFSVolume',
    },
    { NFSVolume: { Path: '/data', Server: '10.0.0.9' }, Name: 'nfs', Type: 'NFSVolume' },
    { DiskVolume: { DiskId: 'd-flex', FsType: 'xfs' }, Name: 'flex', Type: 'DiskVolume' },
    { DiskVolume: { DiskId: 'd-scratch', FsType: 'ext4' }, Name: 'scratch', Type: 'DiskVolume' },
  ]);
});

test('mounts: subPathExpr expanded from known env, mountPropagation kept', () => {
  const { map } = wire({
    pod: pod(
      {
        env: [{ name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
        volumeMounts: [
          {
            name: 'logs',
            mountPath: '/logs',
            subPathExpr: 'pods/$(POD)',
            mountPropagation: 'HostToContainer',
          },
        ],
      },
      { volumes: [{ name: 'logs', emptyDir: {} }] },
    ),
  });
  assert.deepEqual(first(map).VolumeMount, [
    { MountPath: '/logs', MountPropagation: 'HostToContainer', Name: 'logs', SubPath: 'pods/p' },
  ]);
});

test('lifecycle: httpGet postStart with headers on a named port, tcpSocket preStop', () => {
  const { map } = wire({
    pod: pod({
      ports: [{ name: 'admin', containerPort: 9901 }],
      lifecycle: {
        postStart: {
          httpGet: {
            host: '127.0.0.1',
            path: '/warm',
            port: 'admin',
            scheme: 'HTTP',
            httpHeaders: [{ name: 'X-Warm', value: '1' }],
          },
        },
        preStop: { tcpSocket: { port: 9901 } },
      },
    }),
  });
  const c = first(map);
  assert.deepEqual(Object.fromEntries(Object.entries(c).filter(([k]) => k.startsWith('Lifecycle'))), {
    LifecyclePostStartHandlerHttpGetHost: '127.0.0.1',
    LifecyclePostStartHandlerHttpGetHttpHeader: [{ Name: 'X-Warm', Value: '1' }],
    LifecyclePostStartHandlerHttpGetPath: '/warm',
    LifecyclePostStartHandlerHttpGetPort: 9901,
    LifecyclePostStartHandlerHttpGetScheme: 'HTTP',
    LifecyclePreStopHandlerTcpSocketPort: 9901,
  });
});

test('lifecycle: a sleep action becomes an exec of sleep, with a warning', () => {
  const { map, warnings } = wire({ pod: pod({ lifecycle: { preStop: { sleep: { seconds: 15 } } } }) });
  assert.deepEqual(first(map).LifecyclePreStopHandlerExec, ['sleep', '15']);
  assert.ok(warnings.some((w) => w.startsWith('spec.containers[0].lifecycle.preStop.sleep runs "sleep 15"')));
});

test('probes: exec with every threshold; startupProbe without liveness is dropped with a warning', () => {
  const { map, warnings } = wire({
    pod: pod({
      livenessProbe: {
        exec: { command: ['cat', '/tmp/healthy'] },
        initialDelaySeconds: 3,
        periodSeconds: 7,
        timeoutSeconds: 2,
        successThreshold: 1,
        failureThreshold: 4,
      },
      readinessProbe: { tcpSocket: { port: 80 } },
      startupProbe: { exec: { command: ['true'] } },
    }),
  });
  const c = first(map);
  // The startup budget (0 + 10 × 3 = 30 s) pushes liveness back.
  assert.deepEqual(c.LivenessProbe, {
    Exec: { Command: ['cat', '/tmp/healthy'] },
    FailureThreshold: 4,
    InitialDelaySeconds: 30,
    PeriodSeconds: 7,
    SuccessThreshold: 1,
    TimeoutSeconds: 2,
  });
  assert.deepEqual(c.ReadinessProbe, { TcpSocket: { Port: 80 } });
  assert.ok(warnings.some((w) => w.includes('livenessProbe.initialDelaySeconds raised to 30s')));
  const alone = wire({ pod: pod({ startupProbe: { exec: { command: ['true'] } } }) });
  assert.equal(first(alone.map).LivenessProbe, undefined);
  assert.ok(alone.warnings.some((w) => w.includes('no livenessProbe to delay, so it is dropped')));
});

test('security: capabilities, read-only root, user and group from the pod, dropped fields warned once', () => {
  const { map, warnings } = wire({
    pod: pod(
      {
        securityContext: {
          capabilities: { add: ['NET_ADMIN'], drop: ['ALL'] },
          readOnlyRootFilesystem: true,
          allowPrivilegeEscalation: false,
        },
      },
      {
        securityContext: {
          runAsUser: 1000,
          runAsGroup: 3000,
          runAsNonRoot: true,
          sysctls: [{ name: 'net.core.somaxconn', value: '1024' }],
        },
      },
    ),
  });
  const c = first(map);
  assert.deepEqual(c.SecurityContext, {
    Capability: { Add: ['NET_ADMIN'] },
    ReadOnlyRootFilesystem: true,
    RunAsUser: 1000,
  });
  assert.equal(c.SecurityContextRunAsGroup, 3000);
  assert.equal(c.SecurityContextRunAsNonRoot, true);
  assert.deepEqual(map.SecurityContext, { Sysctl: [{ Name: 'net.core.somaxconn', Value: '1024' }] });
  assert.ok(
    warnings.includes(
      'not applied, ECI has no equivalent: spec.containers[0].securityContext.capabilities.drop',
    ),
  );
});

test('stdin, tty and termination message settings', () => {
  const { map } = wire({
    pod: pod({
      stdin: true,
      stdinOnce: true,
      tty: true,
      terminationMessagePath: '/dev/done',
      terminationMessagePolicy: 'FallbackToLogsOnError',
    }),
  });
  const c = first(map);
  assert.deepEqual(
    [c.Stdin, c.StdinOnce, c.Tty, c.TerminationMessagePath, c.TerminationMessagePolicy],
    [true, true, true, '/dev/done', 'FallbackToLogsOnError'],
  );
});

test('a native sidecar init container runs as an ECI sidecar beside the app container', () => {
  const { map, warnings } = wire({
    pod: pod(
      {},
      {
        initContainers: [
          { name: 'migrate', image: 'migrate' },
          {
            name: 'proxy',
            image: 'envoy',
            restartPolicy: 'Always',
            readinessProbe: { tcpSocket: { port: 15000 } },
          },
        ],
      },
    ),
  });
  assert.deepEqual(
    (map.Container as Map[]).map((c) => [c.Name, c.EnvironmentVar]),
    [
      ['app', undefined],
      [
        'proxy',
        [
          { Key: 'ECI_CONTAINER_TYPE', Value: 'sidecar' },
          { Key: 'ECI_CONTAINER_LAUNCH_PRIORITY', Value: '1' },
          { Key: 'ECI_CONTAINER_EXIT_PRIORITY', Value: '1' },
        ],
      ],
    ],
  );
  assert.deepEqual(
    (map.InitContainer as Map[]).map((c) => c.Name),
    ['migrate'],
  );
  assert.ok(warnings.some((w) => w.includes('(proxy) is a native sidecar')));
});

test('native sidecars start before and exit after the app containers, in the kubelet order; their own env wins', () => {
  const { map } = wire({
    pod: pod(
      {},
      {
        initContainers: [
          { name: 'first', image: 'envoy', restartPolicy: 'Always' },
          { name: 'init', image: 'migrate' },
          {
            name: 'second',
            image: 'fluent-bit',
            restartPolicy: 'Always',
            env: [{ name: 'ECI_CONTAINER_EXIT_PRIORITY', value: '7' }],
          },
        ],
      },
    ),
  });
  const env = (name: string) =>
    Object.fromEntries(
      (
        ((map.Container as Map[]).find((c) => c.Name === name)?.EnvironmentVar as
          { Key: string; Value: string }[] | undefined) ?? []
      ).map((e) => [e.Key, e.Value]),
    );
  assert.deepEqual(env('app'), {});
  assert.deepEqual(env('first'), {
    ECI_CONTAINER_TYPE: 'sidecar',
    ECI_CONTAINER_LAUNCH_PRIORITY: '2',
    ECI_CONTAINER_EXIT_PRIORITY: '2',
  });
  assert.deepEqual(env('second'), {
    ECI_CONTAINER_EXIT_PRIORITY: '7',
    ECI_CONTAINER_TYPE: 'sidecar',
    ECI_CONTAINER_LAUNCH_PRIORITY: '1',
  });
});

test('pod level: share process namespace, deadlines, FQDN host name, hostAliases', () => {
  const { map } = wire({
    pod: pod(
      {},
      {
        shareProcessNamespace: true,
        activeDeadlineSeconds: 600,
        terminationGracePeriodSeconds: 5,
        hostname: 'kafka-0',
        subdomain: 'kafka',
        setHostnameAsFQDN: true,
        hostAliases: [{ ip: '10.1.1.1', hostnames: ['legacy.local', 'old.local'] }],
      },
    ),
  });
  assert.deepEqual(
    [map.ShareProcessNamespace, map.ActiveDeadlineSeconds, map.TerminationGracePeriodSeconds, map.HostName],
    [true, 600, 5, 'kafka-0.kafka.ns.svc.cluster.local'],
  );
  assert.deepEqual(map.HostAliase, [{ Hostname: ['legacy.local', 'old.local'], Ip: '10.1.1.1' }]);
});

test('DNS: ClusterFirst merges the pod dnsConfig; Default and None are passed on', () => {
  const cluster = wire({
    pod: pod(
      {},
      {
        dnsConfig: {
          searches: ['corp.local'],
          options: [{ name: 'ndots', value: '2' }, { name: 'single-request-reopen' }],
        },
      },
      {
        annotations: {
          'k8s.aliyun.com/cluster-dns': '172.20.0.10',
          'k8s.aliyun.com/cluster-domain': 'k8s.internal',
        },
      },
    ),
  }).map;
  assert.equal(cluster.DnsPolicy, 'None');
  assert.deepEqual(cluster.DnsConfig, {
    NameServer: ['172.20.0.10'],
    Option: [{ Name: 'ndots', Value: '2' }, { Name: 'single-request-reopen' }],
    Search: ['ns.svc.k8s.internal', 'svc.k8s.internal', 'k8s.internal', 'corp.local'],
  });
  const dflt = wire({ pod: pod({}, { dnsPolicy: 'Default' }) }).map;
  assert.deepEqual([dflt.DnsPolicy, dflt.DnsConfig], ['Default', undefined]);
  const none = wire({ pod: pod({}, { dnsPolicy: 'None', dnsConfig: { nameservers: ['1.1.1.1'] } }) }).map;
  assert.deepEqual([none.DnsPolicy, none.DnsConfig], ['None', { NameServer: ['1.1.1.1'] }]);
});

test('image pull secrets: dockercfg with username/password, auth decoded, missing secret warned', () => {
  const { map, warnings } = wire({
    pod: pod({}, { imagePullSecrets: [{ name: 'old' }, { name: 'new' }, { name: 'gone' }] }),
    secrets: {
      old: {
        type: 'kubernetes.io/dockercfg',
        data: {
          '.dockercfg': b64(
            JSON.stringify({ 'https://index.docker.io/v1/': { username: 'bob', password: 'pw1' } }),
          ),
        },
      },
      new: {
        type: 'kubernetes.io/dockerconfigjson',
        data: {
          '.dockerconfigjson': b64(
            JSON.stringify({
              auths: {
                'harbor.example.com': { auth: b64('robot$ci:t0k:en') },
                'token.example.com': { identitytoken: 'x' },
              },
            }),
          ),
        },
      },
    },
  });
  assert.deepEqual(map.ImageRegistryCredential, [
    { Password: 'pw1', Server: 'index.docker.io', UserName: 'bob' },
    { Password: 't0k:en', Server: 'harbor.example.com', UserName: 'robot$ci' },
  ]);
  assert.ok(warnings.some((w) => w.includes('Secret new has no username/password for token.example.com')));
  assert.ok(warnings.some((w) => w.includes('Secret gone not found')));
});

test('log collection: the profile machine group fills in a missing _machinegroup', () => {
  const { map } = wire({
    pod: pod(
      {
        env: [
          { name: 'aliyun_logs_access', value: '/var/log/nginx/access.log' },
          { name: 'aliyun_logs_access_project', value: 'k8s-logs' },
          { name: 'aliyun_logs_stdout', value: 'stdout' },
          { name: 'aliyun_logs_stdout_machinegroup', value: 'own-group' },
        ],
        volumeMounts: [{ name: 'logs', mountPath: '/var/log/nginx' }],
      },
      { volumes: [{ name: 'logs', emptyDir: {} }] },
    ),
    profile: { enableLogController: true, slsMachineGroup: 'eci-mg' },
  });
  assert.deepEqual(first(map).EnvironmentVar, [
    { Key: 'aliyun_logs_access', Value: '/var/log/nginx/access.log' },
    { Key: 'aliyun_logs_access_project', Value: 'k8s-logs' },
    { Key: 'aliyun_logs_stdout', Value: 'stdout' },
    { Key: 'aliyun_logs_stdout_machinegroup', Value: 'own-group' },
    { Key: 'aliyun_logs_access_machinegroup', Value: 'eci-mg' },
  ]);
  const noGroup = wire({ pod: pod(), profile: { enableLogController: true } });
  assert.ok(noGroup.warnings.some((w) => w.includes('enableLogController without slsMachineGroup')));
});

test('the translation does not modify its input', () => {
  const input = pod(
    { env: [{ name: 'A', value: '$(B)' }] },
    { volumes: [{ name: 'v', emptyDir: {} }] },
    {
      annotations: { 'k8s.aliyun.com/eci-custom-tags': 'a:b' },
    },
  );
  const before = structuredClone(input);
  wire({ pod: input });
  assert.deepEqual(input, before);
});

test('ephemeral storage beyond the 30 GiB base is bought; the annotation overrides it', () => {
  const p = pod(
    { resources: { limits: { 'ephemeral-storage': '40Gi' } } },
    {
      initContainers: [
        { name: 'unpack', image: 'busybox', resources: { requests: { 'ephemeral-storage': '55Gi' } } },
      ],
    },
  );
  assert.equal(wire({ pod: p }).map.EphemeralStorage, 25);
  assert.equal(
    wire({ pod: pod({ resources: { limits: { 'ephemeral-storage': '20Gi' } } }) }).map.EphemeralStorage,
    undefined,
  );
  const annotated = {
    ...p,
    metadata: { ...p.metadata, annotations: { 'k8s.aliyun.com/eci-extra-ephemeral-storage': '100Gi' } },
  };
  assert.equal(wire({ pod: annotated }).map.EphemeralStorage, 100);
});

test('more than 10 args with a command are passed as one command line', () => {
  const args = Array.from({ length: 12 }, (_, i) => `a${i}`);
  const c = first(wire({ pod: pod({ command: ['java', '-jar', 'app.jar'], args }) }).map);
  assert.deepEqual(c.Command, ['java', '-jar', 'app.jar', ...args]);
  assert.equal(c.Arg, undefined);
});

test('SCTP ports are passed on', () => {
  assert.deepEqual(
    first(wire({ pod: pod({ ports: [{ containerPort: 9899, protocol: 'SCTP' }] }) }).map).Port,
    [{ Port: 9899, Protocol: 'SCTP' }],
  );
});

test('podReferences lists every object the translation reads', () => {
  const refs = podReferences(
    pod(
      {
        env: [
          { name: 'A', valueFrom: { configMapKeyRef: { name: 'cm-env', key: 'a' } } },
          { name: 'B', valueFrom: { secretKeyRef: { name: 's-env', key: 'b' } } },
        ],
        envFrom: [{ configMapRef: { name: 'cm-from' } }, { secretRef: { name: 's-from' } }],
      },
      {
        initContainers: [{ name: 'i', image: 'x', envFrom: [{ secretRef: { name: 's-init' } }] }],
        imagePullSecrets: [{ name: 'pull' }],
        volumes: [
          { name: 'c', configMap: { name: 'cm-vol' } },
          { name: 's', secret: { secretName: 's-vol' } },
          { name: 'd', persistentVolumeClaim: { claimName: 'claim' } },
          { name: 'e', ephemeral: { volumeClaimTemplate: { spec: {} } } },
          {
            name: 'kube-api-access-1',
            projected: {
              sources: [
                { serviceAccountToken: { path: 'token' } },
                { configMap: { name: 'kube-root-ca.crt' } },
                { secret: { name: 's-proj' } },
              ],
            },
          },
        ],
      },
    ),
  );
  assert.deepEqual(refs, {
    configMaps: ['cm-vol', 'kube-root-ca.crt', 'cm-env', 'cm-from'],
    secrets: ['s-vol', 's-proj', 's-env', 's-from', 's-init', 'pull'],
    persistentVolumeClaims: ['claim', 'p-e'],
    serviceAccountTokenAudiences: [''],
  });
});

test('resources: a larger init container sets the floor per resource (Kubernetes effective request)', () => {
  const { map } = wire({
    pod: pod(
      { resources: { limits: { cpu: '1', memory: '6Gi' } } },
      {
        initContainers: [
          { name: 'warm', image: 'busybox', resources: { limits: { cpu: '3', memory: '1Gi' } } },
        ],
      },
    ),
  });
  // max(1, 3) vCPU and max(6, 1) GiB = 3 / 6, rounded up to 4 / 8.
  assert.deepEqual([map.Cpu, map.Memory], [4, 8]);
  assert.deepEqual((map.InitContainer as Map[])[0]?.Cpu, 3);
});

test('image pull secrets: the first credential for a registry wins, as kubelet tries them in order', () => {
  const cfg = (user: string) => ({
    type: 'kubernetes.io/dockerconfigjson',
    data: {
      '.dockerconfigjson': b64(
        JSON.stringify({ auths: { 'https://ghcr.io': { username: user, password: 'x' } } }),
      ),
    },
  });
  const { map } = wire({
    pod: pod({}, { imagePullSecrets: [{ name: 'a' }, { name: 'b' }] }),
    secrets: { a: cfg('first'), b: cfg('second') },
  });
  assert.deepEqual(map.ImageRegistryCredential, [{ Password: 'x', Server: 'ghcr.io', UserName: 'first' }]);
});
