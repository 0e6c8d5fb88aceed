/**
 * A small seeded pseudo-random generator for the load generator's schedule (Poisson arrivals,
 * which sender sends). Not for anything security-relevant: it only makes a trial's arrival
 * pattern reproducible from its seed.
 */

/** xoshiro128** (Blackman and Vigna): 32-bit state words, period 2^128 − 1. */
export class Prng {
  private s = new Uint32Array(4);

  /** Seeds the state from `seed` with splitmix32, so that nearby seeds give unrelated streams. Throws nothing. */
  constructor(seed: number) {
    let x = seed >>> 0;
    for (let i = 0; i < 4; i++) {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      this.s[i] = (z ^ (z >>> 16)) >>> 0;
    }
    if (this.s.every((w) => w === 0)) this.s[0] = 1;
  }

  /** The next 32-bit output. */
  nextU32(): number {
    const s = this.s;
    const r = Math.imul(rotl(Math.imul(s[1]!, 5) >>> 0, 7), 9) >>> 0;
    const t = (s[1]! << 9) >>> 0;
    s[2]! ^= s[0]!;
    s[3]! ^= s[1]!;
    s[1]! ^= s[2]!;
    s[0]! ^= s[3]!;
    s[2]! ^= t;
    s[3] = rotl(s[3]!, 11);
    return r;
  }

  /** Uniform in (0, 1]: never 0, so that −ln(u) is finite. */
  uniform(): number {
    return (this.nextU32() + 1) / 4294967296;
  }

  /** An exponentially distributed wait with mean `mean` (the gap between two Poisson arrivals). */
  exponential(mean: number): number {
    return -Math.log(this.uniform()) * mean;
  }

  /** An integer in [0, n). */
  below(n: number): number {
    return Math.floor((this.nextU32() / 4294967296) * n);
  }
}

const rotl = (x: number, k: number) => ((x << k) | (x >>> (32 - k))) >>> 0;
