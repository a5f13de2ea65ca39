// Status annotations belong to the reconciler: it writes them once the pod's own container
// group exists. A pod that arrives with one (say `eci-instance-id` naming another pod's
// group) is trying to claim a group that is not its own, so the webhook
// removes them from every pod it sees on CREATE, selected for ECI or not: a pod bound to a
// virtual node by `spec.nodeName` passes here too. Pure: pod → names present → patch.
import type { V1Pod } from '@kubernetes/client-node';
import fastJsonPatch, { type Operation } from 'fast-json-patch';
import { ECI_ANNOTATIONS, INSTANCE_ANNOTATIONS } from '../shared/annotations.ts';

/** Every annotation the reconciler writes back, from the one annotation table. */
export const RECONCILER_OWNED_ANNOTATIONS: readonly string[] = [
  ...new Set([
    ...Object.values(INSTANCE_ANNOTATIONS),
    ...Object.entries(ECI_ANNOTATIONS)
      .filter(([, spec]) => spec.use === 'status')
      .map(([name]) => name),
  ]),
];

const OWNED: ReadonlySet<string> = new Set(RECONCILER_OWNED_ANNOTATIONS);

export function isReconcilerOwned(name: string): boolean {
  return OWNED.has(name);
}

/** The reconciler-owned annotations the pod carries, in table order (usually none). */
export function ownedAnnotationsOn(pod: V1Pod): string[] {
  const annotations = pod.metadata?.annotations;
  if (annotations === undefined || annotations === null) return [];
  return RECONCILER_OWNED_ANNOTATIONS.filter((name) => Object.hasOwn(annotations, name));
}

/** One `remove` per name: the annotation map itself stays, so later `add` ops under it apply. */
export function removeAnnotationsPatch(names: readonly string[]): Operation[] {
  return names.map((name) => ({
    op: 'remove',
    path: `/metadata/annotations/${fastJsonPatch.escapePathComponent(name)}`,
  }));
}

/** The admission warning naming what was removed. */
export function removedAnnotationsWarning(names: readonly string[]): string {
  return `metadata.annotations: removed ${names.join(', ')}: only the ECI reconciler writes ${names.length === 1 ? 'it, once the pod has its own container group' : 'them, once the pod has its own container group'}`;
}

/** The pod as selection and mutation should see it: without the names removed. */
export function withoutAnnotations(pod: V1Pod, names: readonly string[]): V1Pod {
  if (names.length === 0) return pod;
  const annotations = { ...pod.metadata?.annotations };
  for (const name of names) delete annotations[name];
  return { ...pod, metadata: { ...pod.metadata, annotations } };
}
