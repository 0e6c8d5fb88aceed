/**
 * RSA key objects and their validation (RFC 8017 §3, FIPS 186-5 §5.1 and Appendix A).
 *
 * Keys are plain frozen objects of BigInts. Every way a key enters the module — generation,
 * key files, JWK, raw components — goes through publicKeyFromComponents or
 * privateKeyFromComponents, which check the math before the key can be used.
 */
import { bitLength, byteLength, gcd, lcm, mod, modInverse } from './bigint.js';
import { limitError, rsaError } from './errors.js';
import { isProbablePrime } from './prime.js';

/** An RSA public key (n, e). `bits` is the modulus length, `size` its length k in bytes. */
export interface RsaPublicKey {
  readonly type: 'public';
  readonly n: bigint;
  readonly e: bigint;
  readonly bits: number;
  readonly size: number;
}

/** A two-prime RSA private key with its CRT values (RFC 8017 §3.2, second representation). */
export interface RsaPrivateKey {
  readonly type: 'private';
  readonly n: bigint;
  readonly e: bigint;
  readonly d: bigint;
  readonly p: bigint;
  readonly q: bigint;
  readonly dp: bigint;
  readonly dq: bigint;
  readonly qi: bigint;
  readonly bits: number;
  readonly size: number;
  readonly publicKey: RsaPublicKey;
}

/** Options of key import. */
export interface KeyCheckOptions {
  /** Smallest modulus accepted, in bits. Default 2048; never below 1024. */
  minBits?: number;
  /**
   * Largest modulus accepted, in bits: a bound on the work one key can cause. Default
   * MAX_BITS (16384) for a public key and MAX_PRIVATE_BITS (8192) for a private key, whose import
   * tests p and q for primality (3–4 s of CPU at 16384 bits, 0.5–0.7 s at 8192; docs/SECURITY.md).
   */
  maxBits?: number;
  /**
   * Largest public exponent accepted, in bits. Default MAX_EXPONENT_BITS (256): FIPS 186-5
   * §A.1.1 requires 2^16 < e < 2^256 of generated keys; a public-key operation costs one
   * modular squaring per bit of e, so an unbounded e lets one key stall a verification.
   */
  maxExponentBits?: number;
  /** Run Miller–Rabin on p and q (a few ms per key). Default true. */
  checkPrimes?: boolean;
}

/** The default and absolute minimum modulus sizes, and the largest accepted by default (a DoS bound). */
export const DEFAULT_MIN_BITS = 2048;
export const ABSOLUTE_MIN_BITS = 1024;
export const MAX_BITS = 16384;
/** The largest modulus of a private key accepted by default (its primality tests are the cost). */
export const MAX_PRIVATE_BITS = 8192;
/** The largest public exponent accepted by default, in bits (FIPS 186-5 §A.1.1: e < 2^256). */
export const MAX_EXPONENT_BITS = 256;

function intOption(opts: KeyCheckOptions | undefined, name: 'minBits' | 'maxBits' | 'maxExponentBits', dflt: number, least: number): number {
  const v = opts?.[name] ?? dflt;
  if (!Number.isSafeInteger(v) || v < least) throw rsaError('RSA_INVALID_ARGUMENT', `${name} must be an integer ≥ ${least}`);
  return v;
}

/** Checks n and e against the options; `maxBitsDefault` differs for public and private keys. */
function checkedPublic(c: { n: bigint; e: bigint }, opts: KeyCheckOptions | undefined, maxBitsDefault: number): RsaPublicKey {
  const { n, e } = c;
  if (typeof n !== 'bigint' || typeof e !== 'bigint') throw rsaError('RSA_INVALID_KEY', 'n and e must be integers');
  const min = intOption(opts, 'minBits', DEFAULT_MIN_BITS, ABSOLUTE_MIN_BITS);
  const max = intOption(opts, 'maxBits', maxBitsDefault, min);
  const maxE = intOption(opts, 'maxExponentBits', MAX_EXPONENT_BITS, 2);
  if (n < 0n || e < 0n) throw rsaError('RSA_INVALID_KEY', 'n and e must be positive');
  const bits = bitLength(n);
  if (bits < min) throw rsaError('RSA_KEY_TOO_SMALL', `RSA modulus is ${bits} bits; at least ${min} are required`);
  if (bits > max) throw limitError('maxBits', `an RSA modulus of ${bits} bits`, bits, max, 'bits');
  const eBits = bitLength(e);
  if (eBits > maxE) throw limitError('maxExponentBits', `an RSA public exponent of ${eBits} bits`, eBits, maxE, 'bits');
  // RFC 8017 §3.1: n is a product of odd primes, so it is odd; 3 ≤ e ≤ n − 1
  if ((n & 1n) === 0n) throw rsaError('RSA_INVALID_KEY', 'RSA modulus is even');
  if (e < 3n || e >= n || (e & 1n) === 0n) throw rsaError('RSA_INVALID_KEY', 'RSA public exponent must be odd and in [3, n−1]');
  return Object.freeze({ type: 'public', n, e, bits, size: byteLength(n) });
}

