import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { generateKeyPair, randomPrime, type KeygenProgress } from '../../src/rsa/keygen.js';
import { bitLength, gcd, lcm } from '../../src/rsa/bigint.js';
import { isProbablePrime } from '../../src/rsa/prime.js';
import { isRsaError } from '../../src/rsa/errors.js';
import { i2osp } from '../../src/rsa/bigint.js';
import { bytesToBase64 } from '../../src/rsa/bytes.js';
import { requireWasmEngine } from '../helpers/rsa-engine.js';

requireWasmEngine(); // every private-key operation below runs on the WebAssembly engine (issue 15)

/** Every FIPS 186-5 §A.1.3 / §B.3.3 condition on a generated key, checked from the numbers. */
function assertFipsKey(k: ReturnType<typeof generateKeyPair>, nlen: number): void {
  const half = BigInt(nlen / 2);
  assert.equal(bitLength(k.n), nlen);
  assert.equal(k.e, 65537n);
  for (const f of [k.p, k.q]) {
    assert.ok(f * f >= 1n << BigInt(nlen - 1), 'p, q ≥ √2·2^(nlen/2−1)');
    assert.equal(bitLength(f), nlen / 2);
    assert.equal(gcd(f - 1n, k.e), 1n);
    assert.ok(isProbablePrime(f), 'factor is prime');
  }
  assert.equal(k.p * k.q, k.n);
  const diff = k.p > k.q ? k.p - k.q : k.q - k.p;
  assert.ok(diff > 1n << (half - 100n), '|p − q| > 2^(nlen/2 − 100)');
  assert.ok(k.d > 1n << half, 'd > 2^(nlen/2)');
  assert.equal((k.e * k.d) % lcm(k.p - 1n, k.q - 1n), 1n, 'e·d ≡ 1 mod λ(n)');
  assert.ok(k.d < lcm(k.p - 1n, k.q - 1n), 'd reduced mod λ(n)');
}

describe('key generation (FIPS 186-5 §A.1.3)', () => {
  it('makes 2048-bit keys that meet every condition and that OpenSSL accepts', () => {
    const progress: KeygenProgress[] = [];
    const k = generateKeyPair({ onProgress: (p) => progress.push(p) });
    assertFipsKey(k, 2048);
    assert.ok(progress.some((p) => p.stage === 'p') && progress.some((p) => p.stage === 'check'), 'progress reported');
    // OpenSSL's own key check (p, q prime, d, CRT values) through node:crypto
    const b = (x: bigint) => bytesToBase64(i2osp(x, Math.ceil(bitLength(x) / 8)), true);
    const nodeKey = crypto.createPrivateKey({
      format: 'jwk',
      key: { kty: 'RSA', n: b(k.n), e: b(k.e), d: b(k.d), p: b(k.p), q: b(k.q), dp: b(k.dp), dq: b(k.dq), qi: b(k.qi) },
    });
    const msg = Buffer.from('keygen');
    const sig = crypto.sign('sha256', msg, nodeKey);
    assert.ok(crypto.verify('sha256', msg, crypto.createPublicKey(nodeKey), sig));
  });
  it('makes a 3072-bit key', () => {
    assertFipsKey(generateKeyPair({ bits: 3072 }), 3072);
  });
  it('refuses sizes below 2048 and unsupported sizes or exponents', () => {
    assert.throws(() => generateKeyPair({ bits: 1024 }), (e) => isRsaError(e, 'RSA_KEY_TOO_SMALL') && /2048/.test(e.message));
    assert.throws(() => generateKeyPair({ bits: 2050 }), (e) => isRsaError(e, 'RSA_UNSUPPORTED'));
    assert.throws(() => generateKeyPair({ e: 3n }), (e) => isRsaError(e, 'RSA_INVALID_ARGUMENT'));
    assert.throws(() => generateKeyPair({ e: 65536n }), (e) => isRsaError(e, 'RSA_INVALID_ARGUMENT'));
  });
  it('randomPrime honours the lower bound and gcd(p−1, e) = 1 with another exponent', () => {
    const e = (1n << 17n) + 1n; // 131073 = 3 · 43691, so gcd matters
    const p = randomPrime(512, e);
    assert.equal(bitLength(p), 512);
    assert.ok(p * p >= 1n << 1023n);
    assert.equal(gcd(p - 1n, e), 1n);
    assert.ok(isProbablePrime(p));
  });
});
