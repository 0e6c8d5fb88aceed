/** Small statistics helpers shared by the benchmarks: quantiles and medians of samples. */

/** The `q`-quantile (0 ≤ q ≤ 1) of `xs` by linear interpolation between order statistics; NaN for no samples. */
export function quantile(xs: ArrayLike<number>, q: number): number {
  if (xs.length === 0) return NaN;
  const s = Float64Array.from(xs).sort();
  const i = (s.length - 1) * q;
  const lo = Math.floor(i);
  const hi = Math.ceil(i);
  return s[lo]! + (s[hi]! - s[lo]!) * (i - lo);
}

/** The median of `xs` (NaN for no samples). */
export function median(xs: ArrayLike<number>): number {
  return quantile(xs, 0.5);
}

/** `n` formatted with thousands separators and `digits` decimals. */
export function fmt(n: number, digits = 0): string {
  if (!Number.isFinite(n)) return 'n/a';
  return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}
