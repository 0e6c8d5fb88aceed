/**
 * modPowWasm (src/rsa/wasm/modexp.ts), the engine's constant-time ladder on its own, against
 * BigInt modPow on thousands of random odd moduli of 1 to 2048 bytes (1 to 586 limbs: every
 * limb-count parity and the carry passes every 64 rows), random bases and exponents, and edge
 * values: 0, 1, m − 1, all-ones moduli and bases (the largest limbs the accumulators see),
 * empty and all-zero exponents.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { i2osp, modPow, os2ip } from '../../src/rsa/bigint.js';
import { isRsaError } from '../../src/rsa/errors.js';
import { modPowWasm } from '../../src/rsa/wasm/modexp.js';

/** A random odd modulus of exactly `len` bytes, at least 3. */
function oddModulus(len: number): Uint8Array {
  const m = crypto.randomBytes(len);
  m[len - 1]! |= 1;
  if (m[0] === 0) m[0] = 1 + (m[0]! % 255);
  if (len === 1 && m[0]! < 3) m[0] = 3; // m = 1 has no base below m but 0 (the edge test checks m = 1 itself)
  return m;
}

function check(m: Uint8Array, base: bigint, exp: Uint8Array, label: string): void {
  const mv = os2ip(m);
  const want = mv === 1n ? 0n : modPow(base, os2ip(exp), mv);
  const got = modPowWasm(m, i2osp(base, m.length), exp);
  assert.equal(got.length, m.length);
  assert.equal(os2ip(got), want, `${label}: ${m.length}-byte m, ${exp.length}-byte exponent`);
}

describe('modPowWasm equals BigInt modPow', () => {
  it('3000 random cases with moduli of 1–96 bytes and exponents of 0–48 bytes', () => {
    for (let i = 0; i < 3000; i++) {
      const m = oddModulus(1 + (i % 96));
      const base = os2ip(crypto.randomBytes(m.length)) % os2ip(m);
      check(m, base, crypto.randomBytes(i % 49), `case ${i}`);
    }
  });

  it('300 cases with moduli of 97–600 bytes (more than 64 limbs: the carry passes) and short exponents', () => {
    for (let i = 0; i < 300; i++) {
      const m = oddModulus(97 + ((i * 37) % 504));
      const base = os2ip(crypto.randomBytes(m.length)) % os2ip(m);
      check(m, base, crypto.randomBytes(1 + (i % 12)), `case ${i}`);
    }
  });

  it('moduli of 1024 and 2048 bytes (293 and 586 limbs)', () => {
    for (const len of [1024, 2048]) {
      const m = oddModulus(len);
      check(m, os2ip(crypto.randomBytes(len)) % os2ip(m), crypto.randomBytes(3), `${len} bytes`);
    }
  });

  it('edge values: bases 0, 1, m−1; all-ones moduli and bases; empty, zero and all-ones exponents; m = 1', () => {
    for (const len of [1, 2, 3, 4, 7, 8, 28, 32, 35, 36, 64, 128, 129, 256, 257, 384, 512]) {
      const ones = new Uint8Array(len).fill(0xff); // the largest limbs the accumulators see
      for (const m of [oddModulus(len), ones]) {
        const mv = os2ip(m);
        for (const base of [0n, 1n, mv - 1n, mv > 2n ? mv - 2n : 0n])
          for (const exp of [new Uint8Array(0), new Uint8Array(5), Uint8Array.of(1), Uint8Array.of(2), new Uint8Array(len > 64 ? 8 : len).fill(0xff)])
            check(m, base, exp, `edge len ${len}`);
      }
    }
    // the largest accumulator sums: all-ones limbs at 293 and 586 limbs (random limbs stay far below)
    for (const len of [1024, 2048]) {
      const m = new Uint8Array(len).fill(0xff);
      for (const base of [os2ip(m) - 1n, os2ip(m) - 2n]) check(m, base, new Uint8Array(8).fill(0xff), `all ones, ${len} bytes`);
    }
    check(Uint8Array.of(1), 0n, Uint8Array.of(7), 'm = 1');
  });

  it('rejects an even modulus, a base ≥ m and a base longer than m', () => {
    assert.throws(() => modPowWasm(Uint8Array.of(4), Uint8Array.of(1), Uint8Array.of(1)), (e) => isRsaError(e, 'RSA_INVALID_ARGUMENT'));
    assert.throws(() => modPowWasm(Uint8Array.of(5), Uint8Array.of(5), Uint8Array.of(1)), (e) => isRsaError(e, 'RSA_INPUT_OUT_OF_RANGE'));
    assert.throws(() => modPowWasm(Uint8Array.of(5), Uint8Array.of(0, 1), Uint8Array.of(1)), (e) => isRsaError(e, 'RSA_INVALID_ARGUMENT'));
  });
});
