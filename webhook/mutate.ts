// The patch that sends an eligible pod to the virtual node (webhook/README.md "The patch").
// Pure: (pod, decision, profile, cluster facts) → RFC 6902 operations, built directly
// (a handful of targeted ops: no clone and diff of the whole pod on the hot path), with
// keys escaped by fast-json-patch. The tests check every patch by applying it with
// fast-json-patch's validation on; an already-mutated pod yields no operations.
import type { V1Pod, V1Toleration } from '@kubernetes/client-node';
import fastJsonPatch, { type Operation } from 'fast-json-patch';
import { CLUSTER_ANNOTATIONS, VIRTUAL_NODE } from '../shared/annotations.ts';
import type { EciProfile } from '../shared/profile.ts';
import { WEBHOOK_ANNOTATIONS } from './annotations.ts';
import {
  isReconcilerOwned,
  ownedAnnotationsOn,
  removeAnnotationsPatch,
  withoutAnnotations,
} from './owned-annotations.ts';
import type { Decision } from './selection.ts';

export type { Operation };

export interface ClusterFacts {
  /** The apiserver's gitVersion, e.g. v1.36.3; not stamped when unknown. */
  k8sVersion?: string;
  /** ClusterIP of the cluster DNS Service; not stamped when there is none. */
  clusterDns?: string;
  clusterDomain: string;
}

const VIRTUAL_NODE_TOLERATION: V1Toleration = {
  key: VIRTUAL_NODE.taintKey,
  operator: 'Exists',
  effect: 'NoSchedule',
};

/** Kubernetes' toleration semantics, for the virtual node's NoSchedule taint. */
export function toleratesVirtualNode(t: V1Toleration): boolean {
  if (t.effect && t.effect !== 'NoSchedule') return false;
  if (t.key === undefined || t.key === '') return t.operator === 'Exists'; // tolerates every taint
  if (t.key !== VIRTUAL_NODE.taintKey) return false;
  if (t.operator === 'Exists') return true;
  return (t.operator ?? 'Equal') === 'Equal' && t.value === VIRTUAL_NODE.taintValue;
}

interface OriginalConstraints {
  nodeSelector?: Record<string, string>;
  requiredNodeAffinity?: unknown;
}

export interface Mutation {
  patch: Operation[];
  /** The pod's annotations once the patch is applied (for the annotation checks). */
  annotations: Record<string, string>;
}

// The keys added are the profile's and the webhook's own, a small set: each is escaped
// once (two regex replaces for every key with a `/`, on every review, otherwise).
const escaped = new Map<string, string>();
function escape(key: string): string {
  let result = escaped.get(key);
  if (result === undefined) {
    result = fastJsonPatch.escapePathComponent(key);
    if (escaped.size < 4096) escaped.set(key, result);
  }
  return result;
}

/** Adds the keys a map lacks: the whole map when the pod has none, else one op per key. */
function addKeys(
  patch: Operation[],
  path: string,
  existing: Record<string, string> | undefined,
  additions: Record<string, string>,
): void {
  const keys = Object.keys(additions);
  if (keys.length === 0) return;
  if (existing === undefined) {
    patch.push({ op: 'add', path, value: additions });
    return;
  }
  for (const key of keys) patch.push({ op: 'add', path: `${path}/${escape(key)}`, value: additions[key] });
}

