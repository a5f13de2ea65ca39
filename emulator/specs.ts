// ECI's CPU/memory specs available in every region and the round-up rule
// (docs/eci-api.md, "Specs and rounding"): a request that is not a spec becomes the smallest
// spec with at least that many vCPUs and GiB. Deliberately separate from
// shared/eci-specs.ts: the emulator plays the service, so the product's own
// rounding is checked against an independent copy rather than against itself.

export const SPECS: ReadonlyArray<readonly [cpu: number, memories: readonly number[]]> = [
  [0.25, [0.5, 1]],
  [0.5, [1, 2]],
  [1, [2, 4, 8]],
  [2, [1, 2, 4, 8, 16]],
  [4, [2, 4, 8, 16, 32]],
  [8, [4, 8, 16, 32, 64]],
  [12, [12, 24, 48, 96]],
  [16, [16, 32, 64, 128]],
  [24, [24, 48, 96, 192]],
  [32, [32, 64, 128, 256]],
  [52, [96, 192, 384]],
  [64, [128, 256, 512]],
];

export interface Spec {
  cpu: number;
  memory: number;
}

/** Default when neither the group nor its containers ask for anything. */
export const DEFAULT_SPEC: Spec = { cpu: 2, memory: 4 };

/**
 * The spec ECI bills for a request: the supported spec with the fewest vCPUs,
 * then the least memory, that covers both. Undefined when nothing covers it.
 */
export function roundUpSpec(cpu: number, memory: number): Spec | undefined {
  for (const [c, mems] of SPECS) {
    if (c < cpu) continue;
    const m = mems.find((x) => x >= memory);
    if (m !== undefined) return { cpu: c, memory: m };
  }
  return undefined;
}

export function isSupportedSpec(cpu: number, memory: number): boolean {
  return SPECS.some(([c, mems]) => c === cpu && mems.includes(memory));
}
