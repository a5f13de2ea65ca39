// ECI's vCPU/memory specs available in every region and the round-up rule
// (docs/eci-api.md, "Specs and rounding"). Defined once for the product code: the translation
// rounds the pod's total the way ECI bills it, so the reconciler can report
// the spec before the instance exists.

/** vCPU → the memory sizes (GiB) offered with it, both ascending. */
export const ECI_SPECS: ReadonlyArray<readonly [cpu: number, memories: readonly number[]]> = [
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

export interface EciSpec {
  /** vCPUs */
  cpu: number;
  /** GiB */
  memory: number;
}

/** What ECI gives a pod that asks for nothing. */
export const DEFAULT_ECI_SPEC: EciSpec = { cpu: 2, memory: 4 };

/** The largest spec in the table, for error messages. */
export const MAX_ECI_SPEC: EciSpec = { cpu: 64, memory: 512 };

/**
 * The spec ECI bills for a request: the supported spec with the fewest vCPUs,
 * then the least memory, that covers both. Undefined when nothing covers it.
 */
export function roundUpSpec(cpu: number, memory: number): EciSpec | undefined {
  for (const [c, mems] of ECI_SPECS) {
    if (c < cpu) continue;
    const m = mems.find((x) => x >= memory);
    if (m !== undefined) return { cpu: c, memory: m };
  }
  return undefined;
}

/**
 * ECS instance families that carry GPUs (gn*, vgn*, sgn*, ebmgn*), plus the
 * legacy `ecigpu-` pseudo types. A pod that asks for `nvidia.com/gpu` must name one.
 */
export function isGpuInstanceType(instanceType: string): boolean {
  return /^ecs\.(gn|vgn|sgn|ebmgn)[0-9a-z-]*\./i.test(instanceType) || /^ecigpu-/i.test(instanceType);
}

/** Ports ECI reserves inside every instance for its agent (exec, logs, metrics); containers cannot listen on them. */
export const ECI_RESERVED_PORTS: ReadonlySet<number> = new Set([111, 10250, 10255]);
