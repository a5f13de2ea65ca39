// The real-world manifests in examples/translate, translated as the reconciler
// would (pod as the controllers and admission leave it), asserting the exact request.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { translatePod, type TranslateInput } from '../../../reconciler/translate.ts';
import { b64, DEFAULTS } from './helpers.ts';
import { loadExample } from './manifests.ts';

const ROOT_CA = {
  'kube-root-ca.crt': { metadata: { name: 'kube-root-ca.crt' }, data: { 'ca.crt': 'CA-PEM' } },
};

function run(file: string, extra: Partial<TranslateInput> = {}) {
  const input = loadExample(file);
  const r = translatePod({
    ...input,
    configMaps: { ...input.configMaps, ...ROOT_CA },
    serviceAccountTokens: { '': 'SA-TOKEN' },
    defaults: DEFAULTS,
    ...extra,
  });
  if (!r.ok) assert.fail(JSON.stringify(r.errors));
  return { map: r.request.toMap() as Record<string, unknown>, warnings: r.warnings };
}

const SA_MOUNT = {
  MountPath: '/var/run/secrets/kubernetes.io/serviceaccount',
  Name: 'kube-api-access-x7k2p',
  ReadOnly: true,
};
const SA_VOLUME = {
  ConfigFileVolume: {
    ConfigFileToPath: [
      { Content: b64('SA-TOKEN'), Path: 'token' },
      { Content: b64('CA-PEM'), Path: 'ca.crt' },
      { Content: b64('shop'), Path: 'namespace' },
    ],
    DefaultMode: 420,
  },
  Name: 'kube-api-access-x7k2p',
  Type: 'ConfigFileVolume',
};
const CLUSTER_DNS = {
  DnsConfig: {
    NameServer: ['10.96.0.10'],
    Option: [{ Name: 'ndots', Value: '5' }],
    Search: ['shop.svc.cluster.local', 'svc.cluster.local', 'cluster.local'],
  },
  DnsPolicy: 'None',
};
const PLACEMENT = { RegionId: 'cn-hangzhou', SecurityGroupId: 'sg-default', VSwitchId: 'vsw-default' };

const NGINX_CONF =
  "server {\n  listen 8080;\n  location / { root /usr/share/nginx/html; }\n  location /healthz { return 200 'ok'; }\n}\n";

test('nginx Deployment with probes and a ConfigMap', () => {
  const { map, warnings } = run('nginx-deployment.yaml');
  assert.deepEqual(map, {
    ...CLUSTER_DNS,
    ...PLACEMENT,
    Container: [
      {
        LivenessProbe: {
          InitialDelaySeconds: 60,
          PeriodSeconds: 10,
          TcpSocket: { Port: 8080 },
          TimeoutSeconds: 2,
        },
        ReadinessProbe: {
          FailureThreshold: 3,
          HttpGet: { Path: '/healthz', Port: 8080, Scheme: 'HTTP' },
          PeriodSeconds: 5,
        },
        Cpu: 1,
        EnvironmentVar: [
          { Key: 'NGINX_default.conf', Value: NGINX_CONF },
          { Key: 'NGINX_WORKER_PROCESSES', Value: '2' },
        ],
        Image: 'nginx:1.27-alpine',
        LifecyclePreStopHandlerExec: ['/bin/sh', '-c', 'nginx -s quit; sleep 5'],
        Memory: 1,
        Name: 'nginx',
        Port: [{ Port: 8080, Protocol: 'TCP' }],
        VolumeMount: [
          {
            MountPath: '/etc/nginx/conf.d/default.conf',
            Name: 'conf',
            ReadOnly: true,
            SubPath: 'default.conf',
          },
          SA_MOUNT,
        ],
      },
    ],
    ContainerGroupName: 'shop-web-6d4cf56db6-w2x9k-a8e78822',
    Cpu: 1,
    HostName: 'web-6d4cf56db6-w2x9k',
    Memory: 2,
    RestartPolicy: 'Always',
    TerminationGracePeriodSeconds: 30,
    Volume: [
      {
        ConfigFileVolume: { ConfigFileToPath: [{ Content: b64(NGINX_CONF), Path: 'default.conf' }] },
        Name: 'conf',
        Type: 'ConfigFileVolume',
      },
      SA_VOLUME,
    ],
  });
  assert.deepEqual(warnings, [
    'spec.containers[0].startupProbe: ECI has none; livenessProbe.initialDelaySeconds raised to 60s instead',
  ]);
});

