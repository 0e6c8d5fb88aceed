/**
 * Integer helpers for RSA on native BigInt: conversions (RFC 8017 §4), modular arithmetic,
 * sliding-window exponentiation, and uniform random integers from the CSPRNG.
 *
 * BigInt arithmetic in JavaScript engines is variable-time; see docs/SECURITY.md. Private-key
 * operations compensate with blinding (primitives.ts).
 */
import { abytes, bytesToHex } from './bytes.js';
import { rsaError } from './errors.js';
import { randomBytes } from './random.js';

/** Number of bits of a non-negative integer (0 for 0). */
export function bitLength(x: bigint): number {
  if (x < 0n) throw rsaError('RSA_INVALID_ARGUMENT', 'bitLength of a negative number');
  if (x === 0n) return 0;
  const hex = x.toString(16);
  return (hex.length - 1) * 4 + (32 - Math.clz32(parseInt(hex[0]!, 16)));
}

/** Number of bytes needed to hold a non-negative integer (0 for 0). */
export function byteLength(x: bigint): number {
  return Math.ceil(bitLength(x) / 8);
}

/** OS2IP (RFC 8017 §4.2): big-endian bytes to a non-negative integer. */
export function os2ip(b: Uint8Array): bigint {
  abytes(b, undefined, 'octet string');
  if (b.length === 0) return 0n;
  return BigInt('0x' + bytesToHex(b));
}

/**
 * I2OSP (RFC 8017 §4.1): a non-negative integer to exactly `len` big-endian bytes.
 * Throws RSA_INPUT_OUT_OF_RANGE ("integer too large") when x ≥ 256^len.
 *
 * Fixed-length for secret inputs (a decrypted OAEP block): the hex string converted is always
 * that of x + 256^len, 2·len + 1 digits whatever the leading zero bytes of x, whose count must
 * not show in the time taken (Manger 2001). The leading '1' is then skipped.
 */
export function i2osp(x: bigint, len: number): Uint8Array {
  if (x < 0n) throw rsaError('RSA_INPUT_OUT_OF_RANGE', 'integer is negative');
  // §4.1 step 1: x ≥ 256^len is "integer too large"; below it, x + 256^len is '1' and 2·len hex digits
  const hex = (x + (1n << BigInt(8 * len))).toString(16);
  if (hex.length !== 2 * len + 1 || hex[0] !== '1') throw rsaError('RSA_INPUT_OUT_OF_RANGE', 'integer too large');
  // §4.1 step 2: the base-256 digits of x, most significant first
  const out = new Uint8Array(len);
  for (let i = 0; i < len; i++) out[i] = parseInt(hex.slice(2 * i + 1, 2 * i + 3), 16);
  return out;
}

/** x mod m in [0, m) for any sign of x. */
export function mod(x: bigint, m: bigint): bigint {
  const r = x % m;
  return r < 0n ? r + m : r;
}

/** Greatest common divisor (Euclid). */
export function gcd(a: bigint, b: bigint): bigint {
  a = a < 0n ? -a : a;
  b = b < 0n ? -b : b;
  while (b !== 0n) [a, b] = [b, a % b];
  return a;
}

/** Least common multiple. */
export function lcm(a: bigint, b: bigint): bigint {
  if (a === 0n || b === 0n) return 0n;
  return (a / gcd(a, b)) * b;
}

/**
 * a⁻¹ mod m by the extended Euclidean algorithm.
 * Throws RSA_INVALID_ARGUMENT when gcd(a, m) ≠ 1 (no inverse exists).
 */
export function modInverse(a: bigint, m: bigint): bigint {
  if (m <= 0n) throw rsaError('RSA_INVALID_ARGUMENT', 'modulus must be positive');
  let [oldR, r] = [mod(a, m), m];
  let [oldS, s] = [1n, 0n];
  while (r !== 0n) {
    const q = oldR / r;
    [oldR, r] = [r, oldR - q * r];
    [oldS, s] = [s, oldS - q * s];
  }
  if (oldR !== 1n) throw rsaError('RSA_INVALID_ARGUMENT', 'value is not invertible modulo m');
  return mod(oldS, m);
}

