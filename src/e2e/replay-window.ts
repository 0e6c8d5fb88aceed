/**
 * An anti-replay sliding window over sequence numbers (RFC 4303 §3.4.3): a number above the
 * highest seen is new; one within `size` below it is new unless seen; anything older is refused.
 * check() never changes state; accept() records a number after its payload authenticated.
 */
export class ReplayWindow {
  private highest = -1;
  private readonly seen = new Set<number>();

  /** `size` ≥ 1: how far below the highest number a late arrival is still accepted. */
  constructor(private readonly size: number) {}

  /** True when `seq` has not been accepted and is not older than the window. */
  check(seq: number): boolean {
    if (seq > this.highest) return true;
    if (seq <= this.highest - this.size) return false;
    return !this.seen.has(seq);
  }

  /** Records `seq` as received (call only after check() and authentication succeeded). */
  accept(seq: number): void {
    this.seen.add(seq);
    if (seq > this.highest) this.highest = seq;
    // prune lazily, so that accepting stays O(1) amortized
    if (this.seen.size > 2 * this.size) {
      const floor = this.highest - this.size;
      for (const s of this.seen) if (s <= floor) this.seen.delete(s);
    }
  }
}