test('Job with limits, an init container and a sidecar left out of the spec', () => {
  const { map, warnings } = run('job-with-sidecar.yaml');
  assert.deepEqual(map, {
    ...CLUSTER_DNS,
    ...PLACEMENT,
    ActiveDeadlineSeconds: 1800,
    Container: [
      {
        Arg: ["import csv; print(sum(1 for _ in open('/work/input.csv')))"],
        Command: ['python', '-c'],
        Cpu: 3,
        EnvironmentVar: [
          { Key: 'PYTHONUNBUFFERED', Value: '1' },
          { Key: 'aliyun_logs_report', Value: 'stdout' },
        ],
        Image: 'python:3.12-slim',
        Memory: 6,
        Name: 'report',
        VolumeMount: [{ MountPath: '/work', Name: 'work' }, SA_MOUNT],
      },
      {
        Cpu: 0.25,
        EnvironmentVar: [
          { Key: 'ECI_CONTAINER_TYPE', Value: 'sidecar' },
          { Key: '__ECI_RESOURCE_IGNORE__', Value: 'TRUE' },
        ],
        Image: 'fluent/fluent-bit:3.1',
        Memory: 0.25,
        Name: 'log-shipper',
        VolumeMount: [{ MountPath: '/work', Name: 'work', ReadOnly: true }, SA_MOUNT],
      },
    ],
    ContainerGroupName: 'shop-report-xk2p9-eef76433',
    // 3 vCPU / 6 GiB (the sidecar is ignored) beats the 2 / 2 init container; rounded up to 4 / 8.
    Cpu: 4,
    HostName: 'report-xk2p9',
    InitContainer: [
      {
        Command: ['sh', '-c', "echo 'id,amount' > /work/input.csv && echo '1,42' >> /work/input.csv"],
        Cpu: 2,
        Image: 'busybox:1.36',
        Memory: 2,
        Name: 'fetch',
        VolumeMount: [{ MountPath: '/work', Name: 'work' }, SA_MOUNT],
      },
    ],
    Memory: 8,
    RestartPolicy: 'Never',
    Volume: [{ EmptyDirVolume: { SizeLimit: '5Gi' }, Name: 'work', Type: 'EmptyDirVolume' }, SA_VOLUME],
  });
  assert.deepEqual(warnings, []);
});

test('StatefulSet pod with a PVC bound to a disk and a subdomain', () => {
  const { map, warnings } = run('statefulset-pvc.yaml');
  assert.deepEqual(map, {
    ...CLUSTER_DNS,
    ...PLACEMENT,
    Container: [
      {
        ReadinessProbe: { Exec: { Command: ['pg_isready', '-U', 'postgres'] }, PeriodSeconds: 10 },
        SecurityContext: { RunAsUser: 999 },
        Cpu: 2,
        EnvironmentVar: [
          { Key: 'POSTGRES_PASSWORD', Value: 's3cr3t-pw' },
          { Key: 'PGDATA', Value: '/var/lib/postgresql/data/pgdata' },
        ],
        Image: 'postgres:16',
        Memory: 4,
        Name: 'postgres',
        Port: [{ Port: 5432, Protocol: 'TCP' }],
        SecurityContextRunAsGroup: 999,
        VolumeMount: [{ MountPath: '/var/lib/postgresql/data', Name: 'data' }, SA_MOUNT],
      },
    ],
    ContainerGroupName: 'shop-db-0-8b774c0b',
    Cpu: 2,
    HostName: 'db-0',
    Memory: 4,
    RestartPolicy: 'Always',
    Volume: [
      { DiskVolume: { DiskId: 'd-bp1c3kx8u2r4z5f6a7b8', FsType: 'ext4' }, Name: 'data', Type: 'DiskVolume' },
      SA_VOLUME,
    ],
  });
  assert.deepEqual(warnings, ['not applied, ECI has no equivalent: spec.securityContext.fsGroup']);
});

