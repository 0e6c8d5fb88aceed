/**
 * The statistics of bench:ct, after dudect (Reparaz, Balasch, Verbauwhede, "Dude, is my code
 * constant time?", DATE 2017): Welch's t between the timings of two input classes, on all the
 * measurements and on the measurements cropped at several percentiles of the pooled timings
 * (dudect crops the slow tail, where interrupts and GC pauses land, to sharpen the test).
 */
import { quantile } from './stats.js';

/** Mean and unbiased sample variance (n − 1) of `xs`, two-pass; NaN variance for fewer than 2. */
export function meanVar(xs: ArrayLike<number>): { n: number; mean: number; variance: number } {
  const n = xs.length;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += xs[i]!;
  const mean = n ? sum / n : NaN;
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (xs[i]! - mean) ** 2;
  return { n, mean, variance: n > 1 ? ss / (n - 1) : NaN };
}

/**
 * Welch's t statistic of two samples: (mean_a − mean_b) / sqrt(var_a/n_a + var_b/n_b), with
 * unbiased variances. Sign: positive when `a` is slower. NaN when a sample has fewer than 2
 * values; 0 when both are constant and equal; ±Infinity when constant and different.
 */
export function welchT(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const x = meanVar(a);
  const y = meanVar(b);
  if (x.n < 2 || y.n < 2) return NaN;
  const se = Math.sqrt(x.variance / x.n + y.variance / y.n);
  const d = x.mean - y.mean;
  if (se === 0) return d === 0 ? 0 : d > 0 ? Infinity : -Infinity;
  return d / se;
}

/** Percentiles of the pooled timings at which bench:ct crops (1 = no cropping). */
export const CROPS = [1, 0.99, 0.95, 0.9, 0.75, 0.5] as const;

/** One cropping's result. */
export interface Cropped {
  /** The percentile of the pooled timings kept (1: all). */
  crop: number;
  t: number;
  /** Measurements kept per class. */
  n: [number, number];
}

/**
 * Welch's t on all measurements and on each cropping in `crops`: for a percentile p, the
 * threshold is the p-quantile of both classes' timings pooled, and each class keeps its
 * measurements ≤ the threshold. Throws nothing.
 */
export function croppedT(a: ArrayLike<number>, b: ArrayLike<number>, crops: readonly number[] = CROPS): Cropped[] {
  const pooled = new Float64Array(a.length + b.length);
  pooled.set(Array.from(a));
  pooled.set(Array.from(b), a.length);
  return crops.map((crop) => {
    if (crop >= 1) return { crop, t: welchT(a, b), n: [a.length, b.length] as [number, number] };
    const th = quantile(pooled, crop);
    const ka = Array.from(a).filter((x) => x <= th);
    const kb = Array.from(b).filter((x) => x <= th);
    return { crop, t: welchT(ka, kb), n: [ka.length, kb.length] as [number, number] };
  });
}

/** The largest |t| of the croppings (NaN ones ignored; NaN if all are). */
export function maxAbsT(rs: readonly Cropped[]): number {
  const ts = rs.map((r) => Math.abs(r.t)).filter((t) => !Number.isNaN(t));
  return ts.length ? Math.max(...ts) : NaN;
}
