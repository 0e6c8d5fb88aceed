import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { rsadp, rsaep, rsasp1, rsavp1 } from '../../src/rsa/primitives.js';
import { modPow, os2ip } from '../../src/rsa/bigint.js';
import { isRsaError } from '../../src/rsa/errors.js';
import { privateKeyFromComponents, publicKeyFromComponents } from '../../src/rsa/key.js';
import { opensslKey } from '../helpers/keys.js';
import { requireWasmEngine } from '../helpers/rsa-engine.js';

requireWasmEngine(); // every private-key operation below runs on the WebAssembly engine (issue 15)

describe('RSA primitives (RFC 8017 §5)', () => {
  const { key, nodeKey } = opensslKey(2048);
  it('RSADP/RSASP1 with CRT and blinding equal the textbook m^d mod n, many times in a row', () => {
    // more iterations than the blinding refresh interval, so squaring updates and refreshes are both exercised
    for (let i = 0; i < 70; i++) {
      const c = os2ip(crypto.randomBytes(255));
      const m = rsadp(key, c);
      if (i % 10 === 0) assert.equal(m, modPow(c, key.d, key.n), 'matches m^d mod n');
      assert.equal(rsaep(key.publicKey, m), c, 'inverts RSAEP');
      assert.equal(rsavp1(key.publicKey, rsasp1(key, c)), c);
    }
  });
  it('is correct when q > p (m_2 may exceed p in Garner\'s step) — a regression test', () => {
    // OpenSSL orders p > q; our own key generation does not. Swap them to get q > p.
    const swapped = privateKeyFromComponents({ n: key.n, e: key.e, d: key.d, p: key.q, q: key.p });
    assert.ok(swapped.q > swapped.p);
    for (let i = 0; i < 200; i++) {
      const c = os2ip(crypto.randomBytes(255));
      const m = rsadp(swapped, c);
      assert.ok(m >= 0n && m < key.n, 'result in [0, n)');
      assert.equal(rsaep(key.publicKey, m), c);
    }
  });
  it('matches OpenSSL raw RSA (no padding) in both directions', () => {
    const c = crypto.randomBytes(256);
    c[0] = 0x01;
    const theirs = crypto.privateDecrypt({ key: nodeKey, padding: crypto.constants.RSA_NO_PADDING }, c);
    assert.equal(rsadp(key, os2ip(c)), os2ip(theirs));
  });
  it('rejects representatives outside [0, n−1]', () => {
    for (const x of [-1n, key.n, key.n + 1n]) {
      assert.throws(() => rsaep(key.publicKey, x), (e) => isRsaError(e, 'RSA_INPUT_OUT_OF_RANGE'));
      assert.throws(() => rsadp(key, x), (e) => isRsaError(e, 'RSA_INPUT_OUT_OF_RANGE'));
      assert.throws(() => rsasp1(key, x), (e) => isRsaError(e, 'RSA_INPUT_OUT_OF_RANGE'));
      assert.throws(() => rsavp1(key.publicKey, x), (e) => isRsaError(e, 'RSA_INPUT_OUT_OF_RANGE'));
    }
    assert.equal(rsadp(key, 0n), 0n);
    assert.equal(rsadp(key, 1n), 1n);
  });
  it('detects a faulty CRT half instead of returning it (Boneh–DeMillo–Lipton)', () => {
    // a key whose dP is wrong but consistent-looking to the CRT code: build it, then corrupt a copy
    const bad = Object.freeze({ ...key, dp: key.dp ^ 2n });
    assert.throws(() => rsasp1(bad, 12345n), (e) => isRsaError(e, 'RSA_FAULT_DETECTED'));
  });
});

describe('key validation on import', () => {
  const { key } = opensslKey(2048);
  const c = { n: key.n, e: key.e, d: key.d, p: key.p, q: key.q, dp: key.dp, dq: key.dq, qi: key.qi };
  const code = (code: string) => (e: unknown) => isRsaError(e) && e.code === code;
  it('accepts a consistent key and computes missing CRT values', () => {
    const k = privateKeyFromComponents({ n: c.n, e: c.e, d: c.d, p: c.p, q: c.q });
    assert.equal(k.qi, key.qi);
    assert.equal(k.dp, key.dp);
  });
  it('rejects each inconsistency with RSA_INVALID_KEY and a message naming it', () => {
    assert.throws(() => privateKeyFromComponents({ ...c, p: c.p + 2n }), code('RSA_INVALID_KEY'));
    assert.throws(() => privateKeyFromComponents({ ...c, d: c.d + 2n }), (e) => code('RSA_INVALID_KEY')(e) && /e·d/.test((e as Error).message));
    assert.throws(() => privateKeyFromComponents({ ...c, dp: c.dp + 1n }), /dP/);
    assert.throws(() => privateKeyFromComponents({ ...c, dq: c.dq + 1n }), /dQ/);
    assert.throws(() => privateKeyFromComponents({ ...c, qi: c.qi + 1n }), /qInv/);
    assert.throws(() => privateKeyFromComponents({ ...c, d: 0n }), code('RSA_INVALID_KEY'));
  });
  it('rejects bad public keys and sizes', () => {
    assert.throws(() => publicKeyFromComponents({ n: c.n, e: 2n }), code('RSA_INVALID_KEY'));
    assert.throws(() => publicKeyFromComponents({ n: c.n, e: 1n }), code('RSA_INVALID_KEY'));
    assert.throws(() => publicKeyFromComponents({ n: c.n + 1n, e: 65537n }), code('RSA_INVALID_KEY'));
    assert.throws(() => publicKeyFromComponents({ n: (1n << 1023n) + 1n, e: 65537n }), code('RSA_KEY_TOO_SMALL'));
    assert.throws(() => publicKeyFromComponents({ n: (1n << 16400n) + 1n, e: 65537n }), code('RSA_LIMIT_EXCEEDED'));
    assert.throws(() => publicKeyFromComponents({ n: c.n, e: 65537n }, { minBits: 512 }), code('RSA_INVALID_ARGUMENT'));
  });
});
