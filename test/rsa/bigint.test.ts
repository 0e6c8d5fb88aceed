import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { bitLength, byteLength, expPlan, gcd, i2osp, lcm, mod, modInverse, modPow, modPowPlan, os2ip, randomBetween, randomBits } from '../../src/rsa/bigint.js';
import { isRsaError } from '../../src/rsa/errors.js';

const rnd = (bytes: number) => os2ip(crypto.randomBytes(bytes));

describe('I2OSP / OS2IP (RFC 8017 §4)', () => {
  it('round-trips and pads to the requested length', () => {
    for (const len of [1, 2, 31, 32, 256]) {
      const bytes = crypto.randomBytes(len);
      assert.deepEqual(i2osp(os2ip(bytes), len), new Uint8Array(bytes));
    }
    assert.deepEqual(i2osp(0n, 3), new Uint8Array(3));
    assert.deepEqual(i2osp(0x0102n, 4), Uint8Array.of(0, 0, 1, 2));
    assert.equal(os2ip(new Uint8Array(0)), 0n);
    assert.equal(os2ip(Uint8Array.of(0, 0, 0xff)), 255n);
  });
  it('rejects an integer too large for the length, and negatives', () => {
    for (const [x, len] of [[256n, 1], [511n, 1], [512n, 1], [1n << 24n, 3], [(1n << 25n) - 1n, 3], [1n, 0]] as const)
      assert.throws(() => i2osp(x, len), (e) => isRsaError(e, 'RSA_INPUT_OUT_OF_RANGE'), `i2osp(${x}, ${len})`);
    assert.deepEqual(i2osp(255n, 1), Uint8Array.of(255));
    assert.deepEqual(i2osp((1n << 24n) - 1n, 3), Uint8Array.of(255, 255, 255));
    assert.deepEqual(i2osp(0n, 0), new Uint8Array(0));
    assert.throws(() => i2osp(-1n, 4), (e) => isRsaError(e, 'RSA_INPUT_OUT_OF_RANGE'));
  });
});

describe('integer helpers', () => {
  it('bitLength and byteLength', () => {
    const cases: [bigint, number][] = [[0n, 0], [1n, 1], [2n, 2], [255n, 8], [256n, 9], [(1n << 2047n) + 5n, 2048]];
    for (const [x, bits] of cases) {
      assert.equal(bitLength(x), bits, `bitLength(${x})`);
      assert.equal(byteLength(x), Math.ceil(bits / 8));
    }
  });
  it('gcd, lcm, mod', () => {
    assert.equal(gcd(12n, 18n), 6n);
    assert.equal(gcd(-12n, 18n), 6n);
    assert.equal(lcm(4n, 6n), 12n);
    assert.equal(mod(-7n, 5n), 3n);
  });
  it('modInverse against the definition, and fails without an inverse', () => {
    for (let i = 0; i < 20; i++) {
      const m = rnd(64) | 1n;
      const a = rnd(64) % m;
      if (gcd(a, m) !== 1n) continue;
      assert.equal((a * modInverse(a, m)) % m, 1n);
    }
    assert.throws(() => modInverse(6n, 9n), (e) => isRsaError(e, 'RSA_INVALID_ARGUMENT'));
  });
  it('modPow agrees with square-and-multiply and with node:crypto Diffie-Hellman', () => {
    const naive = (b: bigint, e: bigint, m: bigint) => {
      let r = 1n;
      b %= m;
      while (e > 0n) {
        if (e & 1n) r = (r * b) % m;
        b = (b * b) % m;
        e >>= 1n;
      }
      return r;
    };
    for (const bytes of [1, 3, 10, 40, 128, 256]) {
      const m = rnd(bytes) | 1n | (1n << BigInt(8 * bytes - 1));
      const b = rnd(bytes + 3);
      const e = rnd(bytes);
      assert.equal(modPow(b, e, m), naive(b, e, m), `size ${bytes}`);
      assert.equal(modPowPlan(b, expPlan(e || 1n), m), naive(b, e || 1n, m));
    }
    assert.equal(modPow(5n, 0n, 7n), 1n);
    assert.equal(modPow(5n, 3n, 1n), 0n);
    // an independent implementation: DH with generator g computes g^x mod p in OpenSSL
    const dh = crypto.createDiffieHellman(1024);
    dh.generateKeys();
    const p = os2ip(dh.getPrime());
    const g = os2ip(dh.getGenerator());
    const x = os2ip(dh.getPrivateKey());
    assert.equal(modPow(g, x, p), os2ip(dh.getPublicKey()));
  });
  it('random integers stay in range', () => {
    for (let i = 0; i < 200; i++) {
      const r = randomBetween(10n, 17n);
      assert.ok(r >= 10n && r < 17n);
      assert.ok(bitLength(randomBits(13)) <= 13);
    }
    assert.throws(() => randomBetween(5n, 5n), (e) => isRsaError(e, 'RSA_INVALID_ARGUMENT'));
  });
});
