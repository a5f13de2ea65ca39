// The patch that sends an eligible pod to the virtual node (DESIGN "Mutation").
// Pure: (pod, decision, profile, cluster facts) → RFC 6902 operations. The mutated pod is
// built first and the patch derived with fast-json-patch, which escapes "/" and "~" in
// keys; applying the result to an already-mutated pod yields no operations.
import type { V1Pod, V1Toleration } from '@kubernetes/client-node';
import fastJsonPatch, { type Operation } from 'fast-json-patch';
import { CLUSTER_ANNOTATIONS, VIRTUAL_NODE } from '../shared/annotations.ts';
import type { EciProfile } from '../shared/profile.ts';
import { WEBHOOK_ANNOTATIONS } from './annotations.ts';
import type { Decision } from './eligibility.ts';

export type { Operation };

export interface ClusterFacts {
  /** The apiserver's gitVersion, e.g. v1.36.3; not stamped when unknown. */
  k8sVersion?: string;
  /** ClusterIP of the cluster DNS Service; not stamped when there is none. */
  clusterDns?: string;
  clusterDomain: string;
}

export const VIRTUAL_NODE_TOLERATION: V1Toleration = {
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

/** Sets key on a string map unless the pod already has it (so earlier writers win). */
function addMissing(target: Record<string, string>, key: string, value: string | undefined): void {
  if (value !== undefined && !Object.hasOwn(target, key)) target[key] = value;
}

/** Returns the mutated pod. */
export function mutatedPod(
  pod: V1Pod,
  decision: Decision,
  profile: Pick<EciProfile, 'selectors'>,
  facts: ClusterFacts,
): V1Pod {
  if (!decision.eci) return pod;
  const out = structuredClone(pod);
  const metadata = (out.metadata ??= {});
  const spec = (out.spec ??= { containers: [] });
  const annotations: Record<string, string> = { ...metadata.annotations };
  const labels: Record<string, string> = { ...metadata.labels };

  // ECI selection wins over other node constraints (eci-reference §1.1 precedence). A pod
  // that chose the virtual node itself (nodeSelector, nodeName) keeps its own constraints.
  if (decision.rule !== 'node-selector' && decision.rule !== 'node-name') {
    const original: OriginalConstraints = {};
    const wanted = { [VIRTUAL_NODE.typeLabel]: VIRTUAL_NODE.typeValue };
    const current = spec.nodeSelector;
    const isWanted =
      current !== undefined &&
      Object.keys(current).length === 1 &&
      current[VIRTUAL_NODE.typeLabel] === VIRTUAL_NODE.typeValue;
    if (!isWanted) {
      if (current !== undefined && Object.keys(current).length > 0) original.nodeSelector = current;
      spec.nodeSelector = wanted;
    }
    const required = spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
    if (required !== undefined && spec.affinity?.nodeAffinity) {
      original.requiredNodeAffinity = required;
      delete spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution;
      if (Object.keys(spec.affinity.nodeAffinity).length === 0) delete spec.affinity.nodeAffinity;
      if (Object.keys(spec.affinity).length === 0) delete spec.affinity;
    }
    if (Object.keys(original).length > 0) {
      addMissing(annotations, WEBHOOK_ANNOTATIONS.originalNodeConstraints, JSON.stringify(original));
    }
  }

  if (!(spec.tolerations ?? []).some(toleratesVirtualNode)) {
    spec.tolerations = [...(spec.tolerations ?? []), { ...VIRTUAL_NODE_TOLERATION }];
  }

  // Profile effects in profile order: keys the pod has, or an earlier selector set, stay.
  for (const name of decision.effects) {
    const effect = profile.selectors.find((s) => s.name === name)?.effect;
    for (const [key, value] of Object.entries(effect?.annotations ?? {})) addMissing(annotations, key, value);
    for (const [key, value] of Object.entries(effect?.labels ?? {})) addMissing(labels, key, value);
  }

  addMissing(annotations, CLUSTER_ANNOTATIONS.k8sVersion, facts.k8sVersion);
  addMissing(annotations, CLUSTER_ANNOTATIONS.clusterDns, facts.clusterDns);
  addMissing(annotations, CLUSTER_ANNOTATIONS.clusterDomain, facts.clusterDomain);
  addMissing(annotations, WEBHOOK_ANNOTATIONS.decision, decision.reason);

  if (metadata.annotations !== undefined || Object.keys(annotations).length > 0)
    metadata.annotations = annotations;
  if (metadata.labels !== undefined || Object.keys(labels).length > 0) metadata.labels = labels;
  return out;
}

/** The mutated pod and the JSON patch that produces it (empty for a pod not going to ECI or already mutated). */
export function mutate(
  pod: V1Pod,
  decision: Decision,
  profile: Pick<EciProfile, 'selectors'>,
  facts: ClusterFacts,
): { pod: V1Pod; patch: Operation[] } {
  if (!decision.eci) return { pod, patch: [] };
  const mutated = mutatedPod(pod, decision, profile, facts);
  const patch = fastJsonPatch.compare(pod, mutated);
  const error = fastJsonPatch.validate(patch, pod);
  if (error) throw new Error(`internal error: invalid patch (${error.name}: ${error.message})`);
  return { pod: mutated, patch };
}

export function mutatePod(
  pod: V1Pod,
  decision: Decision,
  profile: Pick<EciProfile, 'selectors'>,
  facts: ClusterFacts,
): Operation[] {
  return mutate(pod, decision, profile, facts).patch;
}