/** The patch for the pod: empty for a pod that is not going to ECI or is already mutated. */
export function mutate(
  pod: V1Pod,
  decision: Decision,
  profile: Pick<EciProfile, 'selectors'>,
  facts: ClusterFacts,
): Mutation {
  const existingAnnotations = pod.metadata?.annotations;
  if (!decision.eci) return { patch: [], annotations: { ...existingAnnotations } };
  const spec = pod.spec;
  const patch: Operation[] = [];
  const newAnnotations: Record<string, string> = {};
  const newLabels: Record<string, string> = {};
  if (spec === undefined) patch.push({ op: 'add', path: '/spec', value: {} }); // never from the apiserver
  const annotation = (key: string, value: string | undefined) => {
    if (
      value !== undefined &&
      !Object.hasOwn(existingAnnotations ?? {}, key) &&
      !Object.hasOwn(newAnnotations, key)
    ) {
      newAnnotations[key] = value;
    }
  };

  // ECI selection wins over other node constraints, as in the original add-on. A pod
  // that chose the virtual node itself (nodeSelector, nodeName) keeps its own constraints.
  if (decision.rule !== 'node-selector' && decision.rule !== 'node-name') {
    const original: OriginalConstraints = {};
    const current = spec?.nodeSelector;
    const isWanted =
      current !== undefined &&
      Object.keys(current).length === 1 &&
      current[VIRTUAL_NODE.typeLabel] === VIRTUAL_NODE.typeValue;
    if (!isWanted) {
      // What is replaced, not what stays: a type=virtual-kubelet entry is not lost.
      const replaced = Object.fromEntries(
        Object.entries(current ?? {}).filter(
          ([key, value]) => key !== VIRTUAL_NODE.typeLabel || value !== VIRTUAL_NODE.typeValue,
        ),
      );
      if (Object.keys(replaced).length > 0) original.nodeSelector = replaced;
      patch.push({
        op: current === undefined ? 'add' : 'replace',
        path: '/spec/nodeSelector',
        value: { [VIRTUAL_NODE.typeLabel]: VIRTUAL_NODE.typeValue },
      });
    }
    const affinity = spec?.affinity;
    const nodeAffinity = affinity?.nodeAffinity;
    const required = nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
    if (affinity && nodeAffinity && required !== undefined) {
      original.requiredNodeAffinity = required;
      // Remove the smallest enclosing object that would otherwise be left empty.
      if (Object.keys(nodeAffinity).length > 1) {
        patch.push({
          op: 'remove',
          path: '/spec/affinity/nodeAffinity/requiredDuringSchedulingIgnoredDuringExecution',
        });
      } else if (Object.keys(affinity).length > 1) {
        patch.push({ op: 'remove', path: '/spec/affinity/nodeAffinity' });
      } else {
        patch.push({ op: 'remove', path: '/spec/affinity' });
      }
    }
    if (Object.keys(original).length > 0) {
      annotation(WEBHOOK_ANNOTATIONS.originalNodeConstraints, JSON.stringify(original));
    }
  }

  const tolerations = spec?.tolerations;
  if (!(tolerations ?? []).some(toleratesVirtualNode)) {
    patch.push(
      tolerations === undefined
        ? { op: 'add', path: '/spec/tolerations', value: [{ ...VIRTUAL_NODE_TOLERATION }] }
        : { op: 'add', path: '/spec/tolerations/-', value: { ...VIRTUAL_NODE_TOLERATION } },
    );
  }

  // Profile effects in profile order: keys the pod has, or an earlier selector set, stay.
  const existingLabels = pod.metadata?.labels;
  for (const name of decision.effects) {
    const effect = profile.selectors.find((s) => s.name === name)?.effect;
    for (const [key, value] of Object.entries(effect?.annotations ?? {})) {
      // Not even the profile may claim a container group: the status annotations are the reconciler's.
      if (!isReconcilerOwned(key)) annotation(key, value);
    }
    for (const [key, value] of Object.entries(effect?.labels ?? {})) {
      if (!Object.hasOwn(existingLabels ?? {}, key) && !Object.hasOwn(newLabels, key)) newLabels[key] = value;
    }
  }

  annotation(CLUSTER_ANNOTATIONS.k8sVersion, facts.k8sVersion);
  annotation(CLUSTER_ANNOTATIONS.clusterDns, facts.clusterDns);
  annotation(CLUSTER_ANNOTATIONS.clusterDomain, facts.clusterDomain);
  annotation(WEBHOOK_ANNOTATIONS.decision, decision.reason);

  if (
    pod.metadata === undefined &&
    (Object.keys(newAnnotations).length > 0 || Object.keys(newLabels).length > 0)
  ) {
    patch.push({ op: 'add', path: '/metadata', value: {} });
  }
  addKeys(patch, '/metadata/annotations', existingAnnotations, newAnnotations);
  addKeys(patch, '/metadata/labels', existingLabels, newLabels);
  return { patch, annotations: { ...existingAnnotations, ...newAnnotations } };
}

/** The pod as the apiserver will store it (for explain and tests; not used on the hot path). */
export function mutatedPod(
  pod: V1Pod,
  decision: Decision,
  profile: Pick<EciProfile, 'selectors'>,
  facts: ClusterFacts,
): V1Pod {
  // As admission.ts does: the reconciler-owned annotations go first, then the mutation.
  const owned = ownedAnnotationsOn(pod);
  const { patch } = mutate(withoutAnnotations(pod, owned), decision, profile, facts);
  const ops = [...removeAnnotationsPatch(owned), ...patch];
  return fastJsonPatch.applyPatch(structuredClone(pod), ops, true, false).newDocument;
}
