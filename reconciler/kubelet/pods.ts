// GET /pods and /runningpods/ as the kubelet serves them (kubernetes pkg/kubelet/server/
// server.go getPods/getRunningPods): a v1 PodList. /pods holds the pods bound to the node as
// the kubelet knows them, spec and status; /runningpods/ the pods with a running container,
// each reduced to what the runtime knows (kubecontainer.Pod.ToAPIPod: name, namespace, UID,
// and each running container's name and image). Pure: the caller passes the tracked pods.
import type { V1Pod } from '@kubernetes/client-node';
import type { EciGroupView } from '../status.ts';

export interface NodePod {
  pod: V1Pod;
  group?: EciGroupView;
}

interface PodList {
  kind: 'PodList';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  items: unknown[];
}

const podList = (items: unknown[]): PodList => ({ kind: 'PodList', apiVersion: 'v1', metadata: {}, items });

/** Pure: the PodList of /pods, sorted by namespace and name so answers compare. */
export function podsList(pods: readonly NodePod[]): PodList {
  const items = pods
    .map((p) => ({ ...p.pod, apiVersion: 'v1', kind: 'Pod' }))
    .sort((a, b) => keyOf(a).localeCompare(keyOf(b)));
  return podList(items);
}

const keyOf = (p: V1Pod) => `${p.metadata?.namespace ?? ''}/${p.metadata?.name ?? ''}`;

/** Pure: the PodList of /runningpods/: pods whose group has a running container, as the runtime cache shows them. */
export function runningPodsList(pods: readonly NodePod[]): PodList {
  const items = [];
  for (const { pod, group } of [...pods].sort((a, b) => keyOf(a.pod).localeCompare(keyOf(b.pod)))) {
    const running = (group?.containers ?? []).filter((c) => c.currentState?.state === 'Running');
    if (running.length === 0) continue;
    // The image as the pod asked for it (the runtime reports the reference it ran).
    const imageOf = (name?: string) =>
      pod.spec?.containers.find((c) => c.name === name)?.image ?? running.find((c) => c.name === name)?.image;
    items.push({
      metadata: {
        name: pod.metadata?.name,
        namespace: pod.metadata?.namespace,
        uid: pod.metadata?.uid,
        creationTimestamp: null,
      },
      spec: { containers: running.map((c) => ({ name: c.name, image: imageOf(c.name), resources: {} })) },
      status: {},
    });
  }
  return podList(items);
}
