// Pure: which image cache ECI used for a pod's group, read from the group's events (ECI says
// "Successfully hit image cache imc-…" with reason SuccessfulHitImageCache), as the pod
// annotation `k8s.aliyun.com/eci-matched-image-cache`.
import { INSTANCE_ANNOTATIONS } from '../../shared/annotation-names.ts';

const MATCHED_IMAGE_CACHE_ANNOTATION = INSTANCE_ANNOTATIONS.matchedImageCache;

const HIT_REASON = 'SuccessfulHitImageCache';

export function matchedImageCache(
  events: { reason?: string; message?: string }[] | undefined,
): string | undefined {
  const hit = [...(events ?? [])].reverse().find((e) => e.reason === HIT_REASON);
  return hit?.message?.match(/\bimc-[a-z0-9]+/)?.[0];
}

/** The annotation to write on the pod, or undefined when it already says so (or nothing matched). */
export function matchedAnnotationPatch(
  annotations: Record<string, string> | undefined,
  events: { reason?: string; message?: string }[] | undefined,
): Record<string, string> | undefined {
  const id = matchedImageCache(events);
  if (!id || annotations?.[MATCHED_IMAGE_CACHE_ANNOTATION] === id) return undefined;
  return { [MATCHED_IMAGE_CACHE_ANNOTATION]: id };
}
