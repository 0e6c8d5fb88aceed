/**
 * RSA Laboratories PKCS #1 v2.1 examples (../shared/vectors/rsa-labs-pkcs1v21): deterministic
 * known answers for OAEP encryption (explicit seed) and PSS signing (explicit salt), SHA-1 and
 * MGF1-SHA-1, and PKCS #1 v1.5 signatures (SHA-1). Keys of 1024–2048 bits, hence minBits 1024.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  bytesToHex,
  oaepDecrypt,
  oaepEncrypt,
  pkcs1v15Sign,
  pkcs1v15Verify,
  privateKeyFromComponents,
  pssSign,
  pssVerify,
  type RsaPrivateKey,
} from '../../src/rsa/index.js';
import { loadRsaLabs, type RsaLabsExample } from '../helpers/vectors.js';
import { requireWasmEngine } from '../helpers/rsa-engine.js';

requireWasmEngine(); // every private-key operation below runs on the WebAssembly engine (issue 15)

const KEY_OPTS = { minBits: 1024 } as const;
const SHA1 = { hash: 'SHA-1', mgfHash: 'SHA-1' } as const;

/** Builds the example's key from all its components (the CRT values are checked too). */
function keyOf(file: string, ex: RsaLabsExample): RsaPrivateKey {
  const key = privateKeyFromComponents(ex.key, KEY_OPTS);
  const bits = /(\d+)-bit/i.exec(ex.title)?.[1];
  assert.equal(String(key.bits), bits, `${file} example ${ex.id}: key size from the title "${ex.title}"`);
  return key;
}

describe('RSA Labs oaep-vect.txt (RSAES-OAEP, SHA-1, MGF1-SHA-1, explicit seed)', () => {
  const file = 'oaep-vect.txt';
  const examples = loadRsaLabs(file);
  test('the file has 10 keys with 6 examples each', () => {
    assert.equal(examples.length, 10);
    for (const ex of examples) assert.equal(ex.cases.length, 6, `example ${ex.id}`);
  });
  for (const ex of examples) {
    test(`example ${ex.id}: ${ex.title}`, () => {
      const key = keyOf(file, ex);
      for (const c of ex.cases) {
        const label = `${file} example ${c.id}`;
        assert.ok(c.seed && c.ct, `${label}: seed and ciphertext present`);
        assert.equal(c.seed.length, 20, `${label}: seed is hLen bytes`);
        const ct = oaepEncrypt(key.publicKey, c.msg, { ...SHA1, seed: c.seed });
        assert.equal(bytesToHex(ct), bytesToHex(c.ct), `${label}: ciphertext`);
        assert.equal(bytesToHex(oaepDecrypt(key, c.ct, SHA1)), bytesToHex(c.msg), `${label}: decrypted message`);
      }
    });
  }
});

describe('RSA Labs pss-vect.txt (RSASSA-PSS, SHA-1, MGF1-SHA-1, explicit salt)', () => {
  const file = 'pss-vect.txt';
  const examples = loadRsaLabs(file);
  test('the file has 10 keys with 6 examples each', () => {
    assert.equal(examples.length, 10);
    for (const ex of examples) assert.equal(ex.cases.length, 6, `example ${ex.id}`);
  });
  for (const ex of examples) {
    test(`example ${ex.id}: ${ex.title}`, () => {
      const key = keyOf(file, ex);
      for (const c of ex.cases) {
        const label = `${file} example ${c.id}`;
        assert.ok(c.salt && c.sig, `${label}: salt and signature present`);
        const opts = { ...SHA1, saltLength: c.salt.length };
        const sig = pssSign(key, c.msg, { ...opts, salt: c.salt });
        assert.equal(bytesToHex(sig), bytesToHex(c.sig), `${label}: signature`);
        assert.equal(pssVerify(key.publicKey, c.msg, c.sig, opts), true, `${label}: verifies`);
        assert.equal(pssVerify(key.publicKey, c.msg, c.sig, { ...opts, saltLength: 'auto' }), true, `${label}: verifies with 'auto'`);
        // a flipped message bit must not verify
        const bad = c.msg.slice();
        bad[0]! ^= 1;
        assert.equal(pssVerify(key.publicKey, bad, c.sig, opts), false, `${label}: altered message`);
      }
    });
  }
});

describe('RSA Labs pkcs1v15sign-vectors.txt (RSASSA-PKCS1-v1_5, SHA-1)', () => {
  const file = 'pkcs1v15sign-vectors.txt';
  const examples = loadRsaLabs(file);
  test('the file has 15 keys with 20 examples each', () => {
    assert.equal(examples.length, 15);
    for (const ex of examples) assert.equal(ex.cases.length, 20, `example ${ex.id}`);
  });
  for (const ex of examples) {
    test(`example ${ex.id}: ${ex.title}`, () => {
      const key = keyOf(file, ex);
      for (const c of ex.cases) {
        const label = `${file} example ${c.id}`;
        assert.ok(c.sig, `${label}: signature present`);
        const sig = pkcs1v15Sign(key, c.msg, { hash: 'SHA-1' });
        assert.equal(bytesToHex(sig), bytesToHex(c.sig), `${label}: signature`);
        assert.equal(pkcs1v15Verify(key.publicKey, c.msg, c.sig, { hash: 'SHA-1' }), true, `${label}: verifies`);
        assert.equal(pkcs1v15Verify(key.publicKey, c.msg, c.sig, { hash: 'SHA-256' }), false, `${label}: not with SHA-256`);
      }
    });
  }
});
