// Specs that cannot pass on ECI because of a real, documented ECI limit, with the
// reason and a public citation (issue 18: "not applicable is a claim about ECI, never
// about this project's code"). Keyed by the spec's full text as in docs/conformance.md.
// Empty until failures are analysed: a failure is this project's to fix until proven otherwise.
export const NOT_APPLICABLE: ReadonlyMap<string, string> = new Map<string, string>([]);
