// Which pods go to ECI, and why (webhook/README.md "Selection, in order").
// Pure: a function of the pod, its namespace's labels and the ECI Profile selectors.
import type { V1Pod } from '@kubernetes/client-node';
import { SELECTION_LABELS, VIRTUAL_NODE } from '../shared/annotations.ts';
import { matchesLabelSelector } from '../shared/label-selector.ts';
import type { EciProfile, ProfileSelector } from '../shared/profile.ts';

export type Rule =
  | 'mirror-pod'
  | 'daemonset'
  | 'node-name'
  | 'pod-label'
  | 'pod-opt-out'
  | 'namespace-label'
  | 'node-selector'
  | 'profile-selector'
  | 'none';

export interface Decision {
  eci: boolean;
  rule: Rule;
  /** Human-readable cause, recorded on the pod and in metrics (e.g. "profile selector gpu"). */
  reason: string;
  /** Profile selectors whose effects apply, in profile order (empty unless eci). */
  effects: string[];
}

export interface SelectionInput {
  pod: V1Pod;
  /** Labels of the pod's namespace; undefined when unknown. */
  namespaceLabels: Readonly<Record<string, string>> | undefined;
  profile: Pick<EciProfile, 'selectors'>;
}

const MIRROR_ANNOTATION = 'kubernetes.io/config.mirror';
const NAMESPACE_LABEL_RULES: ReadonlyArray<readonly [string, string]> = [
  [SELECTION_LABELS.eci, 'true'],
  [SELECTION_LABELS.eciShort, 'true'],
  [SELECTION_LABELS.legacyNamespaceInjection, 'enabled'],
];

/** A selector with neither namespaceSelector nor objectSelector selects nothing: its effect applies to every ECI pod. */
function selects(selector: ProfileSelector): boolean {
  return selector.namespaceSelector !== undefined || selector.objectSelector !== undefined;
}

/** Whether the selector matches (both selectors must match when both are set). */
function selectorMatches(
  selector: ProfileSelector,
  podLabels: Readonly<Record<string, string>>,
  namespaceLabels: Readonly<Record<string, string>> | undefined,
): boolean {
  if (selector.namespaceSelector) {
    // An unknown namespace cannot satisfy a namespace selector.
    if (namespaceLabels === undefined) return false;
    if (!matchesLabelSelector(selector.namespaceSelector, namespaceLabels)) return false;
  }
  if (selector.objectSelector && !matchesLabelSelector(selector.objectSelector, podLabels)) return false;
  return true;
}

function no(rule: Rule, reason: string): Decision {
  return { eci: false, rule, reason, effects: [] };
}

export function selectForEci({ pod, namespaceLabels, profile }: SelectionInput): Decision {
  const podLabels = pod.metadata?.labels ?? {};
  const yes = (rule: Rule, reason: string): Decision => ({
    eci: true,
    rule,
    reason,
    effects: profile.selectors
      .filter((s) => s.effect && (!selects(s) || selectorMatches(s, podLabels, namespaceLabels)))
      .map((s) => s.name),
  });

  // Pods that must stay where they are, whatever their labels say.
  if (pod.metadata?.annotations?.[MIRROR_ANNOTATION] !== undefined) {
    return no('mirror-pod', 'mirror (static) pods are never redirected');
  }
  if (
    (pod.metadata?.ownerReferences ?? []).some(
      (o) => o.kind === 'DaemonSet' && o.apiVersion.startsWith('apps/'),
    )
  ) {
    return no('daemonset', 'DaemonSet pods are never redirected');
  }
  const nodeName = pod.spec?.nodeName;
  if (nodeName) {
    return nodeName.startsWith(VIRTUAL_NODE.namePrefix)
      ? yes('node-name', `spec.nodeName is the virtual node ${nodeName}`)
      : no('node-name', `spec.nodeName is already ${nodeName}`);
  }

  // Pod labels, the long form first: it decides even when the short one disagrees.
  for (const key of [SELECTION_LABELS.eci, SELECTION_LABELS.eciShort]) {
    const value = podLabels[key];
    if (value === 'true') return yes('pod-label', `pod label ${key}=true`);
    if (value === 'false') return no('pod-opt-out', `pod label ${key}=false opts out`);
  }

  for (const [key, value] of NAMESPACE_LABEL_RULES) {
    if (namespaceLabels?.[key] === value) return yes('namespace-label', `namespace label ${key}=${value}`);
  }

  if (pod.spec?.nodeSelector?.[VIRTUAL_NODE.typeLabel] === VIRTUAL_NODE.typeValue) {
    return yes('node-selector', `nodeSelector ${VIRTUAL_NODE.typeLabel}=${VIRTUAL_NODE.typeValue}`);
  }

  const selector = profile.selectors.find(
    (s) => selects(s) && selectorMatches(s, podLabels, namespaceLabels),
  );
  if (selector) return yes('profile-selector', `profile selector ${selector.name}`);

  return no('none', 'no ECI selection rule matched');
}
