// The trimmed pod cache (issue 13): what trimPod drops, what every reader of a cached pod still
// finds, and that the tracker (the cache the informers feed) applies it in place.
import { test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import assert from 'node:assert/strict';
import type { V1Pod } from '@kubernetes/client-node';
import { LAST_APPLIED_ANNOTATION, trimPod } from '../../../reconciler/slim.ts';
import { PodTracker } from '../../../reconciler/tracker.ts';

/** kubectl apply's annotation: the manifest again, as JSON. */
const LAST_APPLIED = JSON.stringify({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'web', namespace: 'ns', labels: { app: 'web', eci: 'true' } },
  spec: { containers: [{ name: 'main', image: 'nginx:1.27', env: [{ name: 'A', value: 'x'.repeat(500) }] }] },
});

/** A pod with every field a reader of the cache uses: the controller, status sync, translate, the kubelet API. */
function fullPod(): V1Pod {
  return {
    metadata: {
      name: 'web',
      namespace: 'ns',
      uid: 'uid-web',
      resourceVersion: '812',
      generation: 2,
      creationTimestamp: new Date('2026-11-30T10:00:00Z'),
      deletionTimestamp: new Date('2026-11-30T11:00:00Z'),
      deletionGracePeriodSeconds: 30,
      labels: { app: 'web', eci: 'true' },
      annotations: {
        [LAST_APPLIED_ANNOTATION]: LAST_APPLIED,
        'k8s.aliyun.com/eci-use-specs': 'ecs.c6.large',
        'k8s.aliyun.com/eci-instance-id': 'eci-1',
        'k8s.aliyun.com/eci-client-token': 'uid-web',
        'kubernetes.io/cluster-dns': '10.96.0.10',
        'kubectl.kubernetes.io/restartedAt': '2026-11-30T09:59:00Z',
      },
      ownerReferences: [
        { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-1', uid: 'rs-1', controller: true },
      ],
      finalizers: ['example.com/keep'],
      managedFields: [
        {
          manager: 'kubectl-client-side-apply',
          operation: 'Update',
          apiVersion: 'v1',
          fieldsType: 'FieldsV1',
          fieldsV1: { 'f:metadata': { 'f:annotations': {} }, 'f:spec': { 'f:containers': {} } },
        },
      ],
    },
    spec: {
      nodeName: 'virtual-node-eci-0',
      serviceAccountName: 'default',
      schedulerName: 'default-scheduler',
      priority: 0,
      enableServiceLinks: true,
      dnsPolicy: 'ClusterFirst',
      restartPolicy: 'Always',
      terminationGracePeriodSeconds: 30,
      activeDeadlineSeconds: 600,
      securityContext: { runAsUser: 1000, sysctls: [{ name: 'net.core.somaxconn', value: '1024' }] },
      imagePullSecrets: [{ name: 'registry' }],
      tolerations: [{ key: 'virtual-kubelet.io/provider', operator: 'Exists', effect: 'NoSchedule' }],
      affinity: {
        podAntiAffinity: {
          preferredDuringSchedulingIgnoredDuringExecution: [
            { weight: 1, podAffinityTerm: { topologyKey: 'kubernetes.io/hostname' } },
          ],
        },
      },
      readinessGates: [{ conditionType: 'example.com/ready' }],
      initContainers: [
        { name: 'setup', image: 'busybox', command: ['sh', '-c', 'true'], restartPolicy: 'Always' },
      ],
      containers: [
        {
          name: 'main',
          image: 'nginx:1.27',
          imagePullPolicy: 'IfNotPresent',
          resources: { requests: { cpu: '250m', memory: '512Mi' } },
          env: [{ name: 'APP', valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } }],
          volumeMounts: [
            { name: 'podinfo', mountPath: '/etc/podinfo' },
            { name: 'token', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount', readOnly: true },
          ],
          readinessProbe: { httpGet: { path: '/', port: 80 } },
          lifecycle: { preStop: { sleep: { seconds: 5 } } },
        },
      ],
      ephemeralContainers: [{ name: 'debug', image: 'busybox' }],
      volumes: [
        {
          name: 'podinfo',
          downwardAPI: { items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }] },
        },
        {
          name: 'token',
          projected: {
            sources: [
              { serviceAccountToken: { path: 'token', expirationSeconds: 3607 } },
              { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
              {
                downwardAPI: {
                  items: [
                    { path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } },
                  ],
                },
              },
            ],
          },
        },
      ],
    },
    status: {
      phase: 'Running',
      podIP: '10.0.0.5',
      podIPs: [{ ip: '10.0.0.5' }],
      hostIP: '10.0.0.5',
      startTime: new Date('2026-11-30T10:00:05Z'),
      qosClass: 'Burstable',
      conditions: [
        { type: 'Ready', status: 'True', lastTransitionTime: new Date('2026-11-30T10:00:09Z') },
        { type: 'example.com/ready', status: 'True' },
      ],
      containerStatuses: [
        {
          name: 'main',
          image: 'nginx:1.27',
          imageID: '',
          ready: true,
          restartCount: 0,
          started: true,
          state: { running: { startedAt: new Date('2026-11-30T10:00:08Z') } },
        },
      ],
    },
  };
}