/**
 * Builds a validated public key from n and e.
 * Throws RSA_KEY_TOO_SMALL below minBits, RSA_LIMIT_EXCEEDED above maxBits (default 16384) or
 * for e above maxExponentBits (default 256), RSA_INVALID_KEY when n is even or e is not an odd
 * integer in [3, n), and RSA_INVALID_ARGUMENT for an option out of range.
 */
export function publicKeyFromComponents(c: { n: bigint; e: bigint }, opts?: KeyCheckOptions): RsaPublicKey {
  return checkedPublic(c, opts, MAX_BITS);
}

/**
 * Builds a validated private key from n, e, d, p, q and optionally the CRT values.
 * Checks, each with its own message (RSA_INVALID_KEY): p·q = n, p ≠ q, p and q probably prime,
 * 0 < d < n, e·d ≡ 1 (mod λ(n)), dp = d mod (p−1), dq = d mod (q−1), qi·q ≡ 1 (mod p).
 * Missing CRT values are computed. Size errors are as in publicKeyFromComponents, except that
 * maxBits defaults to MAX_PRIVATE_BITS (8192).
 */
export function privateKeyFromComponents(
  c: { n: bigint; e: bigint; d: bigint; p: bigint; q: bigint; dp?: bigint; dq?: bigint; qi?: bigint },
  opts?: KeyCheckOptions,
): RsaPrivateKey {
  const pub = checkedPublic(c, opts, MAX_PRIVATE_BITS);
  const { n, e, d, p, q } = c;
  for (const [k, v] of Object.entries({ d, p, q }))
    if (typeof v !== 'bigint') throw rsaError('RSA_INVALID_KEY', `private key component ${k} is missing`);
  if (p <= 1n || q <= 1n) throw rsaError('RSA_INVALID_KEY', 'RSA primes must be greater than 1');
  // RFC 8017 §3.2: n = r_1 · r_2, with distinct primes
  if (p * q !== n) throw rsaError('RSA_INVALID_KEY', 'RSA key is inconsistent: p·q ≠ n');
  if (p === q) throw rsaError('RSA_INVALID_KEY', 'RSA key is inconsistent: p = q');
  if (d <= 0n || d >= n) throw rsaError('RSA_INVALID_KEY', 'RSA private exponent out of range');
  const pm1 = p - 1n;
  const qm1 = q - 1n;
  // RFC 8017 §3.2: e·d ≡ 1 (mod λ(n)), λ(n) = lcm(p−1, q−1)
  if (mod(e * d, lcm(pm1, qm1)) !== 1n) throw rsaError('RSA_INVALID_KEY', 'RSA key is inconsistent: e·d ≢ 1 (mod λ(n))');
  if (gcd(e, pm1) !== 1n || gcd(e, qm1) !== 1n) throw rsaError('RSA_INVALID_KEY', 'RSA key is inconsistent: gcd(e, p−1·q−1) ≠ 1');
  const dp = d % pm1;
  const dq = d % qm1;
  let qi: bigint;
  try {
    qi = modInverse(q, p);
  } catch (err) {
    throw rsaError('RSA_INVALID_KEY', 'RSA key is inconsistent: q is not invertible mod p', err);
  }
  // RFC 8017 §3.2: dP = d mod (p−1), dQ = d mod (q−1), qInv = q⁻¹ mod p
  if (c.dp !== undefined && c.dp !== dp) throw rsaError('RSA_INVALID_KEY', 'RSA key is inconsistent: dP ≠ d mod (p−1)');
  if (c.dq !== undefined && c.dq !== dq) throw rsaError('RSA_INVALID_KEY', 'RSA key is inconsistent: dQ ≠ d mod (q−1)');
  if (c.qi !== undefined && c.qi !== qi) throw rsaError('RSA_INVALID_KEY', 'RSA key is inconsistent: qInv·q ≢ 1 (mod p)');
  if (opts?.checkPrimes ?? true) {
    if (!isProbablePrime(p, 3) || !isProbablePrime(q, 3)) throw rsaError('RSA_INVALID_KEY', 'RSA key factor is not prime');
  }
  return Object.freeze({ type: 'private', n, e, d, p, q, dp, dq, qi, bits: pub.bits, size: pub.size, publicKey: pub });
}

/** Throws RSA_INVALID_ARGUMENT unless `k` is a public key made by this module. */
export function assertPublicKey(k: unknown): asserts k is RsaPublicKey {
  if (!k || typeof k !== 'object' || (k as RsaPublicKey).type !== 'public' || !Object.isFrozen(k))
    throw rsaError('RSA_INVALID_ARGUMENT', 'expected an RSA public key');
}

/** Throws RSA_INVALID_ARGUMENT unless `k` is a private key made by this module. */
export function assertPrivateKey(k: unknown): asserts k is RsaPrivateKey {
  if (!k || typeof k !== 'object' || (k as RsaPrivateKey).type !== 'private' || !Object.isFrozen(k))
    throw rsaError('RSA_INVALID_ARGUMENT', 'expected an RSA private key');
}

/** The public half of a key (a public key is returned as is). */
export function toPublicKey(k: RsaPublicKey | RsaPrivateKey): RsaPublicKey {
  return k.type === 'private' ? k.publicKey : k;
}
