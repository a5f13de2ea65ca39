// Kubernetes resource quantities ("500m", "1.5Gi", "1e3") as plain numbers.

const FRACTION: Record<string, number> = { n: 1e9, u: 1e6, m: 1e3 };

const SUFFIX: Record<string, number> = {
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

/** The value of a quantity in base units (cores, bytes), or undefined when it is not one. */
export function parseQuantity(value: string | number | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  const m = /^([+-]?(?:\d+\.?\d*|\.\d+))(?:([eE][+-]?\d+)|(n|u|m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?)$/.exec(
    value.trim(),
  );
  if (!m?.[1]) return undefined;
  const n = Number(m[1]);
  if (m[2]) return n * 10 ** Number(m[2].slice(1));
  const suffix = m[3] ?? '';
  // Divide for the fractional suffixes: 100 / 1e6 is exact where 100 * 1e-6 is not.
  if (suffix in FRACTION) return n / (FRACTION[suffix] ?? 1);
  return n * (SUFFIX[suffix] ?? 1);
}

/** Rounds up to `digits` decimals, cancelling float noise first (0.1 + 0.2 stays 0.3). */
export function ceilTo(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.ceil(Number((value * f).toPrecision(12))) / f;
}

export const GIB = 2 ** 30;
