/**
 * New names per source: a token bucket per source (ConnectIdentity.source — the transport's label
 * for where a connection comes from, such as the client's address), so that one source cannot
 * fill the name registry by connecting with a fresh key and a fresh name again and again.
 *
 * Only a name actually created spends a token; a reconnect with a name the key owns, or a
 * refused claim, costs nothing. A source's bucket is kept only while it matters: it is created
 * when the source first creates a name and forgotten once it would be full again, so the table
 * holds at most the sources that created a name within the last `burst / rate` (an hour with the
 * defaults) — never more entries than names created in that time.
 */
import { TokenBucket } from './ratelimit.js';

/** The budget of new names of every source. `clock`-free: the hub passes its time. */
export class SourceBudgets {
  /** By source; Map order = order of the last spend, oldest first. */
  private readonly buckets = new Map<string, { bucket: TokenBucket; spentAt: number }>();
  private readonly ratePerSecond: number;
  /** After this long without a spend a bucket is full again, and forgetting it loses nothing. */
  private readonly retainMs: number;

  /** Throws RangeError for a rate ≤ 0 or a burst < 1 (resolveOptions refuses them first). */
  constructor(
    readonly perHour: number,
    readonly burst: number,
  ) {
    if (!(perHour > 0) || !Number.isFinite(perHour)) throw new RangeError('perHour must be > 0');
    if (!(burst >= 1) || !Number.isFinite(burst)) throw new RangeError('burst must be >= 1');
    this.ratePerSecond = perHour / 3600;
    this.retainMs = Math.ceil((burst * 3_600_000) / perHour);
  }

  /** How long `source` must wait before it may create a name: 0 when it may now. Spends nothing. */
  waitMs(source: string, now: number): number {
    this.forget(now);
    return this.buckets.get(source)?.bucket.waitMs(now) ?? 0;
  }

  /** `source` has created a name at `now`: one token less. */
  spend(source: string, now: number): void {
    this.forget(now);
    const entry = this.buckets.get(source) ?? { bucket: new TokenBucket(this.ratePerSecond, this.burst, now), spentAt: now };
    entry.bucket.take(now);
    entry.spentAt = now;
    this.buckets.delete(source);
    this.buckets.set(source, entry);
  }

  /** Sources tracked now (for tests). */
  get size(): number {
    return this.buckets.size;
  }

  /** Forgets every bucket (the hub is shutting down). */
  clear(): void {
    this.buckets.clear();
  }

  /** Drops buckets, oldest spend first, that are full again. */
  private forget(now: number): void {
    for (const [source, e] of this.buckets) {
      if (now - e.spentAt < this.retainMs) break;
      this.buckets.delete(source);
    }
  }
}
