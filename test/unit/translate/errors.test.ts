// One test per way a pod cannot become a container group: each must fail with
// exactly one error naming the pod field or annotation at fault.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { V1Container, V1Pod, V1Volume } from '@kubernetes/client-node';
import type { TranslateInput } from '../../../reconciler/translate.ts';
import { b64, errors } from './helpers.ts';

type Input = Omit<TranslateInput, 'defaults'> & { defaults?: TranslateInput['defaults'] };

function pod(container: Partial<V1Container> = {}, spec: Partial<NonNullable<V1Pod['spec']>> = {}): V1Pod {
  return {
    metadata: { name: 'p', namespace: 'ns', uid: 'u' },
    spec: { containers: [{ name: 'app', image: 'nginx', ...container }], ...spec },
  };
}
const withVolume = (v: V1Volume, mountPath = '/data'): V1Pod =>
  pod({ volumeMounts: [{ name: v.name, mountPath }] }, { volumes: [v] });
const boundClaim = (pv: object): Partial<Input> => ({
  persistentVolumeClaims: {
    c: { metadata: { name: 'c' }, spec: { volumeName: 'pv1' }, status: { phase: 'Bound' } },
  },
  persistentVolumes: {
    pv1: { metadata: { name: 'pv1' }, spec: { claimRef: { namespace: 'ns', name: 'c' }, ...pv } },
  },
});
const claimVolume: V1Volume = { name: 'data', persistentVolumeClaim: { claimName: 'c' } };

