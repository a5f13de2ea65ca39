// "Why will (or won't) this pod go to ECI?" without a cluster: the webhook's own pure
// functions applied to manifests from a file. Used by scripts/explain.ts.
import type { V1Pod } from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { checkEciAnnotations } from '../shared/annotations.ts';
import { formatProfileErrors, parseEciProfile, type EciProfile } from '../shared/profile.ts';
import { review, type AdmissionReview } from './admission.ts';
import type { Decision } from './selection.ts';
import type { ClusterFacts, Operation } from './mutate.ts';

export interface Explanation {
  /** e.g. "Pod web" or "Deployment api (pod template)". */
  source: string;
  decision: Decision;
  patch: Operation[];
  warnings: string[];
}

// Manifests are untyped JSON; each access below is guarded.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;

/** Workload kinds whose pod template the webhook will see as pods. */
const TEMPLATE_PATHS: Record<string, (doc: Json) => unknown> = {
  Deployment: (d) => d.spec?.template,
  ReplicaSet: (d) => d.spec?.template,
  StatefulSet: (d) => d.spec?.template,
  DaemonSet: (d) => d.spec?.template,
  Job: (d) => d.spec?.template,
  CronJob: (d) => d.spec?.jobTemplate?.spec?.template,
  PodTemplate: (d) => d.template,
};

/** Pods (or pod templates, as the pods they will create) found in YAML/JSON text. */
export function podsFromManifests(text: string): Array<{ source: string; pod: V1Pod }> {
  const out: Array<{ source: string; pod: V1Pod }> = [];
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) throw new Error(`not valid YAML: ${doc.errors[0]?.message}`);
    const value = doc.toJSON() as Json | null;
    if (!value || typeof value !== 'object') continue;
    const kind = String(value.kind ?? '');
    const name = String(value.metadata?.name ?? value.metadata?.generateName ?? '');
    if (kind === 'Pod') {
      out.push({ source: `Pod ${name}`, pod: value as V1Pod });
    } else if (kind in TEMPLATE_PATHS) {
      const template = TEMPLATE_PATHS[kind]?.(value) as
        { metadata?: V1Pod['metadata']; spec?: V1Pod['spec'] } | undefined;
      if (!template?.spec) continue;
      const pod: V1Pod = {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { ...template.metadata },
        spec: template.spec,
      };
      // Pods of a DaemonSet carry its owner reference; keep that, it decides.
      if (kind === 'DaemonSet') {
        pod.metadata!.ownerReferences = [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name, uid: 'explain' }];
      }
      out.push({ source: `${kind} ${name} (pod template)`, pod });
    }
  }
  return out;
}

/** `k=v,k2=v2` → labels. */
export function parseLabels(text: string): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const item of text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new Error(`--namespace-labels: expected key=value, got "${item}"`);
    labels[item.slice(0, eq)] = item.slice(eq + 1);
  }
  return labels;
}

/** A profile file: an eci-profile ConfigMap manifest, or just its data map, in YAML or JSON. */
export function profileFromText(text: string): EciProfile {
  const value = parseAllDocuments(text)[0]?.toJSON() as Record<string, unknown> | null | undefined;
  if (!value || typeof value !== 'object') throw new Error('profile file is empty');
  const data = (value.kind === 'ConfigMap' ? value.data : value) as Record<string, unknown> | undefined;
  const strings: Record<string, string> = {};
  for (const [key, v] of Object.entries(data ?? {})) {
    strings[key] = typeof v === 'string' ? v : JSON.stringify(v); // selectors may be given as YAML
  }
  const parsed = parseEciProfile(strings);
  if (!parsed.ok) throw new Error(`profile: ${formatProfileErrors(parsed.errors)}`);
  return parsed.profile;
}

export function explain(
  pods: Array<{ source: string; pod: V1Pod }>,
  namespaceLabels: Record<string, string>,
  profile: EciProfile,
  facts: ClusterFacts,
): Explanation[] {
  return pods.map(({ source, pod }) => {
    const input: AdmissionReview = {
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      request: {
        uid: 'explain',
        kind: { group: '', version: 'v1', kind: 'Pod' },
        operation: 'CREATE',
        object: pod as Record<string, unknown>,
      },
    };
    const outcome = review(input, { namespaceLabels, profile, facts, checkAnnotations: checkEciAnnotations });
    return {
      source,
      decision: outcome.decision!,
      patch: outcome.patch,
      warnings: outcome.review.response.warnings ?? [],
    };
  });
}

export function formatExplanation(e: Explanation): string {
  const lines = [
    `${e.source}: ${e.decision.eci ? 'goes to ECI' : 'stays off ECI'}`,
    `  reason: ${e.decision.reason}`,
  ];
  if (e.decision.effects.length > 0) lines.push(`  profile effects: ${e.decision.effects.join(', ')}`);
  if (e.patch.length > 0) {
    lines.push('  patch:');
    for (const op of e.patch) lines.push(`    ${JSON.stringify(op)}`);
  }
  if (e.warnings.length > 0) {
    lines.push('  warnings:');
    for (const w of e.warnings) lines.push(`    - ${w}`);
  }
  return lines.join('\n');
}
