/**
 * A latency histogram with logarithmic buckets (about 1 % wide, from 1 µs to ~30 min): constant
 * memory however many samples, cheap to record, mergeable across processes (the load generators
 * send theirs to the orchestrator over IPC), and quantiles within 1 % of the exact value.
 */

const MIN_MS = 0.001;
const GROWTH = 1.01;
const LOG_GROWTH = Math.log(GROWTH);
/** Buckets: 0 holds everything ≤ MIN_MS, the last one everything beyond ~30 min (and "never delivered"). */
const BUCKETS = Math.ceil(Math.log(2e6 / MIN_MS) / LOG_GROWTH) + 2;

/** Counts of samples by bucket. */
export class Histogram {
  readonly counts: Uint32Array;
  count = 0;
  max = 0;

  constructor(counts?: ArrayLike<number>) {
    this.counts = new Uint32Array(BUCKETS);
    if (counts) {
      this.counts.set(counts);
      for (let i = 0; i < BUCKETS; i++) {
        this.count += this.counts[i]!;
        if (this.counts[i]) this.max = upper(i);
      }
    }
  }

  /** Records one sample in ms (negative values count as 0; Infinity in the last bucket). Throws nothing. */
  record(ms: number): void {
    const i = ms <= MIN_MS ? 0 : Math.min(BUCKETS - 1, 1 + Math.floor(Math.log(ms / MIN_MS) / LOG_GROWTH));
    this.counts[i]!++;
    this.count++;
    if (ms > this.max) this.max = ms;
  }

  /** Adds `other`'s samples to this one. */
  merge(other: Histogram): void {
    for (let i = 0; i < BUCKETS; i++) this.counts[i]! += other.counts[i]!;
    this.count += other.count;
    this.max = Math.max(this.max, other.max);
  }

  /**
   * The q-quantile (0 ≤ q ≤ 1) in ms: the upper edge of the bucket holding it (so it errs high,
   * by at most 1 %); NaN without samples, Infinity when it falls among undelivered messages.
   */
  quantile(q: number): number {
    if (this.count === 0) return NaN;
    const rank = Math.max(1, Math.ceil(q * this.count));
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i]!;
      if (seen >= rank) return i === BUCKETS - 1 ? Infinity : upper(i);
    }
    return Infinity;
  }

  /** The non-zero buckets as [index, count] pairs: compact for IPC and result files. */
  toSparse(): [number, number][] {
    const out: [number, number][] = [];
    for (let i = 0; i < BUCKETS; i++) if (this.counts[i]) out.push([i, this.counts[i]!]);
    return out;
  }

  /** The inverse of toSparse(). Throws RangeError for a bucket index out of range. */
  static fromSparse(pairs: [number, number][]): Histogram {
    const c = new Array<number>(BUCKETS).fill(0);
    for (const [i, n] of pairs) {
      if (!(i >= 0 && i < BUCKETS)) throw new RangeError(`histogram bucket ${i} out of range`);
      c[i] = n;
    }
    return new Histogram(c);
  }
}

/** Upper edge of bucket i, ms. */
function upper(i: number): number {
  return i === 0 ? MIN_MS : MIN_MS * GROWTH ** i;
}
