import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { nodeCrypto, x25519PublicKey } from '../../src/protocol/crypto-node.js';
import { hex, throwsCode, unhex } from './helpers.js';

describe('nodeCrypto (ProtocolCrypto on node:crypto)', () => {
  it('X25519: RFC 7748 §6.1 test vector', () => {
    const a = unhex('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a');
    const b = unhex('5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb');
    const A = x25519PublicKey(a);
    const B = x25519PublicKey(b);
    assert.equal(hex(A), '8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a');
    assert.equal(hex(B), 'de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f');
    const k = '4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742';
    assert.equal(hex(nodeCrypto.x25519(a, B)), k);
    assert.equal(hex(nodeCrypto.x25519(b, A)), k);
  });

  it('X25519: fresh key pairs agree; low-order points and wrong lengths → handshake_failed', () => {
    const p = nodeCrypto.x25519Keypair();
    const q = nodeCrypto.x25519Keypair();
    assert.equal(p.privateKey.length, 32);
    assert.deepEqual(x25519PublicKey(p.privateKey), p.publicKey);
    assert.deepEqual(nodeCrypto.x25519(p.privateKey, q.publicKey), nodeCrypto.x25519(q.privateKey, p.publicKey));
    throwsCode(() => nodeCrypto.x25519(p.privateKey, new Uint8Array(32)), 'handshake_failed');
    throwsCode(() => nodeCrypto.x25519(p.privateKey, unhex('0100000000000000000000000000000000000000000000000000000000000000')), 'handshake_failed');
    throwsCode(() => nodeCrypto.x25519(p.privateKey, unhex('5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157')), 'handshake_failed');
    throwsCode(() => nodeCrypto.x25519(p.privateKey, new Uint8Array(31)), 'handshake_failed');
    throwsCode(() => nodeCrypto.x25519(new Uint8Array(33), q.publicKey), 'handshake_failed');
  });

  it('HKDF-SHA-256: RFC 5869 Appendix A.1 (test case 1)', () => {
    const okm = nodeCrypto.hkdf(unhex('0b'.repeat(22)), unhex('000102030405060708090a0b0c'), unhex('f0f1f2f3f4f5f6f7f8f9'), 42);
    assert.equal(hex(okm), '3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865');
  });

  it('SHA-256: FIPS 180-4 "abc"', () => {
    assert.equal(hex(nodeCrypto.sha256(new TextEncoder().encode('abc'))), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('AES-256-GCM: GCM specification test case 16 (McGrew–Viega), seal and open', () => {
    const key = unhex('feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308');
    const iv = unhex('cafebabefacedbaddecaf888');
    const pt = unhex('d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39');
    const aad = unhex('feedfacedeadbeeffeedfacedeadbeefabaddad2');
    const ct = '522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662';
    const tag = '76fc6ece0f4e1768cddf8853bb2d551b';
    const sealed = nodeCrypto.aeadSeal(key, iv, pt, aad);
    assert.equal(hex(sealed), ct + tag);
    assert.deepEqual(nodeCrypto.aeadOpen(key, iv, sealed, aad), pt);
  });

  it('AES-256-GCM open: any change, a short input or a truncated tag → decrypt_failed', () => {
    const key = nodeCrypto.randomBytes(32);
    const iv = nodeCrypto.randomBytes(12);
    const aad = Uint8Array.of(1, 2, 3);
    const sealed = nodeCrypto.aeadSeal(key, iv, new TextEncoder().encode('hello'), aad);
    for (let i = 0; i < sealed.length; i++) {
      const bad = sealed.slice();
      bad[i]! ^= 1;
      throwsCode(() => nodeCrypto.aeadOpen(key, iv, bad, aad), 'decrypt_failed', `byte ${i}`);
    }
    throwsCode(() => nodeCrypto.aeadOpen(key, iv, sealed, Uint8Array.of(1, 2)), 'decrypt_failed', 'other AAD');
    throwsCode(() => nodeCrypto.aeadOpen(key, iv, sealed.subarray(0, sealed.length - 4), aad), 'decrypt_failed', 'shorter tag');
    throwsCode(() => nodeCrypto.aeadOpen(key, iv, sealed.subarray(0, 15), aad), 'decrypt_failed', 'shorter than a tag');
    throwsCode(() => nodeCrypto.aeadOpen(key.subarray(0, 16), iv, sealed, aad), 'decrypt_failed', '128-bit key');
    assert.deepEqual(nodeCrypto.aeadOpen(key, iv, nodeCrypto.aeadSeal(key, iv, new Uint8Array(0), aad), aad), new Uint8Array(0));
  });

  it('randomBytes: the requested length, not repeating', () => {
    assert.equal(nodeCrypto.randomBytes(0).length, 0);
    assert.notDeepEqual(nodeCrypto.randomBytes(32), nodeCrypto.randomBytes(32));
  });
});