test('trimPod drops managedFields and the last-applied annotation, and keeps every field a reader uses', () => {
  const pod = fullPod();
  const expected = fullPod();
  delete expected.metadata!.managedFields;
  delete expected.metadata!.annotations![LAST_APPLIED_ANNOTATION];
  assert.equal(trimPod(pod), pod, 'in place: the informer cache holds the same object');
  assert.deepEqual(pod, expected);
});

test('the last-applied annotation stays whenever the downward API shows annotations to a container', () => {
  const withEnv = (fieldPath: string): V1Pod => {
    const p = fullPod();
    p.spec!.containers[0]!.env = [{ name: 'X', valueFrom: { fieldRef: { fieldPath } } }];
    return p;
  };
  const withVolume = (fieldPath: string, projected: boolean): V1Pod => {
    const p = fullPod();
    const items = [{ path: 'annotations', fieldRef: { fieldPath } }];
    p.spec!.volumes = [
      projected
        ? { name: 'info', projected: { sources: [{ downwardAPI: { items } }] } }
        : { name: 'info', downwardAPI: { items } },
    ];
    return p;
  };
  const withInitEnv = (fieldPath: string): V1Pod => {
    const p = fullPod();
    p.spec!.initContainers![0]!.env = [{ name: 'X', valueFrom: { fieldRef: { fieldPath } } }];
    return p;
  };
  const table: [name: string, pod: V1Pod, kept: boolean][] = [
    ['no downward API of annotations', fullPod(), false],
    ['a downwardAPI volume of all annotations', withVolume('metadata.annotations', false), true],
    ['a projected downwardAPI of all annotations', withVolume('metadata.annotations', true), true],
    ['a downwardAPI volume of labels only', withVolume('metadata.labels', false), false],
    ['env of the annotation itself', withEnv(`metadata.annotations['${LAST_APPLIED_ANNOTATION}']`), true],
    ['env of another annotation', withEnv("metadata.annotations['kubernetes.io/cluster-dns']"), true],
    ['an init container env of an annotation', withInitEnv("metadata.annotations['x']"), true],
    ['env of a label', withEnv("metadata.labels['app']"), false],
  ];
  for (const [name, pod, kept] of table) {
    trimPod(pod);
    assert.equal(pod.metadata!.annotations![LAST_APPLIED_ANNOTATION] === LAST_APPLIED, kept, name);
    assert.equal(pod.metadata!.annotations!['k8s.aliyun.com/eci-use-specs'], 'ecs.c6.large', name);
    assert.equal(pod.metadata!.managedFields, undefined, name);
  }
});

test('a pod without annotations, metadata or spec is left as it is', () => {
  const table: V1Pod[] = [
    {},
    { metadata: { name: 'p' } },
    { spec: { containers: [] } },
    { metadata: { annotations: {} } },
  ];
  for (const pod of table) assert.deepEqual(trimPod(structuredClone(pod)), pod);
});

test('the tracker trims each pod the informers hand it, in the object the informer keeps', () => {
  const tracker = new PodTracker({ clusterId: 'c1', nodes: new Set(['virtual-node-eci-0']), wake: () => {} });
  const fromInformer = fullPod();
  tracker.setPod(fromInformer);
  const cached = tracker.get('uid-web')!.pod!;
  assert.equal(cached.metadata!.annotations![LAST_APPLIED_ANNOTATION], undefined);
  assert.equal(cached.metadata!.managedFields, undefined);
  assert.equal(
    fromInformer.metadata!.annotations![LAST_APPLIED_ANNOTATION],
    undefined,
    'the informer cache too',
  );
  assert.equal(cached.metadata!.annotations!['k8s.aliyun.com/eci-instance-id'], 'eci-1');
  assert.equal(tracker.groupOf('ns', 'web'), undefined);
});

test('a trimmed pod keeps fast properties (a `delete` would leave its metadata a hash table, ~380 bytes more)', () => {
  setFlagsFromString('--allow-natives-syntax');
  const hasFastProperties = new Function('o', 'return %HasFastProperties(o)') as (o: object) => boolean;
  // As the watch delivers it: parsed from JSON.
  const pod = JSON.parse(JSON.stringify(fullPod())) as V1Pod;
  assert.equal(hasFastProperties(pod.metadata!), true, 'parsed');
  trimPod(pod);
  assert.equal(pod.metadata!.managedFields, undefined);
  assert.equal(hasFastProperties(pod), true, 'the pod');
  assert.equal(hasFastProperties(pod.metadata!), true, 'its metadata');
  assert.equal(hasFastProperties(pod.metadata!.annotations!), true, 'its annotations');
});
