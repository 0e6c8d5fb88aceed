/**
 * RSA key-pair generation (FIPS 186-5 §A.1.3 with the probable primes of §B.3.3).
 */
import { bitLength, gcd, lcm, modInverse, randomBits } from './bigint.js';
import { rsaError } from './errors.js';
import { privateKeyFromComponents, type RsaPrivateKey } from './key.js';
import { isProbablePrime, millerRabin, millerRabinBase2, mrRounds, passesTrialDivision } from './prime.js';
import { rsadp, rsaep } from './primitives.js';

/** Modulus sizes this module generates. */
export const KEY_SIZES = [2048, 3072, 4096] as const;

/** Progress of key generation, reported to `onProgress`. */
export interface KeygenProgress {
  /** Which value is being searched for. */
  stage: 'p' | 'q' | 'check';
  /** Candidates that passed trial division and went to Miller–Rabin so far, for this stage. */
  tested: number;
}

/** Options of generateKeyPair. */
export interface KeygenOptions {
  /** Modulus size: 2048 (default), 3072 or 4096. */
  bits?: number;
  /** Public exponent, odd with 2^16 < e < 2^256 (FIPS 186-5 §A.1.1). Default 65537. */
  e?: bigint;
  /** Called synchronously during the search; keep it cheap (for a spinner or dots). */
  onProgress?: (p: KeygenProgress) => void;
}

/**
 * Generates a validated two-prime RSA private key (its public key is `.publicKey`).
 * Throws RSA_KEY_TOO_SMALL below 2048 bits, RSA_UNSUPPORTED for other sizes and
 * RSA_INVALID_ARGUMENT for a public exponent outside FIPS 186-5 bounds.
 */
export function generateKeyPair(opts: KeygenOptions = {}): RsaPrivateKey {
  const nlen = opts.bits ?? 2048;
  const e = opts.e ?? 65537n;
  if (!Number.isInteger(nlen) || nlen < 2048)
    throw rsaError('RSA_KEY_TOO_SMALL', `refusing to generate a ${nlen}-bit RSA key: 2048 bits is the minimum (FIPS 186-5)`);
  if (!(KEY_SIZES as readonly number[]).includes(nlen))
    throw rsaError('RSA_UNSUPPORTED', `RSA key size ${nlen} is not supported; use 2048, 3072 or 4096`);
  // FIPS 186-5 §A.1.1: 2^16 < e < 2^256, e odd
  if (typeof e !== 'bigint' || !isFipsPublicExponent(e))
    throw rsaError('RSA_INVALID_ARGUMENT', 'public exponent must be odd with 2^16 < e < 2^256');
  const half = nlen / 2;
  const progress = opts.onProgress;
  for (;;) {
    progress?.({ stage: 'p', tested: 0 }); // every stage is reported as it starts, however quickly it ends
    const p = randomPrime(half, e, (tested) => progress?.({ stage: 'p', tested }));
    let q: bigint;
    do {
      progress?.({ stage: 'q', tested: 0 });
      q = randomPrime(half, e, (tested) => progress?.({ stage: 'q', tested }));
      // §A.1.3 step 5.5 / §B.3.3 step 5.4: |p − q| > 2^(nlen/2 − 100)
    } while (!primesFarEnough(p, q, nlen));
    progress?.({ stage: 'check', tested: 0 });
    const n = p * q;
    const lambda = lcm(p - 1n, q - 1n);
    // §A.1.1 / §B.3.1 step 3: d = e⁻¹ mod λ(n), and d > 2^(nlen/2); otherwise start again
    const d = modInverse(e, lambda);
    if (!privateExponentLargeEnough(d, nlen)) continue;
    const key = privateKeyFromComponents({ n, e, d, p, q }, { checkPrimes: false });
    // FIPS 140-3 pairwise consistency test: RSADP(RSAEP(x)) = x, through the same CRT path as every later use
    const x = randomBits(nlen - 8) | 2n;
    if (rsadp(key, rsaep(key.publicKey, x)) !== x) throw rsaError('RSA_FAULT_DETECTED', 'generated key failed the pairwise consistency test');
    return key;
  }
}

