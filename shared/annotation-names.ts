// Names of the labels, annotations and taints shared by the webhook, the reconciler
// and the translation. Each name is defined here once; what an ECI annotation's
// value may be is annotation-values.ts, what it does to a request is
// reconciler/translate/annotations.ts.

/** Labels that select a pod or namespace for ECI. */
export const SELECTION_LABELS = {
  eci: 'alibabacloud.com/eci',
  eciShort: 'eci',
  /** Legacy namespace label, value `enabled`. */
  legacyNamespaceInjection: 'virtual-node-affinity-injection',
} as const;

/** The virtual node's scheduling contract. */
export const VIRTUAL_NODE = {
  typeLabel: 'type',
  typeValue: 'virtual-kubelet',
  taintKey: 'virtual-kubelet.io/provider',
  taintValue: 'alibabacloud',
  namePrefix: 'virtual-node-eci-',
} as const;

/** Pod annotations written by the webhook and read by the reconciler. */
export const CLUSTER_ANNOTATIONS = {
  k8sVersion: 'k8s.aliyun.com/k8s-version',
  clusterDns: 'k8s.aliyun.com/cluster-dns',
  clusterDomain: 'k8s.aliyun.com/cluster-domain',
} as const;

/**
 * Pod annotations the reconciler writes back once a container group exists
 * (docs/status-mapping.md): the create call's (id, token, request id) and what the group itself reports
 * (reconciler/translate/instance-annotations.ts). Names the add-on writes from data this
 * code never sees (matched image cache, compute category) are not declared.
 */
export const INSTANCE_ANNOTATIONS = {
  instanceId: 'k8s.aliyun.com/eci-instance-id',
  clientToken: 'k8s.aliyun.com/eci-client-token',
  requestId: 'k8s.aliyun.com/eci-request-id',
  instanceSpec: 'k8s.aliyun.com/eci-instance-spec',
  instanceCpu: 'k8s.aliyun.com/eci-instance-cpu',
  instanceMemory: 'k8s.aliyun.com/eci-instance-mem',
  instanceZone: 'k8s.aliyun.com/eci-instance-zone',
  vpc: 'k8s.aliyun.com/eci-vpc',
  /** The image cache ECI used for the group (reconciler/imagecache/matched.ts). */
  matchedImageCache: 'k8s.aliyun.com/eci-matched-image-cache',
} as const;

/** Pod annotations that steer the reconciler's failure handling. */
export const BEHAVIOUR_ANNOTATIONS = {
  failStrategy: 'k8s.aliyun.com/eci-fail-strategy',
  failOnCreateError: 'k8s.aliyun.com/pod-fail-on-create-err',
  maxPendingMinute: 'k8s.aliyun.com/eci-max-pending-minute',
} as const;

/** Prefix of every ECI tuning annotation. */
export const ECI_ANNOTATION_PREFIX = 'k8s.aliyun.com/eci-';
