// Which specs of test/e2e/common/node the conformance run covers (issue 18): the
// [NodeConformance] and [Conformance] ones, minus [Serial], [Disruptive], [Slow],
// [Feature:…] (opt-in features; the e2e framework also tags every alpha and
// off-by-default beta feature gate [Feature:OffByDefault]) and Windows.
// The same patterns go to ginkgo (RE2) and decide the table's rows (JS), so they
// stay in the syntax both share.

export const FOCUS = String.raw`\[NodeConformance\]|\[Conformance\]`;
export const SKIP = String.raw`\[Serial\]|\[Disruptive\]|\[Slow\]|\[Feature:|\[sig-windows\]|[Ww]indows`;

const focus = new RegExp(FOCUS);
const skip = new RegExp(SKIP);

/** What ginkgo matches --focus/--skip against: containers, leaf text and labels as `[label]`. */
export function specFullText(
  containers: readonly string[],
  leaf: string,
  labels: readonly string[] = [],
): string {
  const text = [...containers, leaf].filter((t) => t !== '').join(' ');
  const extra = labels.map((l) => `[${l}]`).filter((l) => !text.includes(l));
  return extra.length === 0 ? text : `${text} ${extra.join(' ')}`;
}

export function inScope(fullText: string): boolean {
  return focus.test(fullText) && !skip.test(fullText);
}

/**
 * A pattern (RE2 and JS alike) that matches exactly these specs in what ginkgo matches
 * --skip against (the suite description, a space, then the spec text): each text escaped and
 * anchored at the end, so a spec whose text merely contains another's is not swallowed.
 */
export function exactSpecsPattern(specs: readonly string[]): string {
  return specs.map((s) => `${s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`).join('|');
}