const cases: Array<{
  name: string;
  input: Input;
  field: string;
  message: RegExp;
  missing?: true;
  configError?: true;
}> = [
  {
    name: 'pod without a name',
    input: { pod: { metadata: { namespace: 'ns' }, spec: pod().spec } },
    field: 'metadata.name',
    message: /no name/,
  },
  {
    name: 'hostNetwork',
    input: { pod: pod({}, { hostNetwork: true }) },
    field: 'spec.hostNetwork',
    message: /not available on ECI/,
  },
  {
    name: 'hostPID',
    input: { pod: pod({}, { hostPID: true }) },
    field: 'spec.hostPID',
    message: /not available/,
  },
  {
    name: 'hostIPC',
    input: { pod: pod({}, { hostIPC: true }) },
    field: 'spec.hostIPC',
    message: /not available/,
  },
  {
    name: 'Windows pod',
    input: { pod: pod({}, { os: { name: 'windows' } }) },
    field: 'spec.os.name',
    message: /Linux/,
  },
  {
    name: 'unknown restartPolicy',
    input: { pod: pod({}, { restartPolicy: 'Sometimes' }) },
    field: 'spec.restartPolicy',
    message: /unknown restartPolicy Sometimes/,
  },
  {
    name: 'more than 20 containers',
    input: {
      pod: {
        metadata: { name: 'p' },
        spec: { containers: Array.from({ length: 21 }, (_, i) => ({ name: `c${i}`, image: 'busybox' })) },
      },
    },
    field: 'spec.containers',
    message: /at most 20 containers per pod/,
  },
  {
    name: 'more than the largest spec',
    input: { pod: pod({ resources: { limits: { cpu: '65', memory: '64Gi' } } }) },
    field: 'spec.containers',
    message: /65 vCPU \/ 64 GiB, more than the largest ECI spec \(64 vCPU \/ 512 GiB\)/,
  },
  {
    name: 'GPU without a GPU instance type',
    input: { pod: pod({ resources: { limits: { 'nvidia.com/gpu': '1' } } }) },
    field: 'spec.containers[0].resources.limits.nvidia.com/gpu',
    message: /GPU instance type/,
  },
  {
    name: 'fractional GPU',
    input: {
      pod: {
        ...pod({ resources: { limits: { 'nvidia.com/gpu': '0.5' } } }),
        metadata: { name: 'p', annotations: { 'k8s.aliyun.com/eci-use-specs': 'ecs.gn6i-c4g1.xlarge' } },
      },
    },
    field: 'spec.containers[0].resources.limits.nvidia.com/gpu',
    message: /whole number/,
  },
  {
    name: 'hugepages',
    input: { pod: pod({ resources: { limits: { 'hugepages-2Mi': '100Mi', memory: '1Gi' } } }) },
    field: 'spec.containers[0].resources.limits.hugepages-2Mi',
    message: /hugepages/,
  },
  {
    name: 'invalid quantity',
    input: { pod: pod({ resources: { limits: { cpu: 'two' } } }) },
    field: 'spec.containers[0].resources.limits.cpu',
    message: /"two" is not a valid quantity/,
  },
  {
    name: 'no vSwitch anywhere',
    input: { pod: pod(), defaults: { regionId: 'cn-hangzhou', vSwitchIds: [], securityGroupId: 'sg-1' } },
    field: 'vSwitchId',
    message: /no vSwitch/,
  },
  {
    name: 'no security group anywhere',
    input: { pod: pod(), defaults: { regionId: 'cn-hangzhou', vSwitchIds: ['vsw-1'], securityGroupId: '' } },
    field: 'securityGroupId',
    message: /no security group/,
  },
  {
    name: 'raw block volume device',
    input: { pod: pod({ volumeDevices: [{ name: 'blk', devicePath: '/dev/xvda' }] }) },
    field: 'spec.containers[0].volumeDevices',
    message: /raw block volumes are not available on ECI/,
  },
  {
    name: 'pod ResourceClaims',
    input: { pod: pod({}, { resourceClaims: [{ name: 'gpu', resourceClaimName: 'gpu-claim' }] }) },
    field: 'spec.resourceClaims',
    message: /ResourceClaims/,
  },
  {
    name: 'container resource claims',
    input: { pod: pod({ resources: { claims: [{ name: 'gpu' }] } }) },
    field: 'spec.containers[0].resources.claims',
    message: /ResourceClaims/,
  },
  {
    name: 'custom tag with a reserved key',
    input: {
      pod: {
        ...pod(),
        metadata: { name: 'p', annotations: { 'k8s.aliyun.com/eci-custom-tags': 'aliyun:x' } },
      },
    },
    field: "metadata.annotations['k8s.aliyun.com/eci-custom-tags']",
    message: /must not start with "aliyun"/,
  },
  // env
  {
    name: 'envFrom a missing ConfigMap',
    missing: true,
    input: { pod: pod({ envFrom: [{ configMapRef: { name: 'nope' } }] }) },
    field: 'spec.containers[0].envFrom[0].configMapRef',
    message: /ConfigMap nope not found/,
  },
  {
    name: 'envFrom a missing Secret',
    missing: true,
    input: { pod: pod({ envFrom: [{ secretRef: { name: 'nope' } }] }) },
    field: 'spec.containers[0].envFrom[0].secretRef',
    message: /Secret nope not found/,
  },
  {
    name: 'fieldRef to a field ECI cannot provide',
    input: { pod: pod({ env: [{ name: 'P', valueFrom: { fieldRef: { fieldPath: 'status.phase' } } }] }) },
    field: 'spec.containers[0].env[0].valueFrom.fieldRef',
    message: /fieldRef status.phase is not supported/,
  },
  {
    name: 'resourceFieldRef to an unknown container',
    input: {
      pod: pod({
        env: [{ name: 'C', valueFrom: { resourceFieldRef: { containerName: 'x', resource: 'limits.cpu' } } }],
      }),
    },
    field: 'spec.containers[0].env[0].valueFrom.resourceFieldRef',
    message: /unknown container "x"/,
  },
  {
    name: 'resourceFieldRef to an unsupported resource',
    input: {
      pod: pod({
        env: [{ name: 'G', valueFrom: { resourceFieldRef: { resource: 'limits.nvidia.com/gpu' } } }],
      }),
    },
    field: 'spec.containers[0].env[0].valueFrom.resourceFieldRef',
    message: /limits.nvidia.com\/gpu is not supported/,
  },
  {
    name: 'resourceFieldRef with a negative divisor',
    input: {
      pod: pod({
        env: [{ name: 'C', valueFrom: { resourceFieldRef: { resource: 'limits.cpu', divisor: '-1' } } }],
      }),
    },
    field: 'spec.containers[0].env[0].valueFrom.resourceFieldRef',
    message: /divisor -1 is not a positive quantity/,
  },
  {
    name: 'resourceFieldRef with a divisor that is not a quantity',
    input: {
      pod: pod({
        env: [{ name: 'C', valueFrom: { resourceFieldRef: { resource: 'limits.cpu', divisor: 'milli' } } }],
      }),
    },
    field: 'spec.containers[0].env[0].valueFrom.resourceFieldRef',
    message: /divisor milli is not a positive quantity/,
  },
  {
    name: 'configMapKeyRef to a missing ConfigMap',
    missing: true,
    input: { pod: pod({ env: [{ name: 'K', valueFrom: { configMapKeyRef: { name: 'cm', key: 'k' } } }] }) },
    field: 'spec.containers[0].env[0].valueFrom.configMapKeyRef',
    message: /ConfigMap cm not found/,
  },
  {
    name: 'configMapKeyRef to a missing key',
    missing: true,
    input: {
      pod: pod({ env: [{ name: 'K', valueFrom: { configMapKeyRef: { name: 'cm', key: 'k' } } }] }),
      configMaps: { cm: { data: { other: '1' } } },
    },
    field: 'spec.containers[0].env[0].valueFrom.configMapKeyRef',
    message: /key k not found in ConfigMap cm/,
  },
  {
    name: 'secretKeyRef to a missing Secret',
    missing: true,
    input: { pod: pod({ env: [{ name: 'S', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } }] }) },
    field: 'spec.containers[0].env[0].valueFrom.secretKeyRef',
    message: /Secret s not found/,
  },
  {
    name: 'secretKeyRef to a missing key',
    missing: true,
    input: {
      pod: pod({ env: [{ name: 'S', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } }] }),
      secrets: { s: { data: {} } },
    },
    field: 'spec.containers[0].env[0].valueFrom.secretKeyRef',
    message: /key k not found in Secret s/,
  },
  {
    name: 'a valueFrom source ECI has no equivalent for',
    input: {
      pod: pod({
        env: [{ name: 'F', valueFrom: { fileKeyRef: { path: 'a', volumeName: 'v', key: 'k' } } as never }],
      }),
    },
    field: 'spec.containers[0].env[0].valueFrom',
    message: /not supported/,
  },
  // volumes
  {
    name: 'hostPath volume',
    input: { pod: withVolume({ name: 'docker', hostPath: { path: '/var/run/docker.sock' } }) },
    field: 'spec.volumes[0].hostPath',
    message: /volume docker: hostPath cannot be mounted on ECI/,
  },
  {
    name: 'a volume type ECI cannot mount',
    input: {
      pod: withVolume({ name: 'lun', iscsi: { targetPortal: '10.0.0.1:3260', iqn: 'iqn.x', lun: 0 } }),
    },
    field: 'spec.volumes[0].iscsi',
    message: /volume lun: iscsi volumes are not supported on ECI/,
  },
  {
    name: 'emptyDir on hugepages',
    input: { pod: withVolume({ name: 'h', emptyDir: { medium: 'HugePages' } }) },
    field: 'spec.volumes[0].emptyDir.medium',
    message: /HugePages/,
  },
  {
    name: 'configMap volume of a missing ConfigMap',
    missing: true,
    input: { pod: withVolume({ name: 'conf', configMap: { name: 'cm' } }) },
    field: 'spec.volumes[0].configMap',
    message: /ConfigMap cm not found/,
  },
  {
    name: 'secret volume of a missing Secret',
    missing: true,
    input: { pod: withVolume({ name: 'tls', secret: { secretName: 'tls' } }) },
    field: 'spec.volumes[0].secret',
    message: /Secret tls not found/,
  },
  {
    name: 'configMap volume item with a missing key',
    missing: true,
    input: {
      pod: withVolume({
        name: 'conf',
        configMap: { name: 'cm', items: [{ key: 'a.conf', path: 'a.conf' }] },
      }),
      configMaps: { cm: { data: { 'b.conf': 'x' } } },
    },
    field: 'spec.volumes[0].configMap.items[0]',
    message: /key a.conf not found in ConfigMap cm/,
  },
  {
    name: 'config file over 32 KiB',
    input: {
      pod: withVolume({ name: 'conf', configMap: { name: 'big' } }),
      configMaps: { big: { data: { 'big.json': 'x'.repeat(32 * 1024 + 1) } } },
    },
    field: 'spec.volumes[0]',
    message: /file big.json is 32769 bytes, over ECI's 32768-byte limit per file/,
  },
  {
    name: 'config files over 60 KiB in total',
    input: {
      pod: pod(
        {
          volumeMounts: [
            { name: 'a', mountPath: '/a' },
            { name: 'b', mountPath: '/b' },
          ],
        },
        {
          volumes: [
            { name: 'a', configMap: { name: 'a' } },
            { name: 'b', secret: { secretName: 'b' } },
          ],
        },
      ),
      configMaps: { a: { data: { one: 'x'.repeat(31 * 1024) } } },
      secrets: { b: { data: { two: b64('y'.repeat(30 * 1024)) } } },
    },
    field: 'spec.volumes',
    message: /total 62464 bytes, over ECI's 61440-byte limit per pod/,
  },
  {
    name: 'downwardAPI volume with a field only known at run time',
    input: {
      pod: withVolume({
        name: 'info',
        downwardAPI: { items: [{ path: 'ip', fieldRef: { fieldPath: 'status.podIP' } }] },
      }),
    },
    field: 'spec.volumes[0].downwardAPI.items[0].fieldRef',
    message: /status.podIP is not supported in a downwardAPI volume/,
  },
  {
    name: 'downwardAPI volume resourceFieldRef without a container',
    input: {
      pod: withVolume({
        name: 'info',
        downwardAPI: {
          items: [{ path: 'cpu', resourceFieldRef: { containerName: 'nope', resource: 'limits.cpu' } }],
        },
      }),
    },
    field: 'spec.volumes[0].downwardAPI.items[0].resourceFieldRef',
    message: /containerName must name a container/,
  },
  {
    name: 'projected volume with a missing ConfigMap',
    missing: true,
    input: { pod: withVolume({ name: 'all', projected: { sources: [{ configMap: { name: 'cm' } }] } }) },
    field: 'spec.volumes[0].projected.sources[0].configMap',
    message: /ConfigMap cm not found/,
  },
  {
    name: 'projected volume with a missing Secret',
    missing: true,
    input: { pod: withVolume({ name: 'all', projected: { sources: [{ secret: { name: 's' } }] } }) },
    field: 'spec.volumes[0].projected.sources[0].secret',
    message: /Secret s not found/,
  },
  {
    name: 'projected volume source ECI cannot provide',
    input: {
      pod: withVolume({
        name: 'bundle',
        projected: { sources: [{ clusterTrustBundle: { signerName: 'example.com/x', path: 'ca.pem' } }] },
      }),
    },
    field: 'spec.volumes[0].projected.sources[0]',
    message: /not supported on ECI/,
  },
  {
    name: 'PVC that does not exist',
    missing: true,
    input: { pod: withVolume(claimVolume) },
    field: 'spec.volumes[0].persistentVolumeClaim',
    message: /PersistentVolumeClaim c not found/,
  },
  {
    name: 'PVC not bound yet',
    missing: true,
    input: {
      pod: withVolume(claimVolume),
      persistentVolumeClaims: { c: { metadata: { name: 'c' }, spec: {}, status: { phase: 'Pending' } } },
    },
    field: 'spec.volumes[0].persistentVolumeClaim',
    message: /not bound to a PersistentVolume yet/,
  },
  {
    name: 'PVC bound to a PV that was not provided',
    missing: true,
    input: {
      pod: withVolume(claimVolume),
      persistentVolumeClaims: {
        c: { metadata: { name: 'c' }, spec: { volumeName: 'pv1' }, status: { phase: 'Bound' } },
      },
    },
    field: 'spec.volumes[0].persistentVolumeClaim',
    message: /PersistentVolume pv1 \(bound to c\) not found/,
  },
  {
    name: 'NAS PV without a server',
    input: {
      pod: withVolume(claimVolume),
      ...boundClaim({ csi: { driver: 'nasplugin.csi.alibabacloud.com', volumeHandle: 'n' } }),
    },
    field: 'spec.volumes[0].persistentVolumeClaim',
    message: /NAS volume has no volumeAttributes.server/,
  },
  {
    name: 'PV of a CSI driver ECI cannot mount',
    input: {
      pod: withVolume(claimVolume),
      ...boundClaim({ csi: { driver: 'ebs.csi.aws.com', volumeHandle: 'vol-1' } }),
    },
    field: 'spec.volumes[0].persistentVolumeClaim',
    message: /PersistentVolume pv1: CSI driver ebs.csi.aws.com cannot be mounted on ECI/,
  },
  {
    name: 'hostPath PV',
    input: { pod: withVolume(claimVolume), ...boundClaim({ hostPath: { path: '/mnt/data' } }) },
    field: 'spec.volumes[0].persistentVolumeClaim',
    message: /PersistentVolume pv1: hostPath cannot be mounted on ECI/,
  },
  {
    name: 'generic ephemeral volume whose claim does not exist yet',
    missing: true,
    input: {
      pod: withVolume({
        name: 'scratch',
        ephemeral: {
          volumeClaimTemplate: {
            spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
          },
        },
      }),
    },
    field: 'spec.volumes[0].ephemeral',
    message: /PersistentVolumeClaim p-scratch not found/,
  },
  {
    name: 'flexVolume with a secret',
    input: { pod: withVolume({ name: 'f', flexVolume: { driver: 'x/y', secretRef: { name: 's' } } }) },
    field: 'spec.volumes[0].flexVolume.secretRef',
    message: /not supported/,
  },
  // containers
  {
    name: 'container without an image',
    input: { pod: pod({ image: '' }) },
    field: 'spec.containers[0].image',
    message: /image is required/,
  },
  {
    // A privileged app container is translated (privileged-containers.test.ts): ECI has the field for those only.
    name: 'privileged init container',
    input: {
      pod: pod(
        {},
        { initContainers: [{ name: 'setup', image: 'x', securityContext: { privileged: true } }] },
      ),
    },
    field: 'spec.initContainers[0].securityContext.privileged',
    message: /privileged init containers are not available on ECI/,
  },
  {
    name: 'hostPort different from containerPort',
    input: { pod: pod({ ports: [{ containerPort: 80, hostPort: 8080 }] }) },
    field: 'spec.containers[0].ports[0].hostPort',
    message: /hostPort/,
  },
  {
    name: 'a port ECI reserves for its agent',
    input: { pod: pod({ ports: [{ containerPort: 10250 }] }) },
    field: 'spec.containers[0].ports[0].containerPort',
    message: /containerPort 10250 is reserved by ECI/,
  },
  {
    name: 'a port protocol ECI does not know',
    input: { pod: pod({ ports: [{ containerPort: 443, protocol: 'QUIC' }] }) },
    field: 'spec.containers[0].ports[0].protocol',
    message: /QUIC is not supported/,
  },
  {
    name: 'more than 10 args without a command',
    input: { pod: pod({ args: Array.from({ length: 11 }, (_, i) => `--flag${i}`) }) },
    field: 'spec.containers[0].args',
    message: /at most 10 args/,
  },
  {
    name: 'more than 20 volumes',
    input: {
      pod: pod({}, { volumes: Array.from({ length: 21 }, (_, i) => ({ name: `v${i}`, emptyDir: {} })) }),
    },
    field: 'spec.volumes',
    message: /at most 20 volumes per pod, this pod has 21/,
  },
  {
    name: 'more than 20 init containers',
    input: {
      pod: pod(
        {},
        { initContainers: Array.from({ length: 21 }, (_, i) => ({ name: `i${i}`, image: 'busybox' })) },
      ),
    },
    field: 'spec.initContainers',
    message: /at most 20 init containers/,
  },
  {
    name: 'probe on an unknown named port',
    input: { pod: pod({ readinessProbe: { httpGet: { path: '/', port: 'web' } } }) },
    field: 'spec.containers[0].readinessProbe.httpGet.port',
    message: /port "web" is not a named port of container app/,
  },
  {
    name: 'gRPC probe',
    input: { pod: pod({ livenessProbe: { grpc: { port: 9000 } } }) },
    field: 'spec.containers[0].livenessProbe.grpc',
    message: /gRPC probes are not supported by ECI/,
  },
  {
    name: 'probe without a handler',
    input: { pod: pod({ livenessProbe: { periodSeconds: 5 } }) },
    field: 'spec.containers[0].livenessProbe',
    message: /no handler/,
  },
  {
    name: 'lifecycle hook without an action',
    input: { pod: pod({ lifecycle: { preStop: {} } }) },
    field: 'spec.containers[0].lifecycle.preStop',
    message: /no action/,
  },
  {
    name: 'subPathExpr using a value only known at run time',
    input: {
      pod: pod(
        {
          env: [{ name: 'IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } }],
          volumeMounts: [{ name: 'logs', mountPath: '/logs', subPathExpr: '$(IP)' }],
        },
        { volumes: [{ name: 'logs', emptyDir: {} }] },
      ),
    },
    field: 'spec.containers[0].volumeMounts[0].subPathExpr',
    message: /not known before the pod starts/,
  },
  {
    name: 'subPathExpr that expands to an absolute path (a kubelet refuses it: CreateContainerConfigError)',
    input: {
      pod: pod(
        {
          env: [{ name: 'DIR', value: '/tmp' }],
          volumeMounts: [{ name: 'logs', mountPath: '/logs', subPathExpr: '$(DIR)' }],
        },
        { volumes: [{ name: 'logs', emptyDir: {} }] },
      ),
    },
    field: 'spec.containers[0].volumeMounts[0].subPathExpr',
    message: /^error SubPath `\/tmp` must not be an absolute path$/,
    configError: true,
  },
  {
    name: 'subPathExpr that expands to a path climbing out of the volume',
    input: {
      pod: pod(
        {
          env: [{ name: 'DIR', value: 'a/../..' }],
          volumeMounts: [{ name: 'logs', mountPath: '/logs', subPathExpr: '$(DIR)' }],
        },
        { volumes: [{ name: 'logs', emptyDir: {} }] },
      ),
    },
    field: 'spec.containers[0].volumeMounts[0].subPathExpr',
    message: /must not contain '\.\.'/,
    configError: true,
  },
  {
    name: 'init container with a probe',
    input: {
      pod: pod(
        {},
        {
          initContainers: [
            { name: 'init', image: 'busybox', readinessProbe: { exec: { command: ['true'] } } },
          ],
        },
      ),
    },
    field: 'spec.initContainers[0].readinessProbe',
    message: /init containers cannot have a readinessProbe/,
  },
  // DNS and registries
  {
    name: 'dnsPolicy None without nameservers',
    input: { pod: pod({}, { dnsPolicy: 'None', dnsConfig: { searches: ['a.example'] } }) },
    field: 'spec.dnsConfig.nameservers',
    message: /at least one nameserver/,
  },
  {
    name: 'unknown dnsPolicy',
    input: { pod: pod({}, { dnsPolicy: 'Cluster' }) },
    field: 'spec.dnsPolicy',
    message: /dnsPolicy Cluster is not supported/,
  },
  {
    name: 'imagePullSecret of the wrong type',
    input: {
      pod: pod({}, { imagePullSecrets: [{ name: 'opaque' }] }),
      secrets: { opaque: { type: 'Opaque', data: {} } },
    },
    field: 'spec.imagePullSecrets[0]',
    message: /type Opaque; expected kubernetes.io\/dockerconfigjson or kubernetes.io\/dockercfg/,
  },
  {
    name: 'imagePullSecret that is not JSON',
    input: {
      pod: pod({}, { imagePullSecrets: [{ name: 'bad' }] }),
      secrets: {
        bad: { type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': b64('{not json') } },
      },
    },
    field: 'spec.imagePullSecrets[0]',
    message: /not valid docker config JSON/,
  },
  // log collection env
  {
    name: 'log store that is neither stdout nor a path',
    input: { pod: pod({ env: [{ name: 'aliyun_logs_app', value: 'logs/app.log' }] }) },
    field: 'spec.containers[0].env[aliyun_logs_app]',
    message: /must be "stdout" or an absolute file path/,
  },
  {
    name: 'log file outside an emptyDir',
    input: { pod: pod({ env: [{ name: 'aliyun_logs_app', value: '/var/log/app/*.log' }] }) },
    field: 'spec.containers[0].env[aliyun_logs_app]',
    message: /\/var\/log\/app must be inside an emptyDir volume mount/,
  },
  {
    name: 'log ttl that is not a number',
    input: {
      pod: pod({
        env: [
          { name: 'aliyun_logs_app', value: 'stdout' },
          { name: 'aliyun_logs_app_ttl', value: 'a week' },
        ],
      }),
    },
    field: 'spec.containers[0].env[aliyun_logs_app_ttl]',
    message: /must be a whole number/,
  },
];

for (const c of cases) {
  test(`rejected: ${c.name}`, () => {
    const errs = errors(c.input);
    assert.equal(errs.length, 1, JSON.stringify(errs));
    assert.equal(errs[0]?.field, c.field);
    assert.match(errs[0]?.message ?? '', c.message);
    // Missing or unbound references are marked so the reconciler waits instead of failing.
    assert.equal(errs[0]?.missingReference, c.missing);
    // Containers a kubelet would not configure wait (CreateContainerConfigError) rather than fail.
    assert.equal(errs[0]?.configError, c.configError);
  });
}
