/**
 * Probable primes for RSA (FIPS 186-5 Appendix B.3): trial division by small primes, then
 * Miller–Rabin with random bases (FIPS 186-5 §B.3.1) and the round counts of Table B.1.
 */
import { bitLength, expPlan, modPowPlan, randomBetween } from './bigint.js';

/** Odd primes below 2^16, for trial division (the bound that minimised key-generation time here). */
export const SMALL_PRIMES: readonly number[] = (() => {
  const LIMIT = 1 << 16;
  const sieve = new Uint8Array(LIMIT);
  const out: number[] = [];
  for (let i = 3; i < LIMIT; i += 2) {
    if (sieve[i]) continue;
    out.push(i);
    for (let j = i * i; j < LIMIT; j += 2 * i) sieve[j] = 1;
  }
  return out;
})();

/** Small primes grouped so that each group's product stays below 2^53 (exact in a double). */
const CHUNKS: { product: bigint; primes: number[] }[] = (() => {
  const chunks: { product: bigint; primes: number[] }[] = [];
  let cur: number[] = [];
  let prod = 1;
  for (const p of SMALL_PRIMES) {
    if (prod * p > Number.MAX_SAFE_INTEGER) {
      chunks.push({ product: BigInt(prod), primes: cur });
      cur = [];
      prod = 1;
    }
    cur.push(p);
    prod *= p;
  }
  if (cur.length) chunks.push({ product: BigInt(prod), primes: cur });
  return chunks;
})();

/**
 * True when w has no odd prime factor below 2^16 other than itself. Stops at the first
 * factor found, so most composites cost one or two BigInt remainders.
 */
export function passesTrialDivision(w: bigint): boolean {
  for (const { product, primes } of CHUNKS) {
    const r = Number(w % product);
    for (const p of primes) if (r % p === 0 && w !== BigInt(p)) return false;
  }
  return true;
}

/** §B.3.1 step 1: a = the largest integer such that 2^a divides x; m = x / 2^a. */
function oddPart(x: bigint): { a: number; m: bigint } {
  let a = 0;
  let m = x;
  while ((m & 1n) === 0n) {
    m >>= 1n;
    a++;
  }
  return { a, m };
}

/**
 * Miller–Rabin probabilistic primality test with `rounds` random bases (FIPS 186-5 §B.3.1).
 * `w` must be odd and > 3. Returns false when w is certainly composite.
 */
export function millerRabin(w: bigint, rounds: number): boolean {
  const wm1 = w - 1n;
  const { a, m } = oddPart(wm1);
  const plan = expPlan(m);
  for (let i = 0; i < rounds; i++) {
    // §B.3.1 step 4.1–4.2: random b with 1 < b < w − 1
    const b = randomBetween(2n, wm1);
    // §B.3.1 step 4.4: z = b^m mod w
    let z = modPowPlan(b, plan, w);
    if (z === 1n || z === wm1) continue;
    let composite = true;
    // §B.3.1 step 4.5: square up to a−1 times looking for w−1
    for (let j = 1; j < a; j++) {
      z = (z * z) % w;
      if (z === wm1) {
        composite = false;
        break;
      }
      if (z === 1n) break;
    }
    if (composite) return false;
  }
  return true;
}

/**
 * One round of Miller–Rabin to the fixed base 2: a cheap extra filter for candidates that
 * survive trial division (it only rejects composites; the random-base rounds still follow).
 */
export function millerRabinBase2(w: bigint): boolean {
  const wm1 = w - 1n;
  const { a, m } = oddPart(wm1);
  // 2^m mod w by left-to-right binary exponentiation: multiplying by 2 is a shift
  const bits = m.toString(2);
  let z = 2n;
  for (let i = 1; i < bits.length; i++) {
    z = (z * z) % w;
    if (bits[i] === '1') {
      z <<= 1n;
      if (z >= w) z -= w;
    }
  }
  if (z === 1n || z === wm1) return true;
  for (let j = 1; j < a; j++) {
    z = (z * z) % w;
    if (z === wm1) return true;
    if (z === 1n) return false;
  }
  return false;
}

/**
 * Minimum Miller–Rabin rounds for a prime factor of an nlen-bit modulus
 * (FIPS 186-5 Table B.1: 5 for 1024-bit factors, 4 for 1536- and 2048-bit ones; 2^-112…2^-144).
 */
export function mrRounds(primeBits: number): number {
  if (primeBits >= 1536) return 4;
  if (primeBits >= 512) return 5;
  return 40;
}

/**
 * Probable-prime test for any integer: small cases exactly, then trial division and
 * Miller–Rabin with `rounds` random bases (default from Table B.1 by size).
 */
export function isProbablePrime(w: bigint, rounds?: number): boolean {
  if (w < 2n) return false;
  if (w < 4n) return true;
  if ((w & 1n) === 0n) return false;
  if (!passesTrialDivision(w)) return false;
  if (w < 1n << 32n) return true; // trial division to 2^16 decides everything below 2^32
  return millerRabin(w, rounds ?? mrRounds(bitLength(w)));
}
