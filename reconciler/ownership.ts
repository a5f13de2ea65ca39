// Pure: the tags that tie a container group to its pod, so ownership survives a
// restart of the reconciler. The pod UID is the identity; the other
// tags make groups readable in the console and filterable by cluster and node.

export const TAG_KEYS = {
  cluster: 'eci-virtual-node/cluster-id',
  node: 'eci-virtual-node/node-name',
  namespace: 'eci-virtual-node/namespace',
  podName: 'eci-virtual-node/pod-name',
  podUid: 'eci-virtual-node/pod-uid',
} as const;

/** ECI tag values are limited to 128 characters. */
const MAX_TAG_VALUE = 128;

export interface Owner {
  clusterId: string;
  nodeName: string;
  namespace: string;
  podName: string;
  podUid: string;
}

export interface Tag {
  key?: string;
  value?: string;
}

export function ownershipTags(owner: Owner): { key: string; value: string }[] {
  return [
    { key: TAG_KEYS.cluster, value: owner.clusterId },
    { key: TAG_KEYS.node, value: owner.nodeName },
    { key: TAG_KEYS.namespace, value: owner.namespace },
    { key: TAG_KEYS.podName, value: owner.podName },
    { key: TAG_KEYS.podUid, value: owner.podUid },
  ].map((t) => ({ key: t.key, value: t.value.slice(0, MAX_TAG_VALUE) }));
}

/** Appends the ownership tags to a request's own tags, replacing any with the same keys. */
export function withOwnershipTags(existing: Tag[] | undefined, owner: Owner): Tag[] {
  const ours = ownershipTags(owner);
  const keys = new Set(ours.map((t) => t.key));
  return [...(existing ?? []).filter((t) => !keys.has(t.key ?? '')), ...ours];
}

/** The tag filter that selects this cluster's groups (and one node's, when given). */
export function ownershipFilter(clusterId: string, nodeName?: string): { key: string; value: string }[] {
  const filter: { key: string; value: string }[] = [{ key: TAG_KEYS.cluster, value: clusterId }];
  if (nodeName !== undefined) filter.push({ key: TAG_KEYS.node, value: nodeName });
  return filter;
}

/** Reads the ownership tags back; undefined when a group is not one of ours. */
export function parseOwner(tags: Tag[] | undefined): Owner | undefined {
  const get = (key: string) => tags?.find((t) => t.key === key)?.value;
  const owner = {
    clusterId: get(TAG_KEYS.cluster),
    nodeName: get(TAG_KEYS.node),
    namespace: get(TAG_KEYS.namespace),
    podName: get(TAG_KEYS.podName),
    podUid: get(TAG_KEYS.podUid),
  };
  if (!owner.clusterId || !owner.nodeName || !owner.podUid) return undefined;
  return { ...owner, namespace: owner.namespace ?? '', podName: owner.podName ?? '' } as Owner;
}

/**
 * True when the tags say this cluster made the group for this very pod (by UID). The only
 * test for adopting a group a pod names by id: ids are public, ownership tags are not forged
 * by pod authors.
 */
export function ownedByPod(tags: Tag[] | undefined, clusterId: string, podUid: string): boolean {
  const owner = parseOwner(tags);
  return owner !== undefined && owner.clusterId === clusterId && owner.podUid === podUid;
}

/**
 * A valid ContainerGroupName for the pod: `<namespace>-<name>`, lower case, only [a-z0-9-],
 * 2–128 characters, no leading or trailing hyphen (ECI's ContainerGroupName rule).
 */
export function containerGroupName(namespace: string, name: string): string {
  let out = `${namespace}-${name}`
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-+/g, '-');
  out = out.slice(0, 128).replace(/^-+|-+$/g, '');
  if (out.length < 2) out = `pod-${out}`.replace(/-+$/, '') || 'pod';
  return out.length < 2 ? 'pod' : out;
}