test('pod with downward API env and volume', () => {
  const { map } = run('downward-api.yaml');
  const labels = 'alibabacloud.com/eci="true"\napp="whoami"\ntier="backend"';
  const annotations =
    'build="2024-06-01"\nk8s.aliyun.com/cluster-dns="10.96.0.10"\nk8s.aliyun.com/cluster-domain="cluster.local"';
  assert.deepEqual(map, {
    ...CLUSTER_DNS,
    ...PLACEMENT,
    Container: [
      {
        Command: ['sh', '-c', 'while true; do cat /etc/podinfo/*; sleep 60; done'],
        Cpu: 0.5,
        EnvironmentVar: [
          { Key: 'POD_NAME', Value: 'whoami' },
          { Key: 'POD_NAMESPACE', Value: 'shop' },
          { Key: 'POD_UID', Value: 'uid-whoami' },
          // Only ECI knows the IP, at run time; on ECI the host IP is the pod IP.
          { FieldRef: { FieldPath: 'status.podIP' }, Key: 'POD_IP' },
          { FieldRef: { FieldPath: 'status.podIP' }, Key: 'HOST_IP' },
          { Key: 'NODE_NAME', Value: 'virtual-node-eci-0' },
          { Key: 'SERVICE_ACCOUNT', Value: 'default' },
          { Key: 'TIER', Value: 'backend' },
          { Key: 'CPU_LIMIT_MILLI', Value: '500' },
          { Key: 'MEMORY_LIMIT_MI', Value: '1024' },
        ],
        Image: 'busybox:1.36',
        Memory: 1,
        Name: 'app',
        VolumeMount: [{ MountPath: '/etc/podinfo', Name: 'podinfo' }, SA_MOUNT],
      },
    ],
    ContainerGroupName: 'shop-whoami-133a0236',
    Cpu: 0.5,
    HostName: 'whoami',
    Memory: 1,
    RestartPolicy: 'Always',
    Volume: [
      {
        ConfigFileVolume: {
          ConfigFileToPath: [
            { Content: b64(labels), Path: 'labels' },
            { Content: b64(annotations), Path: 'annotations' },
            { Content: b64('500'), Path: 'cpu_limit' },
          ],
        },
        Name: 'podinfo',
        Type: 'ConfigFileVolume',
      },
      SA_VOLUME,
    ],
  });
});

test('pod with every ECI annotation that maps to a request field', () => {
  const { map, warnings } = run('every-annotation.yaml');
  assert.deepEqual(map, {
    // The custom DNS config is merged after the cluster DNS: servers and searches appended, options by name.
    DnsConfig: {
      NameServer: ['10.96.0.10', '100.100.2.136'],
      Option: [{ Name: 'ndots', Value: '2' }, { Name: 'edns0' }],
      Search: ['shop.svc.cluster.local', 'svc.cluster.local', 'cluster.local', 'corp.example.com'],
    },
    DnsPolicy: 'None',
    AcrRegistryInfo: [
      {
        ArnService: 'acs:ram::1609982529000000:role/aliyunecidefaultrole',
        ArnUser: 'acs:ram::1609982529000000:role/crossaccountrole',
        InstanceId: 'cri-j36zhodptmyq7u5j',
        RegionId: 'cn-beijing',
      },
    ],
    AutoCreateEip: true,
    AutoMatchImageCache: true,
    Container: [
      { Image: 'registry.cn-beijing.aliyuncs.com/search/api:v3', Name: 'app', VolumeMount: [SA_MOUNT] },
    ],
    ContainerGroupName: 'shop-tuned-95da6ec1',
    CorePattern: '/pod/data/dump/core',
    CpuOptionsCore: 1,
    CpuOptionsThreadsPerCore: 2,
    DataCacheBucket: 'default',
    DataCacheBurstingEnabled: true,
    DataCachePL: 'PL1',
    DataCacheProvisionedIops: 1000,
    EgressBandwidth: 10_000_000,
    EipBandwidth: 10,
    EipCommonBandwidthPackage: 'cbwp-2zeukbj916scmj51m0000',
    EipISP: 'BGP',
    EphemeralStorage: 50,
    FixedIp: 'true',
    FixedIpRetainHour: 24,
    HostAliase: [
      { Hostname: ['db.corp.example.com'], Ip: '10.0.0.5' },
      { Hostname: ['cache.corp.example.com'], Ip: '10.0.0.6' },
    ],
    HostName: 'tuned',
    ImageSnapshotId: 'imc-2zebxkiifuyzzlhl7s8b',
    IngressBandwidth: 40_000_000,
    InsecureRegistry: 'registry.internal:5443',
    // Several specs in priority order: InstanceType carries them all, so no Cpu/Memory.
    InstanceType: '2-4Gi,ecs.c6.large,ecs.g6.large',
    Ipv6AddressCount: 1,
    Ipv6GatewayBandwidth: '100M',
    Ipv6GatewayBandwidthEnable: true,
    NtpServer: ['100.100.5.1', '100.100.5.2'],
    PlainHttpRegistry: 'harbor.example.com,192.168.1.10:5000',
    PrivateIpAddress: '192.168.0.42',
    RamRoleName: 'AliyunECIContainerGroupRole',
    RegionId: 'cn-hangzhou',
    ResourceGroupId: 'rg-prod',
    RestartPolicy: 'Always',
    ScheduleStrategy: 'VSwitchOrdered',
    SecurityGroupId: 'sg-web',
    SpotDuration: 0,
    SpotPriceLimit: 0.25,
    SpotStrategy: 'SpotWithPriceLimit',
    Tag: [
      { Key: 'env', Value: 'prod' },
      { Key: 'team', Value: 'search' },
    ],
    VSwitchId: 'vsw-zonea,vsw-zoneb',
    Volume: [SA_VOLUME],
  });
  assert.deepEqual(warnings, []);
});