/**
 * A random probable prime of exactly `bits` bits with p ≥ √2·2^(bits−1) and gcd(p−1, e) = 1
 * (FIPS 186-5 §B.3.3 step 4). Each candidate is freshly random, as the standard describes.
 */
export function randomPrime(bits: number, e: bigint, onTested?: (tested: number) => void): bigint {
  const top = 1n << BigInt(bits - 1);
  const rounds = mrRounds(bits);
  let tested = 0;
  for (;;) {
    // §B.3.3 step 4.2–4.3: a random odd candidate of the right length
    const p = randomBits(bits) | top | 1n;
    // §B.3.3 step 4.4: p ≥ √2·2^(nlen/2−1)
    if (!meetsPrimeLowerBound(p, bits)) continue;
    if (!passesTrialDivision(p)) continue;
    // §B.3.3 step 4.5: gcd(p − 1, e) = 1
    if (!coprimeToE(p, e)) continue;
    tested++;
    if (onTested && tested % 4 === 0) onTested(tested);
    // a base-2 round weeds out composites quickly; §B.3.3 step 4.5's random-base rounds follow
    if (!millerRabinBase2(p)) continue;
    if (millerRabin(p, rounds)) return p;
  }
}

// ---------------------------------------------------------------------------------------------
// The checks above, one function each, exported so that the NIST key-generation known answers
// (test/rsa/kat-nist.test.ts, test/rsa/acvp-keygen.test.ts) judge candidates with this very code.

/** Why a prime candidate is refused (see primeCandidateFault). */
export type PrimeCandidateFault = 'too_long' | 'bound' | 'gcd' | 'composite';

/**
 * FIPS 186-5 §B.3.3 step 4.4 (step 5.5 for q): w ≥ √2·2^(bits−1) for a prime of an nlen = 2·bits
 * modulus, decided exactly as w² ≥ 2^(2·bits−1). A shorter w fails it too. Never throws.
 */
export function meetsPrimeLowerBound(w: bigint, bits: number): boolean {
  return w * w >= 1n << BigInt(2 * bits - 1);
}

/** §B.3.3 step 4.5 (5.6): gcd(w − 1, e) = 1; for e = 65537, a prime, that is e ∤ w − 1. */
function coprimeToE(w: bigint, e: bigint): boolean {
  return e === 65537n ? (w - 1n) % e !== 0n : gcd(w - 1n, e) === 1n;
}

/**
 * Judges a candidate prime factor of an nlen = 2·bits modulus as key generation does (FIPS 186-5
 * §B.3.3 steps 4.4–4.7 for p, 5.5–5.8 for q): 'too_long' when it has more than `bits` bits,
 * 'bound' below √2·2^(bits−1) (step 4.4 / 5.5), 'gcd' when gcd(w − 1, e) ≠ 1 (4.5 / 5.6),
 * 'composite' when trial division or Miller–Rabin with the rounds of Table B.1 finds it composite
 * (4.5–4.7 / 5.6–5.8); undefined for an acceptable probable prime. The first failing step wins.
 * Never throws.
 */
export function primeCandidateFault(w: bigint, bits: number, e: bigint): PrimeCandidateFault | undefined {
  if (bitLength(w) > bits) return 'too_long';
  if (!meetsPrimeLowerBound(w, bits)) return 'bound';
  if (!coprimeToE(w, e)) return 'gcd';
  if (!isProbablePrime(w, mrRounds(bits))) return 'composite';
  return undefined;
}

/** FIPS 186-5 §A.1.1: the public exponent is odd with 2^16 < e < 2^256. Never throws. */
export function isFipsPublicExponent(e: bigint): boolean {
  return e > 1n << 16n && e < 1n << 256n && (e & 1n) === 1n;
}

/** FIPS 186-5 §A.1.3 step 5.5 / §B.3.3 step 5.4: |p − q| > 2^(nlen/2 − 100). Never throws. */
export function primesFarEnough(p: bigint, q: bigint, nlen: number): boolean {
  return (p > q ? p - q : q - p) > 1n << BigInt(nlen / 2 - 100);
}

/** FIPS 186-5 §A.1.1 / §B.3.1 step 3: the private exponent d > 2^(nlen/2). Never throws. */
export function privateExponentLargeEnough(d: bigint, nlen: number): boolean {
  return d > 1n << BigInt(nlen / 2);
}
