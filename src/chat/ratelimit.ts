/**
 * Rate limiting for the hub: a token bucket per member and request class, and a counter of
 * refusals that tells the hub when a member keeps flooding. Both are O(1) per request and take
 * the time as an argument (the hub's clock), so tests drive them with a fake clock.
 */

/** Tolerance for floating-point refill sums (0.995 + 0.005 must make a whole token). */
const EPSILON = 1e-9;

/** Result of `TokenBucket.take`: allowed, or refused with the wait until a token is available. */
export type TakeResult = { ok: true } | { ok: false; retryAfterMs: number };

/**
 * A token bucket: `capacity` tokens, refilled continuously at `ratePerSecond`; each request
 * takes one. Starts full, so a fresh member may send a burst of `capacity` at once.
 * A clock that goes backwards (wall-clock adjustment) refills nothing rather than failing.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    readonly ratePerSecond: number,
    readonly capacity: number,
    now: number,
  ) {
    if (!(ratePerSecond > 0) || !Number.isFinite(ratePerSecond)) throw new RangeError('ratePerSecond must be > 0');
    if (!(capacity >= 1) || !Number.isFinite(capacity)) throw new RangeError('capacity must be >= 1');
    this.tokens = capacity;
    this.last = now;
  }

  private refill(now: number): void {
    if (now > this.last) {
      this.tokens = Math.min(this.capacity, this.tokens + ((now - this.last) * this.ratePerSecond) / 1000);
      this.last = now;
    } else if (now < this.last) {
      this.last = now; // clock stepped back: restart measuring from here, without a refill
    }
  }

  /** Takes one token if there is one; otherwise says how long until there will be (≥ 1 ms). */
  take(now: number): TakeResult {
    this.refill(now);
    if (this.tokens >= 1 - EPSILON) {
      this.tokens = Math.max(0, this.tokens - 1);
      return { ok: true };
    }
    return { ok: false, retryAfterMs: this.waitMs(now) };
  }

  /** How long until a token is available: 0 when one is now (nothing is taken). */
  waitMs(now: number): number {
    this.refill(now);
    if (this.tokens >= 1 - EPSILON) return 0;
    return Math.max(1, Math.ceil(((1 - this.tokens) * 1000) / this.ratePerSecond - EPSILON));
  }

  /** Tokens available now (for tests and stats). */
  available(now: number): number {
    this.refill(now);
    return this.tokens;
  }
}

/**
 * Counts refusals in a fixed window that opens at the first refusal: `record` returns true when
 * more than `limit` refusals fall within `windowMs` — the caller then disconnects the member.
 */
export class FloodCounter {
  private count = 0;
  private windowStart = 0;

  constructor(
    readonly limit: number,
    readonly windowMs: number,
  ) {}

  /** Records one refusal at `now`; true when the member has now exceeded the limit. */
  record(now: number): boolean {
    if (this.count === 0 || now - this.windowStart >= this.windowMs || now < this.windowStart) {
      this.count = 0;
      this.windowStart = now;
    }
    this.count++;
    return this.count > this.limit;
  }
}