test('Spark-driver-like pod: specs annotation, pod IP bind address, conf ConfigMap, pull secret', () => {
  const { map, warnings } = run('spark-driver.yaml');
  const props = (loadExample('spark-driver.yaml').configMaps?.['spark-drv-conf-map']?.data ?? {})[
    'spark.properties'
  ];
  assert.ok(props);
  assert.deepEqual(map, {
    ...CLUSTER_DNS,
    ...PLACEMENT,
    AutoMatchImageCache: true,
    Container: [
      {
        Arg: [
          'driver',
          '--properties-file',
          '/opt/spark/conf/spark.properties',
          '--class',
          'org.apache.spark.examples.SparkPi',
          'local:///opt/spark/examples/jars/spark-examples_2.12-3.5.1.jar',
          '1000',
        ],
        Cpu: 1,
        EnvironmentVar: [
          { Key: 'SPARK_USER', Value: 'spark' },
          { Key: 'SPARK_APPLICATION_ID', Value: 'spark-5d3c9a1e0b8f4c2a' },
          { FieldRef: { FieldPath: 'status.podIP' }, Key: 'SPARK_DRIVER_BIND_ADDRESS' },
          { Key: 'SPARK_LOCAL_DIRS', Value: '/var/data/spark-local' },
          { Key: 'SPARK_CONF_DIR', Value: '/opt/spark/conf' },
        ],
        Image: 'registry.cn-hangzhou.aliyuncs.com/bigdata/spark:3.5.1',
        ImagePullPolicy: 'IfNotPresent',
        Memory: 1.375,
        Name: 'spark-kubernetes-driver',
        Port: [
          { Port: 7078, Protocol: 'TCP' },
          { Port: 7079, Protocol: 'TCP' },
          { Port: 4040, Protocol: 'TCP' },
        ],
        VolumeMount: [
          { MountPath: '/var/data/spark-local', Name: 'spark-local-dir-1' },
          { MountPath: '/opt/spark/conf', Name: 'spark-conf-volume-driver' },
          SA_MOUNT,
        ],
      },
    ],
    ContainerGroupName: 'shop-spark-pi-driver-2ceb48c3',
    // eci-use-specs "4-16Gi" replaces the 1 vCPU / 1.375 GiB the containers ask for.
    Cpu: 4,
    HostName: 'spark-pi-driver',
    ImageRegistryCredential: [
      { Password: 'password123', Server: 'registry.cn-hangzhou.aliyuncs.com', UserName: 'spark' },
    ],
    Memory: 16,
    RestartPolicy: 'Never',
    Volume: [
      { EmptyDirVolume: {}, Name: 'spark-local-dir-1', Type: 'EmptyDirVolume' },
      {
        ConfigFileVolume: {
          ConfigFileToPath: [{ Content: b64(props), Mode: 420, Path: 'spark.properties' }],
          DefaultMode: 420,
        },
        Name: 'spark-conf-volume-driver',
        Type: 'ConfigFileVolume',
      },
      SA_VOLUME,
    ],
  });
  assert.deepEqual(warnings, []);
});

test('the translation is deterministic: a retry with the same inputs sends the same request', () => {
  for (const file of ['nginx-deployment.yaml', 'every-annotation.yaml', 'statefulset-pvc.yaml']) {
    assert.deepEqual(run(file).map, run(file).map, file);
  }
});
