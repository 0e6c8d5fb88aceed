import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { pssSign, pssVerify } from '../../src/rsa/pss.js';
import { pkcs1v15Sign, pkcs1v15Verify } from '../../src/rsa/pkcs1v15.js';
import { i2osp } from '../../src/rsa/bigint.js';
import { isRsaError } from '../../src/rsa/errors.js';
import { privateKeyFromComponents } from '../../src/rsa/key.js';
import { opensslKey } from '../helpers/keys.js';
import { requireWasmEngine } from '../helpers/rsa-engine.js';

requireWasmEngine(); // every private-key operation below runs on the WebAssembly engine (issue 15)

const PSS = crypto.constants.RSA_PKCS1_PSS_PADDING;

describe('RSASSA-PSS (RFC 8017 §8.1)', () => {
  const { key, nodeKey, nodePub } = opensslKey(2048);
  const msg = new TextEncoder().encode('a message to sign');
  it('interoperates with OpenSSL in both directions, hashes and salt lengths', () => {
    for (const hash of ['SHA-1', 'SHA-256', 'SHA-384', 'SHA-512'] as const) {
      const h = hash.replace('-', '').toLowerCase();
      for (const saltLength of [0, 20, 32]) {
        const sig = pssSign(key, msg, { hash, saltLength });
        assert.ok(crypto.verify(h, msg, { key: nodePub, padding: PSS, saltLength }, sig), `OpenSSL verifies ours ${hash}/${saltLength}`);
        const theirs = crypto.sign(h, msg, { key: nodeKey, padding: PSS, saltLength });
        assert.ok(pssVerify(key.publicKey, msg, theirs, { hash, saltLength }), `we verify OpenSSL's ${hash}/${saltLength}`);
        assert.ok(pssVerify(key.publicKey, msg, theirs, { hash, saltLength: 'auto' }));
        if (saltLength !== 0) assert.equal(pssVerify(key.publicKey, msg, theirs, { hash, saltLength: saltLength - 1 }), false);
      }
    }
    // OpenSSL's default: maximum salt length, recovered with 'auto'
    const max = crypto.sign('sha256', msg, { key: nodeKey, padding: PSS });
    assert.ok(pssVerify(key.publicKey, msg, max, { saltLength: 'auto' }));
  });
  it('rejects every altered signature, message or parameter', () => {
    const sig = pssSign(key, msg);
    assert.ok(pssVerify(key.publicKey, msg, sig));
    for (let i = 0; i < sig.length; i += 17) {
      const bad = sig.slice();
      bad[i]! ^= 0x80;
      assert.equal(pssVerify(key.publicKey, msg, bad), false, `flipped byte ${i}`);
    }
    assert.equal(pssVerify(key.publicKey, new TextEncoder().encode('another'), sig), false);
    assert.equal(pssVerify(key.publicKey, msg, sig.subarray(1)), false, 'short');
    assert.equal(pssVerify(key.publicKey, msg, new Uint8Array([0, ...sig])), false, 'long');
    assert.equal(pssVerify(key.publicKey, msg, i2osp(key.n, 256)), false, 's = n');
    assert.equal(pssVerify(key.publicKey, msg, new Uint8Array(256)), false, 's = 0');
    assert.equal(pssVerify(key.publicKey, msg, sig, { hash: 'SHA-384', saltLength: 32 }), false, 'wrong hash');
    assert.equal(pssVerify(key.publicKey, msg, sig, { mgfHash: 'SHA-1' }), false, 'wrong MGF hash');
  });
  it('handles emBits ≢ 0 mod 8 (a 2047-bit modulus) and SHAKE (RFC 8702)', () => {
    // find an OpenSSL key whose modulus has 2047 bits by asking for that size
    const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2047 });
    const j = privateKey.export({ format: 'jwk' });
    const b = (s?: string) => BigInt('0x' + Buffer.from(s!, 'base64url').toString('hex'));
    const k = privateKeyFromComponents({ n: b(j.n), e: b(j.e), d: b(j.d), p: b(j.p), q: b(j.q) }, { minBits: 1024 });
    assert.equal(k.bits, 2047);
    const sig = pssSign(k, msg);
    assert.ok(crypto.verify('sha256', msg, { key: crypto.createPublicKey(privateKey), padding: PSS, saltLength: 32 }, sig));
    assert.ok(pssVerify(k.publicKey, msg, sig));
    for (const hash of ['SHAKE128', 'SHAKE256'] as const) {
      const s = pssSign(key, msg, { hash });
      assert.ok(pssVerify(key.publicKey, msg, s, { hash }));
      assert.equal(pssVerify(key.publicKey, msg, s, { hash: hash === 'SHAKE128' ? 'SHAKE256' : 'SHAKE128' }), false);
    }
  });
  it('refuses a salt that does not fit and bad options', () => {
    assert.throws(() => pssSign(key, msg, { hash: 'SHA-512', saltLength: 256 - 64 - 1 }), (e) => isRsaError(e, 'RSA_ENCODING'));
    assert.throws(() => pssSign(key, msg, { saltLength: 'auto' }), (e) => isRsaError(e, 'RSA_INVALID_ARGUMENT'));
    assert.throws(() => pssSign(key, msg, { hash: 'MD5' as never }), (e) => isRsaError(e, 'RSA_UNSUPPORTED'));
    assert.throws(() => pssSign(key.publicKey as never, msg), (e) => isRsaError(e, 'RSA_INVALID_ARGUMENT'));
  });
});

describe('RSASSA-PKCS1-v1_5 signatures (RFC 8017 §8.2)', () => {
  const { key, nodeKey, nodePub } = opensslKey(2048);
  const msg = new TextEncoder().encode('v1.5');
  it('is deterministic and identical to OpenSSL for every hash', () => {
    for (const [hash, h] of [['SHA-1', 'sha1'], ['SHA-224', 'sha224'], ['SHA-256', 'sha256'], ['SHA-384', 'sha384'], ['SHA-512', 'sha512'], ['SHA-512/256', 'sha512-256'], ['SHA3-256', 'sha3-256']] as const) {
      const ours = pkcs1v15Sign(key, msg, { hash });
      assert.deepEqual(Buffer.from(ours), crypto.sign(h, msg, nodeKey), hash);
      assert.ok(pkcs1v15Verify(key.publicKey, msg, ours, { hash }));
      assert.ok(crypto.verify(h, msg, nodePub, ours));
    }
  });
  it('rejects altered signatures and the wrong hash', () => {
    const sig = pkcs1v15Sign(key, msg);
    const bad = sig.slice();
    bad[100]! ^= 1;
    assert.equal(pkcs1v15Verify(key.publicKey, msg, bad), false);
    assert.equal(pkcs1v15Verify(key.publicKey, msg, sig, { hash: 'SHA-384' }), false);
    assert.equal(pkcs1v15Verify(key.publicKey, msg, sig.subarray(2)), false);
  });
});
