// The review both servers answer: a realistic Deployment-made pod in an ECI namespace,
// with a profile of a few selectors, so the webhook does its full work.
import type { V1Pod } from '@kubernetes/client-node';
import { parseEciProfile, type EciProfile } from '../../shared/profile.ts';
import type { ClusterFacts } from '../../webhook/mutate.ts';

export const NAMESPACE_LABELS = { 'kubernetes.io/metadata.name': 'shop', 'alibabacloud.com/eci': 'true' };

const parsed = parseEciProfile({
  vSwitchIds: 'vsw-a,vsw-b',
  securityGroupId: 'sg-1',
  selectors: JSON.stringify([
    { name: 'gpu', namespaceSelector: { matchLabels: { gpu: 'true' } }, effect: { labels: { gpu: 'yes' } } },
    {
      name: 'batch',
      objectSelector: { matchExpressions: [{ key: 'tier', operator: 'In', values: ['batch', 'web'] }] },
      effect: { annotations: { 'k8s.aliyun.com/eci-spot-strategy': 'SpotAsPriceGo' } },
    },
    { name: 'all', effect: { annotations: { 'k8s.aliyun.com/eci-auto-imc': 'true' } } },
  ]),
});
if (!parsed.ok) throw new Error('bench profile invalid');
export const PROFILE: EciProfile = parsed.profile;
export const FACTS: ClusterFacts = {
  k8sVersion: 'v1.36.3',
  clusterDns: '10.96.0.10',
  clusterDomain: 'cluster.local',
};

const pod: V1Pod = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: {
    generateName: 'web-7d9f8c6b5-',
    namespace: 'shop',
    labels: { app: 'web', tier: 'web', 'pod-template-hash': '7d9f8c6b5', version: 'v3' },
    annotations: { 'prometheus.io/scrape': 'true', 'prometheus.io/port': '9090' },
    ownerReferences: [
      {
        apiVersion: 'apps/v1',
        kind: 'ReplicaSet',
        name: 'web-7d9f8c6b5',
        uid: '0b6c1d2e-1111-2222-3333-444455556666',
        controller: true,
        blockOwnerDeletion: true,
      },
    ],
  },
  spec: {
    nodeSelector: { 'kubernetes.io/os': 'linux' },
    containers: [
      {
        name: 'web',
        image: 'registry.example.com/shop/web:3.14.1',
        ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }],
        env: Array.from({ length: 12 }, (_, i) => ({
          name: `SETTING_${i}`,
          value: `value-${i}-${'x'.repeat(20)}`,
        })),
        resources: { requests: { cpu: '500m', memory: '512Mi' }, limits: { cpu: '1', memory: '1Gi' } },
        readinessProbe: { httpGet: { path: '/ready', port: 8080 }, periodSeconds: 5 },
        volumeMounts: [
          { name: 'config', mountPath: '/etc/web' },
          {
            name: 'kube-api-access',
            mountPath: '/var/run/secrets/kubernetes.io/serviceaccount',
            readOnly: true,
          },
        ],
      },
      {
        name: 'sidecar',
        image: 'registry.example.com/shop/proxy:1.2',
        resources: { requests: { cpu: '100m', memory: '64Mi' } },
      },
    ],
    volumes: [
      { name: 'config', configMap: { name: 'web-config' } },
      {
        name: 'kube-api-access',
        projected: { sources: [{ serviceAccountToken: { path: 'token', expirationSeconds: 3607 } }] },
      },
    ],
    tolerations: [
      {
        key: 'node.kubernetes.io/not-ready',
        operator: 'Exists',
        effect: 'NoExecute',
        tolerationSeconds: 300,
      },
      {
        key: 'node.kubernetes.io/unreachable',
        operator: 'Exists',
        effect: 'NoExecute',
        tolerationSeconds: 300,
      },
    ],
    restartPolicy: 'Always',
    serviceAccountName: 'default',
  },
};

export const REVIEW = {
  apiVersion: 'admission.k8s.io/v1',
  kind: 'AdmissionReview',
  request: {
    uid: '705ab4f5-6393-11e8-b7cc-42010a800002',
    kind: { group: '', version: 'v1', kind: 'Pod' },
    resource: { group: '', version: 'v1', resource: 'pods' },
    requestKind: { group: '', version: 'v1', kind: 'Pod' },
    requestResource: { group: '', version: 'v1', resource: 'pods' },
    namespace: 'shop',
    operation: 'CREATE',
    userInfo: {
      username: 'system:serviceaccount:kube-system:replicaset-controller',
      groups: ['system:serviceaccounts', 'system:authenticated'],
    },
    object: pod,
    oldObject: null,
    dryRun: false,
    options: { kind: 'CreateOptions', apiVersion: 'meta.k8s.io/v1' },
  },
};
export const REVIEW_BODY = JSON.stringify(REVIEW);
