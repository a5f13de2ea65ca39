// The reconciler's API permissions, checked at start by reconciler/main.ts (./check.ts). One
// row per call the code makes, naming the code; deploy/reconciler/rbac.yaml grants the same
// (test/unit/shared/self-check-rbac.test.ts keeps the two in step).
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { parseEciProfile } from '../profile.ts';
import { selfCheck, type Permission } from './check.ts';

export interface ReconcilerPermissionInput {
  nodeNames: readonly string[];
  /** `<namespace>/<name>` of the credentials Secret. */
  credentialsSecret: string;
  /** `<namespace>/<name>` of the ECI Profile ConfigMap. */
  profileConfigMap: string;
  /** The kubelet API's --authorization-mode: Webhook asks a SubjectAccessReview per request. */
  authorizationMode: 'Webhook' | 'AlwaysAllow';
  /** --client-ca-file; unset = the cluster's client CA, read from kube-system. */
  clientCaFile?: string;
  /** --leader-elect: the replicas share the nodes through Leases in `leaseNamespace`. */
  leaderElect: boolean;
  leaseNamespace: string;
  /** PrivateZone service discovery is on in the ECI Profile (enablePrivateZone). */
  privateZone: boolean;
}

function split(ref: string): { namespace: string; name: string } {
  const [namespace = '', name = ''] = ref.split('/');
  return { namespace, name };
}

/** Pure: every permission the reconciler needs with this configuration. */
export function reconcilerPermissions(input: ReconcilerPermissionInput): Permission[] {
  const secret = split(input.credentialsSecret);
  const profile = split(input.profileConfigMap);
  const perNode = input.nodeNames.flatMap((name): Permission[] => [
    { verb: 'get', resource: 'nodes', name, neededBy: 'the virtual node (reconciler/node.ts)' },
    { verb: 'patch', resource: 'nodes', name, neededBy: 'the virtual node (reconciler/node.ts)' },
    {
      verb: 'patch',
      resource: 'nodes',
      subresource: 'status',
      name,
      neededBy: 'the node heartbeat (reconciler/node.ts)',
    },
    {
      verb: 'patch',
      resource: 'leases',
      group: 'coordination.k8s.io',
      namespace: 'kube-node-lease',
      name,
      neededBy: 'the node lease (reconciler/node.ts)',
    },
  ]);
  const podInformer = 'the pod informer (reconciler/controller/pod-controller.ts)';
  const references = 'the pod references (reconciler/controller/references.ts)';
  const required: Permission[] = [
    { verb: 'create', resource: 'nodes', neededBy: 'the virtual node (reconciler/node.ts)' },
    ...perNode,
    {
      verb: 'create',
      resource: 'leases',
      group: 'coordination.k8s.io',
      namespace: 'kube-node-lease',
      neededBy: 'the node lease (reconciler/node.ts)',
    },
    { verb: 'list', resource: 'pods', neededBy: podInformer },
    { verb: 'watch', resource: 'pods', neededBy: podInformer },
    { verb: 'get', resource: 'pods', neededBy: 'the orphan sweep (reconciler/controller/pod-kube.ts)' },
    {
      verb: 'patch',
      resource: 'pods',
      neededBy: 'the instance annotations (reconciler/controller/pod-kube.ts)',
    },
    { verb: 'delete', resource: 'pods', neededBy: 'pod finalization (reconciler/controller/pod-kube.ts)' },
    {
      verb: 'patch',
      resource: 'pods',
      subresource: 'status',
      neededBy: 'the status sync (reconciler/controller/pod-kube.ts)',
    },
    { verb: 'create', resource: 'events', neededBy: 'pod and node Events (reconciler/events.ts)' },
    { verb: 'patch', resource: 'events', neededBy: 'pod and node Events (reconciler/events.ts)' },
    ...['configmaps', 'secrets', 'persistentvolumeclaims', 'persistentvolumes'].map(
      (resource): Permission => ({ verb: 'get', resource, neededBy: references }),
    ),
    { verb: 'list', resource: 'services', neededBy: `the service environment, ${references}` },
    {
      verb: 'get',
      resource: 'services',
      namespace: 'default',
      name: 'kubernetes',
      neededBy: `the service environment, ${references}`,
    },
    {
      verb: 'create',
      resource: 'serviceaccounts',
      subresource: 'token',
      neededBy: `projected service-account tokens, ${references}`,
    },
    ...['get', 'list', 'watch'].map((verb): Permission => ({
      verb,
      resource: 'secrets',
      ...secret,
      neededBy: 'the credentials (reconciler/provider/credentials.ts)',
    })),
    ...['list', 'watch'].map((verb): Permission => ({
      verb,
      resource: 'configmaps',
      ...profile,
      neededBy: 'the ECI Profile watch (shared/profile-watcher.ts)',
    })),
  ];
  const kubeletAuth = 'the kubelet API authentication (reconciler/kubelet/auth/review.ts)';
  required.push({
    verb: 'create',
    resource: 'tokenreviews',
    group: 'authentication.k8s.io',
    neededBy: kubeletAuth,
  });
  if (input.authorizationMode === 'Webhook')
    required.push({
      verb: 'create',
      resource: 'subjectaccessreviews',
      group: 'authorization.k8s.io',
      neededBy: 'the kubelet API authorization (reconciler/kubelet/auth/review.ts)',
    });
  // Without it client certificates are not accepted, bearer tokens still are.
  if (!input.clientCaFile)
    required.push({
      verb: 'get',
      resource: 'configmaps',
      namespace: 'kube-system',
      name: 'extension-apiserver-authentication',
      neededBy: 'client certificates on the kubelet API (reconciler/kubelet/node-tls.ts)',
      optional: true,
    });
  const replicaLeases = 'the replica Leases (reconciler/leases/lease-store.ts)';
  if (input.leaderElect)
    for (const verb of ['list', 'create', 'update', 'delete'])
      required.push({
        verb,
        resource: 'leases',
        group: 'coordination.k8s.io',
        namespace: input.leaseNamespace,
        neededBy: replicaLeases,
      });
  if (!input.privateZone) return required;
  const sync = 'PrivateZone service discovery (reconciler/privatezone/run.ts)';
  // `list services` (cluster-wide) is required above already.
  const optional: Permission[] = [
    { verb: 'watch', resource: 'services', neededBy: sync, optional: true },
    ...['list', 'watch'].map((verb): Permission => ({
      verb,
      resource: 'endpointslices',
      group: 'discovery.k8s.io',
      neededBy: sync,
      optional: true,
    })),
  ];
  return [...required, ...optional];
}

/** Whether the ECI Profile turns PrivateZone on now (a profile that cannot be read: no). */
async function privateZoneEnabled(kc: KubeConfig, profileConfigMap: string): Promise<boolean> {
  const { namespace, name } = split(profileConfigMap);
  try {
    const list = await kc
      .makeApiClient(CoreV1Api)
      .listNamespacedConfigMap({ namespace, fieldSelector: `metadata.name=${name}` });
    const parsed = parseEciProfile(list.items[0]?.data);
    return parsed.ok && parsed.profile.enablePrivateZone;
  } catch {
    return false;
  }
}

/** reconciler/main.ts's start-up check; false = exit. PrivateZone's rows only while the profile enables it. */
export async function checkReconcilerPermissions(
  kc: KubeConfig,
  input: Omit<ReconcilerPermissionInput, 'privateZone'>,
): Promise<boolean> {
  const privateZone = await privateZoneEnabled(kc, input.profileConfigMap);
  return selfCheck('eci-reconciler', kc, reconcilerPermissions({ ...input, privateZone }));
}
