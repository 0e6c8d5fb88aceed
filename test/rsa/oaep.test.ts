import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { oaepDecrypt, oaepEncrypt, oaepMaxMessageLength } from '../../src/rsa/oaep.js';
import { i2osp, os2ip } from '../../src/rsa/bigint.js';
import { isRsaError, DECRYPTION_FAILED } from '../../src/rsa/errors.js';
import { privateKeyFromComponents } from '../../src/rsa/key.js';
import { rsaep } from '../../src/rsa/primitives.js';
import { setRsaEngine } from '../../src/rsa/engine.js';
import { opensslKey } from '../helpers/keys.js';

const failed = (e: unknown) => isRsaError(e, 'RSA_DECRYPTION_FAILED') && e.message === DECRYPTION_FAILED;

describe('RSAES-OAEP (RFC 8017 §7.1)', () => {
  const { key, nodeKey, nodePub } = opensslKey(2048);
  const pub = key.publicKey;
  it('interoperates with OpenSSL in both directions for every hash', () => {
    for (const hash of ['SHA-1', 'SHA-224', 'SHA-256', 'SHA-384', 'SHA-512'] as const) {
      const nodeHash = hash.replace('-', '').toLowerCase();
      const msg = crypto.randomBytes(40);
      const ours = oaepEncrypt(pub, msg, { hash });
      assert.deepEqual(crypto.privateDecrypt({ key: nodeKey, oaepHash: nodeHash }, ours), msg, `${hash}: OpenSSL opens ours`);
      const theirs = crypto.publicEncrypt({ key: nodePub, oaepHash: nodeHash }, msg);
      assert.deepEqual(oaepDecrypt(key, theirs, { hash }), new Uint8Array(msg), `${hash}: we open OpenSSL's`);
    }
  });
  it('supports a label and a different MGF1 hash', () => {
    const label = new TextEncoder().encode('parley');
    const msg = new TextEncoder().encode('with a label');
    const ct = oaepEncrypt(pub, msg, { label, mgfHash: 'SHA-1' });
    assert.deepEqual(oaepDecrypt(key, ct, { label, mgfHash: 'SHA-1' }), msg);
    const theirs = crypto.publicEncrypt({ key: nodePub, oaepHash: 'sha256', oaepLabel: label }, msg);
    assert.deepEqual(oaepDecrypt(key, theirs, { label }), msg);
    assert.throws(() => oaepDecrypt(key, ct, { mgfHash: 'SHA-1' }), failed, 'wrong label');
    assert.throws(() => oaepDecrypt(key, ct, { label }), failed, 'wrong MGF hash');
  });
  it('encrypts the empty message and the longest one, and refuses one byte more', () => {
    const max = oaepMaxMessageLength(pub);
    assert.equal(max, 256 - 2 * 32 - 2);
    for (const len of [0, 1, max]) {
      const msg = crypto.randomBytes(len);
      assert.deepEqual(oaepDecrypt(key, oaepEncrypt(pub, msg)), new Uint8Array(msg));
    }
    assert.throws(() => oaepEncrypt(pub, new Uint8Array(max + 1)), (e) => isRsaError(e, 'RSA_MESSAGE_TOO_LONG') && /190 bytes/.test(e.message));
  });
  it('is randomised: the same message encrypts differently each time', () => {
    const msg = new Uint8Array(16);
    assert.notDeepEqual(oaepEncrypt(pub, msg), oaepEncrypt(pub, msg));
  });
  it('fails with the one vague error for every malformed ciphertext', () => {
    const ct = oaepEncrypt(pub, new TextEncoder().encode('secret'));
    const cases: Uint8Array[] = [
      ct.subarray(1), // too short
      new Uint8Array([...ct, 0]), // too long
      new Uint8Array(0),
      i2osp(key.n, 256), // c = n
      i2osp(key.n + 5n, 256), // c > n
      new Uint8Array(256).fill(0xff), // c ≥ n
      i2osp(rsaep(pub, 12345n), 256), // first byte and lHash wrong
      i2osp(rsaep(pub, os2ip(crypto.randomBytes(255))), 256), // random padding
    ];
    for (let i = 0; i < 256; i += 37) {
      const flipped = ct.slice();
      flipped[i]! ^= 0x01;
      cases.push(flipped);
    }
    for (const [i, c] of cases.entries()) assert.throws(() => oaepDecrypt(key, c), failed, `case ${i}`);
  });
  it('rejects a ciphertext whose padding has a bad first byte, lHash or separator — all alike', () => {
    // build EM by hand with one defect at a time, encrypt raw, and check the error is the same
    const k = 256;
    const hLen = 32;
    const good = os2ip(oaepEncrypt(pub, Uint8Array.of(1, 2, 3)));
    assert.ok(good < key.n);
    const emWithFirstByte = os2ip(Uint8Array.of(0x01, ...crypto.randomBytes(k - 1))) % key.n;
    for (const m of [emWithFirstByte, 0n, 1n, (1n << BigInt(8 * (k - hLen - 1))) - 1n]) {
      assert.throws(() => oaepDecrypt(key, i2osp(rsaep(pub, m), k)), failed);
    }
  });

  for (const engine of ['bigint', 'wasm'] as const)
  it(`converts the decrypted integer to EM in fixed length (${engine} engine): hex strings do not shorten with leading zero bytes`, () => {
    // RFC 8017 §7.1.2 step 2.c: EM = I2OSP(m, k). The number of leading zero bytes of EM is secret
    // (Manger 2001 measures whether the first one is zero), so every integer→string conversion made
    // while decrypting must have the same length whatever EM is. Radix-2 strings are the exponent
    // plans of the blinded CRT exponents (random per call by design), so only radix 16 is recorded.
    const k = 256;
    const fresh = privateKeyFromComponents(key, { minBits: 1024 }); // its own blinding state: no refresh below
    const withZeros = (zeros: number): bigint => {
      const em = new Uint8Array(crypto.randomBytes(k));
      em.fill(0, 0, zeros);
      em[zeros] = 0x01 + (em[zeros]! % 0x7f); // the first non-zero byte, below 0x80 so that m < n
      return os2ip(em);
    };
    const ciphertexts = [0, 1, 2, 3].map((z) => i2osp(rsaep(pub, withZeros(z)), k));
    ciphertexts.push(oaepEncrypt(pub, Uint8Array.of(1, 2, 3))); // a valid one too (EM starts with 0x00)
    setRsaEngine(engine);
    assert.throws(() => oaepDecrypt(fresh, ciphertexts[0]!), failed); // warm-up: creates the blinding state
    const original = BigInt.prototype.toString;
    const lengths: number[][] = [];
    let current: number[] = [];
    BigInt.prototype.toString = function (this: bigint, radix?: number): string {
      const s = original.call(this, radix);
      if (radix === 16) current.push(s.length);
      return s;
    };
    try {
      for (const ct of ciphertexts) {
        current = [];
        try {
          oaepDecrypt(fresh, ct);
        } catch (e) {
          assert.ok(failed(e));
        }
        lengths.push(current);
      }
    } finally {
      BigInt.prototype.toString = original;
      setRsaEngine('auto');
    }
    if (engine === 'bigint') assert.ok(lengths[0]!.length > 0, 'the conversion of m goes through toString(16)');
    // the WebAssembly engine returns EM as k bytes from the module: no BigInt string at all
    else assert.deepEqual(lengths[0], [], 'no hex string is made while decrypting');
    for (const [i, l] of lengths.entries()) assert.deepEqual(l, lengths[0], `EM with ${i} leading zero bytes: ${l} vs ${lengths[0]}`);
  });
});
