/**
 * Key import bounds (src/rsa/key.ts): the public exponent and the modulus size are bounded by
 * default, so that one hostile key cannot stall a verification or an import; each refusal is
 * RSA_LIMIT_EXCEEDED naming the option that raises it, and the option does.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isRsaError, type RsaLimit } from '../../src/rsa/errors.js';
import {
  MAX_BITS, MAX_EXPONENT_BITS, MAX_PRIVATE_BITS, privateKeyFromComponents, publicKeyFromComponents,
} from '../../src/rsa/key.js';
import { exportPublicKeyDer, importPublicKey } from '../../src/rsa/keyfile.js';
import { pssVerify } from '../../src/rsa/pss.js';
import { opensslKey } from '../helpers/keys.js';

const limitHit = (limit: RsaLimit) => (e: unknown) => {
  assert.ok(isRsaError(e, 'RSA_LIMIT_EXCEEDED'), `expected RSA_LIMIT_EXCEEDED, got ${String(e)}`);
  assert.deepEqual(e.limit, limit);
  assert.match(e.message, new RegExp(`limit of ${limit.max} bits.*raise the option ${limit.option} to ${limit.value}`));
  return true;
};
const invalidArgument = (e: unknown) => isRsaError(e, 'RSA_INVALID_ARGUMENT');

describe('public exponent bound (default 256 bits: FIPS 186-5 §A.1.1, e < 2^256)', () => {
  const { n } = opensslKey(2048).key;
  it('the defaults are those documented', () => {
    assert.equal(MAX_EXPONENT_BITS, 256);
    assert.equal(MAX_BITS, 16384);
    assert.equal(MAX_PRIVATE_BITS, 8192);
  });

  for (const [eBits, e] of [[257, (1n << 256n) + 1n], [1024, (1n << 1024n) - 1n], [2047, (1n << 2046n) + 1n]] as const) {
    it(`e of ${eBits} bits is refused by default, accepted with maxExponentBits ${eBits}`, () => {
      assert.throws(() => publicKeyFromComponents({ n, e }), limitHit({ option: 'maxExponentBits', value: eBits, max: 256 }));
      const key = publicKeyFromComponents({ n, e }, { maxExponentBits: eBits });
      assert.equal(key.e, e);
      assert.throws(() => publicKeyFromComponents({ n, e }, { maxExponentBits: eBits - 1 }), limitHit({ option: 'maxExponentBits', value: eBits, max: eBits - 1 }));
    });
  }

  it('e = 2^256 − 1 (256 bits) and 65537 are accepted by default', () => {
    assert.equal(publicKeyFromComponents({ n, e: (1n << 256n) - 1n }).e, (1n << 256n) - 1n);
    assert.equal(publicKeyFromComponents({ n, e: 65537n }).e, 65537n);
  });

  it('a key file (SPKI DER) with a 2047-bit e: refused at import, accepted with the option', () => {
    const e = (1n << 2046n) + 1n;
    const der = exportPublicKeyDer(publicKeyFromComponents({ n, e }, { maxExponentBits: 2047 }));
    assert.throws(() => importPublicKey(der), limitHit({ option: 'maxExponentBits', value: 2047, max: 256 }));
    const key = importPublicKey(der, { maxExponentBits: 2047 });
    assert.equal(pssVerify(key, new Uint8Array(1), new Uint8Array(256)), false);
  });

  it('a private key is bounded alike (checked before any expensive test)', () => {
    const { key } = opensslKey(2048);
    const c = { n: key.n, e: (1n << 300n) + 1n, d: key.d, p: key.p, q: key.q };
    assert.throws(() => privateKeyFromComponents(c), limitHit({ option: 'maxExponentBits', value: 301, max: 256 }));
  });

  it('an out-of-range option is RSA_INVALID_ARGUMENT', () => {
    for (const maxExponentBits of [1, 0, -5, 2.5, Number.NaN]) assert.throws(() => publicKeyFromComponents({ n, e: 65537n }, { maxExponentBits }), invalidArgument);
  });
});

describe('modulus bound (default 16384 bits for a public key, 8192 for a private key)', () => {
  const odd = (bits: number): bigint => (1n << BigInt(bits - 1)) + 1n;

  it('a 16385-bit public modulus is refused, accepted with maxBits; 16384 bits is accepted', () => {
    assert.throws(() => publicKeyFromComponents({ n: odd(16385), e: 65537n }), limitHit({ option: 'maxBits', value: 16385, max: 16384 }));
    assert.equal(publicKeyFromComponents({ n: odd(16385), e: 65537n }, { maxBits: 16385 }).bits, 16385);
    assert.equal(publicKeyFromComponents({ n: odd(16384), e: 65537n }).bits, 16384);
  });

  it('a private key over 8192 bits is refused before its primes are tested (its import would cost seconds)', () => {
    const n = odd(8200);
    // which components the import reads, in order: refused on n alone, it never reaches d, p or q
    // (an ordering, not a time: a time bound would measure the machine's load)
    const read: string[] = [];
    const comps = new Proxy({ n, e: 65537n, d: 3n, p: 3n, q: n / 3n }, { get: (o, k: string) => (read.push(k), o[k as keyof typeof o]) });
    assert.throws(() => privateKeyFromComponents(comps), limitHit({ option: 'maxBits', value: 8200, max: 8192 }));
    assert.deepEqual([...new Set(read)], ['n', 'e'], 'only n and e were read');
    // the public half of the same size is fine, and with maxBits the private checks run (and fail here: p·q ≠ n)
    assert.equal(publicKeyFromComponents({ n, e: 65537n }).bits, 8200);
    assert.throws(() => privateKeyFromComponents({ n, e: 65537n, d: 3n, p: 3n, q: n / 3n }, { maxBits: 8200 }), (e) => isRsaError(e, 'RSA_INVALID_KEY'));
  });

  it('maxBits lowers the bound too, and must not be below minBits', () => {
    const { key } = opensslKey(2048);
    assert.throws(() => publicKeyFromComponents(key, { minBits: 1024, maxBits: 2047 }), limitHit({ option: 'maxBits', value: 2048, max: 2047 }));
    assert.throws(() => publicKeyFromComponents(key, { minBits: 2048, maxBits: 2000 }), invalidArgument);
  });
});
