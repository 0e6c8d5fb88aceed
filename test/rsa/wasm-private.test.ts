/**
 * Differential test of the WebAssembly private-key engine (src/rsa/wasm/private.ts) against the
 * BigInt reference (src/rsa/private-bigint.ts) over well over a thousand distinct keys of 2048,
 * 3072 and 4096 bits and unbalanced shapes, each with a random input, and edge inputs on many
 * of them: 0, 1, 2, n−1, p, q, values ≥ max(p, q), both orders of p and q.
 *
 * Keys are cheap to make in bulk: a pool of primes from node:crypto's generatePrimeSync
 * (OpenSSL) is combined pairwise, p_i·q_j, and d, dP, dQ, qInv are computed here with BigInt.
 * PARLEY_DIFF_SCALE (default 1) multiplies the number of keys.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { gcd, i2osp, lcm, modInverse, os2ip } from '../../src/rsa/bigint.js';
import { privateKeyFromComponents, type RsaPrivateKey } from '../../src/rsa/key.js';
import { privateOpBigInt } from '../../src/rsa/private-bigint.js';
import { BLINDING_REFRESH, privateOpWasm, wasmSupportsKey } from '../../src/rsa/wasm/private.js';

const SCALE = Number(process.env.PARLEY_DIFF_SCALE ?? 1);

function primePool(bits: number, count: number, e: bigint): bigint[] {
  const out: bigint[] = [];
  while (out.length < count) {
    const p = crypto.generatePrimeSync(bits, { bigint: true, safe: false });
    if (gcd(e, p - 1n) === 1n && !out.includes(p)) out.push(p);
  }
  return out;
}

/** A key from two primes (in this order: p may be smaller or larger than q). */
function keyOf(p: bigint, q: bigint, e: bigint): RsaPrivateKey {
  const n = p * q;
  const d = modInverse(e, lcm(p - 1n, q - 1n));
  return privateKeyFromComponents({ n, e, d, p, q }, { minBits: 1024, checkPrimes: false });
}

/** Ordered pairs (i, j), i ≠ j, of two pools, at most `max` of them, spread over the pools. */
function pairs<T>(a: T[], b: T[], max: number): [T, T][] {
  const all: [T, T][] = [];
  for (const x of a) for (const y of b) if (x !== y) all.push([x, y]);
  const step = Math.max(1, all.length / max);
  const out: [T, T][] = [];
  for (let i = 0; i < all.length && out.length < max; i += step) out.push(all[Math.floor(i)]!);
  return out;
}

function randomBelow(n: bigint, k: number): bigint {
  return os2ip(crypto.randomBytes(k + 8)) % n;
}

/** Edge inputs of a key: the ends of the range, the primes and values at or above them. */
function edgeInputs(key: RsaPrivateKey): bigint[] {
  const { n, p, q } = key;
  const big = p > q ? p : q;
  return [0n, 1n, 2n, n - 1n, n - 2n, p, q, p + 1n, q - 1n, big, big + randomBelow(n - big, key.size), p * 2n, (n >> 1n) | 1n, n - p, n - q];
}

/** Runs both engines on x and asserts the same k bytes; returns 1. */
function same(key: RsaPrivateKey, x: bigint, label: string): number {
  const want = i2osp(privateOpBigInt(key, x), key.size);
  const got = privateOpWasm(key, i2osp(x, key.size));
  assert.deepEqual(got, want, `${label}: x = 0x${x.toString(16).slice(0, 24)}…`);
  return 1;
}

describe('the WebAssembly private-key engine equals the BigInt reference (differential)', () => {
  const e = 65537n;
  const shapes: { name: string; pa: number; pb: number; primes: number; keys: number; edgesEvery: number }[] = [
    { name: 'RSA-2048 (1024 × 1024)', pa: 1024, pb: 1024, primes: 34, keys: Math.round(1000 * SCALE), edgesEvery: 30 },
    { name: 'RSA-3072 (1536 × 1536)', pa: 1536, pb: 1536, primes: 12, keys: Math.round(120 * SCALE), edgesEvery: 10 },
    { name: 'RSA-4096 (2048 × 2048)', pa: 2048, pb: 2048, primes: 6, keys: Math.round(30 * SCALE), edgesEvery: 6 },
  ];
  const pools = new Map<number, bigint[]>();
  const pool = (bits: number, count: number): bigint[] => {
    let got = pools.get(bits) ?? [];
    if (got.length < count) got = got.concat(primePool(bits, count - got.length, e));
    pools.set(bits, got);
    return got.slice(0, count);
  };
  let totalKeys = 0;

  for (const shape of shapes) {
    it(`${shape.name}: ${shape.keys} keys from ${shape.primes} primes, a random input each, 15 edge inputs on every ${shape.edgesEvery}th`, () => {
      const ps = pool(shape.pa, shape.primes);
      const keys = pairs(ps, ps, shape.keys);
      assert.equal(keys.length, shape.keys, 'enough distinct pairs in the pool');
      let ops = 0;
      let pLess = 0;
      for (const [i, [p, q]] of keys.entries()) {
        const key = keyOf(p, q, e);
        assert.ok(wasmSupportsKey(key));
        if (p < q) pLess++;
        ops += same(key, randomBelow(key.n, key.size), `key ${i}`);
        if (i % shape.edgesEvery === 0) for (const x of edgeInputs(key)) ops += same(key, x, `key ${i} edge`);
      }
      totalKeys += keys.length;
      assert.ok(pLess > 0 && pLess < keys.length, 'both orders of p and q occur');
      assert.ok(ops > keys.length);
    });
  }

  it('unbalanced keys (1024 × 1536, 1536 × 1024, 1024 × 2048, 2048 × 1024 bits) and small public exponents', () => {
    const a = pool(1024, 6);
    const b = pool(1536, 4);
    const c = pool(2048, 2);
    let n = 0;
    for (const [i, [x, y]] of [...pairs(a, b, 8), ...pairs(b, a, 8), ...pairs(a, c, 3), ...pairs(c, a, 3)].entries()) {
      const key = keyOf(x, y, e);
      n += same(key, randomBelow(key.n, key.size), `${key.bits}-bit unbalanced`);
      if (i % 3 === 0) for (const v of edgeInputs(key)) n += same(key, v, `${key.bits}-bit unbalanced edge`);
    }
    // e = 3 and a 255-bit e (other exponent lengths in the fault check); primes chosen so gcd(e, p−1) = 1
    for (const bigE of [3n, (1n << 254n) + 0x1234567n * 2n + 1n]) {
      const ps = pool(1024, 34).filter((p) => gcd(bigE, p - 1n) === 1n).slice(0, 5);
      for (const [x, y] of pairs(ps, ps, 8)) {
        const key = keyOf(x, y, bigE);
        n += same(key, randomBelow(key.n, key.size), `e = ${bigE}`);
      }
    }
    totalKeys += 38;
    assert.ok(n > 100);
  });

  it('repeated operations on one key agree across blinding squarings and refreshes', () => {
    const [p, q] = pool(1024, 2);
    const key = keyOf(p!, q!, e);
    for (let i = 0; i < 3 * BLINDING_REFRESH + 5; i++) same(key, randomBelow(key.n, key.size), `use ${i}`);
  });

  it('covered more than a thousand distinct keys', () => {
    assert.ok(totalKeys >= 1000 * Math.min(1, SCALE), `${totalKeys} keys`);
  });
});