/**
 * A precomputed sliding-window plan for one exponent: pairs (squarings, odd-power index)
 * read left to right. Computing it once per private key removes per-call bit scanning.
 */
export interface ExpPlan {
  readonly window: number;
  readonly steps: Int32Array; // [sq0, idx0, sq1, idx1, …]; idx −1 means "square only"
}

/** Window width that minimises multiplications for an exponent of `bits` bits. */
function windowFor(bits: number): number {
  if (bits <= 24) return 1;
  if (bits <= 80) return 3;
  if (bits <= 240) return 4;
  if (bits <= 768) return 5;
  return 6;
}

/** Builds the sliding-window plan of a positive exponent (HAC Algorithm 14.85). */
export function expPlan(exp: bigint): ExpPlan {
  if (exp <= 0n) throw rsaError('RSA_INVALID_ARGUMENT', 'exponent must be positive');
  const bits = exp.toString(2);
  const w = windowFor(bits.length);
  const steps: number[] = [];
  let i = 0;
  let pendingSq = 0;
  while (i < bits.length) {
    if (bits[i] === '0') {
      pendingSq++;
      i++;
      continue;
    }
    let j = Math.min(i + w, bits.length);
    while (bits[j - 1] === '0') j--;
    const val = parseInt(bits.slice(i, j), 2);
    steps.push(pendingSq + (j - i), (val - 1) >> 1);
    pendingSq = 0;
    i = j;
  }
  if (pendingSq) steps.push(pendingSq, -1);
  return { window: w, steps: Int32Array.from(steps) };
}

/** base^plan mod m using a precomputed plan (see expPlan). m must be > 1. */
export function modPowPlan(base: bigint, plan: ExpPlan, m: bigint): bigint {
  const b = base >= m || base < 0n ? mod(base, m) : base;
  const tbl: bigint[] = new Array(1 << (plan.window - 1));
  tbl[0] = b;
  if (tbl.length > 1) {
    const b2 = (b * b) % m;
    for (let i = 1; i < tbl.length; i++) tbl[i] = (tbl[i - 1]! * b2) % m;
  }
  const s = plan.steps;
  let r = 1n;
  let first = true;
  for (let k = 0; k < s.length; k += 2) {
    let sq = s[k]!;
    const idx = s[k + 1]!;
    if (first) {
      // r = 1: skip the useless squarings of 1 and start from the first window's value
      first = false;
      if (idx >= 0) {
        r = tbl[idx]!;
        continue;
      }
    }
    while (sq-- > 0) r = (r * r) % m;
    if (idx >= 0) r = (r * tbl[idx]!) % m;
  }
  return r % m;
}

/** base^exp mod m (sliding window). Throws RSA_INVALID_ARGUMENT for m ≤ 0 or exp < 0. */
export function modPow(base: bigint, exp: bigint, m: bigint): bigint {
  if (m <= 0n) throw rsaError('RSA_INVALID_ARGUMENT', 'modulus must be positive');
  if (exp < 0n) throw rsaError('RSA_INVALID_ARGUMENT', 'exponent must be non-negative');
  if (m === 1n) return 0n;
  if (exp === 0n) return 1n;
  return modPowPlan(base, expPlan(exp), m);
}

/** A uniformly random integer of exactly `bits` random bits (top bits may be zero). */
export function randomBits(bits: number): bigint {
  const nbytes = Math.ceil(bits / 8);
  const buf = randomBytes(nbytes);
  const extra = nbytes * 8 - bits;
  if (nbytes > 0) buf[0]! &= 0xff >> extra;
  return os2ip(buf);
}

/** A uniformly random integer in [min, max) by rejection sampling. */
export function randomBetween(min: bigint, max: bigint): bigint {
  if (max <= min) throw rsaError('RSA_INVALID_ARGUMENT', 'empty random range');
  const range = max - min;
  const bits = bitLength(range - 1n) || 1;
  for (;;) {
    const r = randomBits(bits);
    if (r < range) return min + r;
  }
}
