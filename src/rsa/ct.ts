/**
 * Branch-free helpers on small integers, for padding checks that must not exit early
 * (the constant-time OAEP decode of Go's crypto/rsa). JavaScript gives no hard guarantee,
 * but these avoid data-dependent branches and early returns in our own code.
 */

/** 1 if a === b else 0, for bytes or small non-negative integers (< 2^31). */
export function ctEq(a: number, b: number): number {
  const x = (a ^ b) | 0;
  return ((x - 1) >>> 31) & 1 & (~x >>> 31);
}

/** `a` if v === 1, `b` if v === 0. */
export function ctSelect(v: number, a: number, b: number): number {
  const mask = -v | 0;
  return (a & mask) | (b & ~mask);
}

/** 1 if the first `len` bytes of a and b are equal, else 0; always reads all `len` bytes. */
export function ctBytesEq(a: Uint8Array, aOff: number, b: Uint8Array, bOff: number, len: number): number {
  let d = 0;
  for (let i = 0; i < len; i++) d |= a[aOff + i]! ^ b[bOff + i]!;
  return ctEq(d, 0);
}
