/**
 * The engine's number representation seen from JavaScript: little-endian arrays of 28-bit limbs
 * (one per 32-bit word), limb counts, Montgomery constants, and a bump allocator for the module's
 * linear memory.
 *
 * The BigInt conversions here run ONCE per key (or per modulus of modPowWasm), on values that
 * then stay in fixed-length buffers; they are variable-time (docs/SECURITY.md).
 */

/** Bits per limb: products of two limbs (< 2^56) are summed lazily in 64-bit accumulators. */
export const LIMB_BITS = 28;
const LIMB_MASK = (1n << BigInt(LIMB_BITS)) - 1n;

/**
 * Limbs needed for Montgomery arithmetic modulo a number of `bits` bits: R = 2^(28·L) > 4m,
 * so products stay below 2m and the exponentiation needs no conditional subtraction.
 */
export function limbsFor(bits: number): number {
  return Math.ceil((bits + 2) / LIMB_BITS);
}

/** x as `count` limbs written into `out` at limb index `at` (x must fit; higher limbs are dropped). */
export function writeLimbs(out: Uint32Array, at: number, x: bigint, count: number): void {
  for (let i = 0; i < count; i++) {
    out[at + i] = Number(x & LIMB_MASK);
    x >>= BigInt(LIMB_BITS);
  }
}

/** −m⁻¹ mod 2^28 for an odd m (Newton's iteration on its low 32 bits), the Montgomery constant. */
export function montgomeryMinv(m: bigint): number {
  const m0 = Number(m & 0xffffffffn) | 0;
  let inv = m0; // correct to 3 bits for any odd m0
  for (let i = 0; i < 5; i++) inv = Math.imul(inv, 2 - Math.imul(m0, inv));
  return -inv & Number(LIMB_MASK);
}

/** R = 2^(28·L) for L limbs. */
export function montgomeryR(L: number): bigint {
  return 1n << BigInt(LIMB_BITS * L);
}

/**
 * Assigns byte offsets in the module's memory, each region 8-byte aligned. Limb arrays get
 * four spare limbs: the functions of the module read or write zero pad limbs past the end.
 */
export class MemoryLayout {
  /** Bytes used so far, i.e. the offset of the next region. */
  size: number;
  constructor(start = 0) {
    this.size = start;
  }
  private take(bytes: number): number {
    const at = this.size;
    this.size += Math.ceil(bytes / 8) * 8;
    return at;
  }
  /** An array of `n` limbs (+ 4 pad limbs). */
  limbs(n: number): number {
    return this.take(4 * (n + 4));
  }
  /** The window table of exp_window for L limbs: 32 entries of L + 4 limbs. */
  table(L: number): number {
    return this.take(32 * 4 * (L + 4));
  }
  /** `n` 64-bit accumulators. */
  acc(n: number): number {
    return this.take(8 * n);
  }
  /** `n` raw bytes. */
  bytes(n: number): number {
    return this.take(n);
  }
}
