// AdmissionReview in and out (admission.k8s.io v1 and v1beta1: the same shape; the
// answer carries the version it was asked in). Pure: validation, decision, patch,
// warnings → response. The server supplies the namespace labels, profile and facts.
import type { V1Pod } from '@kubernetes/client-node';
import { z } from 'zod';
import type { EciProfile } from '../shared/profile.ts';
import { boundedMessage, type AnnotationChecker } from './annotation-check.ts';
import { selectForEci, type Decision } from './selection.ts';
import { mutate, type ClusterFacts, type Operation } from './mutate.ts';
import {
  ownedAnnotationsOn,
  removeAnnotationsPatch,
  removedAnnotationsWarning,
  withoutAnnotations,
} from './owned-annotations.ts';
import { unsupportedFeatureWarnings } from './warnings.ts';

const ADMISSION_VERSIONS = ['admission.k8s.io/v1', 'admission.k8s.io/v1beta1'] as const;
type AdmissionVersion = (typeof ADMISSION_VERSIONS)[number];

const admissionReviewSchema = z.object({
  apiVersion: z.enum(ADMISSION_VERSIONS, {
    error: (issue) =>
      `apiVersion must be one of ${ADMISSION_VERSIONS.join(', ')}, got ${JSON.stringify(issue.input)}`,
  }),
  kind: z.literal('AdmissionReview', {
    error: (issue) => `kind must be AdmissionReview, got ${JSON.stringify(issue.input)}`,
  }),
  request: z.object(
    {
      uid: z.string().min(1, 'request.uid is required'),
      kind: z.object({ group: z.string(), version: z.string(), kind: z.string() }),
      namespace: z.string().optional(),
      operation: z.string(),
      dryRun: z.boolean().optional(),
      // Only "an object": the pod's fields are read defensively by the pure functions, and
      // a record schema would visit every key of every review (a hot path).
      object: z.looseObject({}, { error: 'must be a JSON object (the pod)' }).nullable().optional(),
    },
    { error: 'request is required' },
  ),
});

export type AdmissionReview = z.infer<typeof admissionReviewSchema>;
type AdmissionRequest = AdmissionReview['request'];

interface AdmissionResponse {
  uid: string;
  allowed: true;
  patchType?: 'JSONPatch';
  patch?: string;
  warnings?: string[];
}

interface ReviewResponse {
  apiVersion: AdmissionVersion;
  kind: 'AdmissionReview';
  response: AdmissionResponse;
}

export interface ReviewContext {
  namespaceLabels: Readonly<Record<string, string>> | undefined;
  profile: EciProfile;
  facts: ClusterFacts;
  checkAnnotations?: AnnotationChecker;
}

export interface ReviewOutcome {
  review: ReviewResponse;
  /** Undefined when the request was not a pod CREATE. */
  decision?: Decision;
  patch: Operation[];
}

export type ParseResult = { ok: true; review: AdmissionReview } | { ok: false; message: string };

export function parseAdmissionReview(body: unknown): ParseResult {
  const result = admissionReviewSchema.safeParse(body);
  if (result.success) return { ok: true, review: result.data };
  const issue = result.error.issues[0];
  const where = issue && issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
  return { ok: false, message: `invalid AdmissionReview: ${where}${issue?.message ?? 'malformed'}` };
}

function isPodCreate(request: AdmissionRequest): boolean {
  return (
    request.operation === 'CREATE' &&
    request.kind.group === '' &&
    request.kind.kind === 'Pod' &&
    request.object !== null &&
    request.object !== undefined
  );
}

/** Base64 of the value's JSON (UTF-8). An ASCII-only text, the usual case, skips the Buffer copy. */
export function base64Json(value: unknown): string {
  const json = JSON.stringify(value);
  return Buffer.byteLength(json) === json.length ? btoa(json) : Buffer.from(json).toString('base64');
}

/** Decides and answers one review. Anything but a pod CREATE is allowed unchanged. */
export function review(input: AdmissionReview, context: ReviewContext): ReviewOutcome {
  const { request } = input;
  const answer = (response: Omit<AdmissionResponse, 'uid' | 'allowed'>): ReviewResponse => ({
    apiVersion: input.apiVersion,
    kind: 'AdmissionReview',
    response: { uid: request.uid, allowed: true, ...response },
  });
  if (!isPodCreate(request)) return { review: answer({}), patch: [] };

  const pod = request.object as V1Pod;
  // Reconciler-owned annotations go from every pod, whatever the decision.
  const owned = ownedAnnotationsOn(pod);
  const strip = removeAnnotationsPatch(owned);
  const warnings = owned.length > 0 ? [removedAnnotationsWarning(owned)] : [];
  const seen = withoutAnnotations(pod, owned);
  const decision = selectForEci({
    pod: seen,
    namespaceLabels: context.namespaceLabels,
    profile: context.profile,
  });
  let patch = strip;
  if (decision.eci) {
    const mutation = mutate(seen, decision, context.profile, context.facts);
    patch = strip.length > 0 ? [...strip, ...mutation.patch] : mutation.patch;
    warnings.push(
      ...unsupportedFeatureWarnings(pod, {
        namespace: request.namespace,
        policy: context.profile.privilegedAnnotations,
      }),
    );
    if (context.checkAnnotations) {
      // Checked after mutation, so values that profile effects add are checked too.
      const checked = context.checkAnnotations(mutation.annotations);
      for (const e of checked.errors)
        warnings.push(boundedMessage(`annotation ${e.annotation}: ${e.message}`));
      for (const w of checked.warnings) warnings.push(boundedMessage(w));
    }
  }
  return {
    review: answer({
      ...(patch.length > 0 ? { patchType: 'JSONPatch', patch: base64Json(patch) } : {}),
      ...(warnings.length > 0 ? { warnings } : {}),
    }),
    decision,
    patch,
  };
}
