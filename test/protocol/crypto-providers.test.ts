/**
 * The two ProtocolCrypto providers — nodeCrypto (node:crypto, the terminal client and server) and
 * webCrypto (@noble/*, the browser) — each against the same known answers (RFC 7748, RFC 5869,
 * FIPS 180-4, the GCM specification) and the same failure cases, then against each other.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { webCrypto, x25519PublicKeyWeb } from '../../src/protocol/crypto-web.js';
import { nodeCrypto, x25519PublicKey } from '../../src/protocol/crypto-node.js';
import type { ProtocolCrypto } from '../../src/protocol/index.js';
import { hex, runHandshake, throwsCode, unhex } from './helpers.js';

const utf8 = (s: string) => new TextEncoder().encode(s);
const seq = (from: number, n: number) => Uint8Array.from({ length: n }, (_, i) => from + i);

const PROVIDERS: [string, ProtocolCrypto, (priv: Uint8Array) => Uint8Array][] = [
  ['nodeCrypto', nodeCrypto, x25519PublicKey],
  ['webCrypto', webCrypto, x25519PublicKeyWeb],
];

/** RFC 5869 Appendix A, test cases 1–3 (HKDF-SHA-256): ikm, salt, info, L, OKM. */
const HKDF_VECTORS: [Uint8Array, Uint8Array, Uint8Array, number, string][] = [
  [unhex('0b'.repeat(22)), unhex('000102030405060708090a0b0c'), unhex('f0f1f2f3f4f5f6f7f8f9'), 42, '3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865'],
  [seq(0x00, 80), seq(0x60, 80), seq(0xb0, 80), 82, 'b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c59045a99cac7827271cb41c65e590e09da3275600c2f09b8367793a9aca3db71cc30c58179ec3e87c14c01d5c1f3434f1d87'],
  [unhex('0b'.repeat(22)), new Uint8Array(0), new Uint8Array(0), 42, '8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8'],
];

for (const [label, c, publicKeyOf] of PROVIDERS) {
  describe(`${label} (ProtocolCrypto)`, () => {
    it('X25519: RFC 7748 §6.1 test vector', () => {
      const a = unhex('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a');
      const b = unhex('5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb');
      const A = publicKeyOf(a);
      const B = publicKeyOf(b);
      assert.equal(hex(A), '8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a');
      assert.equal(hex(B), 'de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f');
      const k = '4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742';
      assert.equal(hex(c.x25519(a, B)), k);
      assert.equal(hex(c.x25519(b, A)), k);
    });

    it('X25519: RFC 7748 §5.2 single-iteration vector', () => {
      const k = unhex('a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4');
      const u = unhex('e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c');
      assert.equal(hex(c.x25519(k, u)), 'c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552');
    });

    it('X25519: fresh key pairs agree; low-order points and wrong lengths → handshake_failed', () => {
      const p = c.x25519Keypair();
      const q = c.x25519Keypair();
      assert.equal(p.privateKey.length, 32);
      assert.deepEqual(publicKeyOf(p.privateKey), p.publicKey);
      assert.deepEqual(c.x25519(p.privateKey, q.publicKey), c.x25519(q.privateKey, p.publicKey));
      throwsCode(() => c.x25519(p.privateKey, new Uint8Array(32)), 'handshake_failed');
      throwsCode(() => c.x25519(p.privateKey, unhex('0100000000000000000000000000000000000000000000000000000000000000')), 'handshake_failed');
      throwsCode(() => c.x25519(p.privateKey, unhex('5f9c95bca3508c24b1d0b1559c83ef5b04445cc4581c8e86d8224eddd09f1157')), 'handshake_failed');
      throwsCode(() => c.x25519(p.privateKey, new Uint8Array(31)), 'handshake_failed');
      throwsCode(() => c.x25519(new Uint8Array(33), q.publicKey), 'handshake_failed');
      throwsCode(() => publicKeyOf(new Uint8Array(31)), 'handshake_failed');
    });

    it('HKDF-SHA-256: RFC 5869 Appendix A.1, A.2, A.3', () => {
      for (const [ikm, salt, info, len, okm] of HKDF_VECTORS) assert.equal(hex(c.hkdf(ikm, salt, info, len)), okm);
    });

    it('HMAC-SHA-256: RFC 4231 test cases 1, 2 and 6 (key longer than a block)', () => {
      const cases: [string, string, string][] = [
        ['0b'.repeat(20), Buffer.from('Hi There').toString('hex'), 'b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7'],
        [Buffer.from('Jefe').toString('hex'), Buffer.from('what do ya want for nothing?').toString('hex'), '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843'],
        ['aa'.repeat(131), Buffer.from('Test Using Larger Than Block-Size Key - Hash Key First').toString('hex'), '60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54'],
      ];
      for (const [key, data, mac] of cases) assert.equal(hex(c.hmacSha256(unhex(key), unhex(data))), mac);
    });

    it('SHA-256: FIPS 180-4 "abc"', () => {
      assert.equal(hex(c.sha256(utf8('abc'))), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    });

    it('AES-256-GCM: GCM specification test case 16 (McGrew–Viega), seal and open', () => {
      const key = unhex('feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308');
      const iv = unhex('cafebabefacedbaddecaf888');
      const pt = unhex('d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39');
      const aad = unhex('feedfacedeadbeeffeedfacedeadbeefabaddad2');
      const ct = '522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662';
      const tag = '76fc6ece0f4e1768cddf8853bb2d551b';
      const sealed = c.aeadSeal(key, iv, pt, aad);
      assert.equal(hex(sealed), ct + tag);
      assert.deepEqual(c.aeadOpen(key, iv, sealed, aad), pt);
    });

    it('AES-256-GCM open: any changed byte, other AAD, short input or tag, wrong key or nonce size → decrypt_failed', () => {
      const key = c.randomBytes(32);
      const iv = c.randomBytes(12);
      const aad = Uint8Array.of(1, 2, 3);
      const sealed = c.aeadSeal(key, iv, utf8('hello'), aad);
      for (let i = 0; i < sealed.length; i++) {
        const bad = sealed.slice();
        bad[i]! ^= 1;
        throwsCode(() => c.aeadOpen(key, iv, bad, aad), 'decrypt_failed', `byte ${i}`);
      }
      throwsCode(() => c.aeadOpen(key, iv, sealed, Uint8Array.of(1, 2)), 'decrypt_failed', 'other AAD');
      throwsCode(() => c.aeadOpen(key, iv, sealed.subarray(0, sealed.length - 4), aad), 'decrypt_failed', 'shorter tag');
      throwsCode(() => c.aeadOpen(key, iv, sealed.subarray(0, 15), aad), 'decrypt_failed', 'shorter than a tag');
      throwsCode(() => c.aeadOpen(key.subarray(0, 16), iv, sealed, aad), 'decrypt_failed', '128-bit key');
      throwsCode(() => c.aeadSeal(key, iv.subarray(0, 8), sealed, aad), 'decrypt_failed', 'short nonce');
      assert.deepEqual(c.aeadOpen(key, iv, c.aeadSeal(key, iv, new Uint8Array(0), aad), aad), new Uint8Array(0));
    });

    it('randomBytes: the requested length (also over 64 KiB), not repeating', () => {
      assert.equal(c.randomBytes(0).length, 0);
      assert.equal(c.randomBytes(70000).length, 70000);
      assert.notDeepEqual(c.randomBytes(32), c.randomBytes(32));
    });
  });
}

describe('webCrypto and nodeCrypto together', () => {
  it('X25519: the same public keys and shared secrets', () => {
    for (let i = 0; i < 5; i++) {
      const w = webCrypto.x25519Keypair();
      const n = nodeCrypto.x25519Keypair();
      assert.deepEqual(x25519PublicKey(w.privateKey), w.publicKey);
      assert.deepEqual(x25519PublicKeyWeb(n.privateKey), n.publicKey);
      const s1 = webCrypto.x25519(w.privateKey, n.publicKey);
      assert.deepEqual(s1, nodeCrypto.x25519(n.privateKey, w.publicKey));
      assert.deepEqual(s1, nodeCrypto.x25519(w.privateKey, n.publicKey));
    }
  });

  it('HKDF and SHA-256 agree on random input', () => {
    const ikm = webCrypto.randomBytes(96);
    const salt = webCrypto.randomBytes(32);
    assert.deepEqual(webCrypto.hkdf(ikm, salt, utf8('parley/1 session keys'), 88), nodeCrypto.hkdf(ikm, salt, utf8('parley/1 session keys'), 88));
    const data = webCrypto.randomBytes(1000);
    assert.deepEqual(webCrypto.sha256(data), nodeCrypto.sha256(data));
  });

  it('AES-256-GCM: sealed by one provider, opened by the other', () => {
    for (const len of [0, 1, 15, 16, 17, 1000]) {
      const key = webCrypto.randomBytes(32);
      const iv = webCrypto.randomBytes(12);
      const aad = webCrypto.randomBytes(9);
      const pt = webCrypto.randomBytes(len);
      const w = webCrypto.aeadSeal(key, iv, pt, aad);
      assert.deepEqual(w, nodeCrypto.aeadSeal(key, iv, pt, aad), `length ${len}`);
      assert.deepEqual(nodeCrypto.aeadOpen(key, iv, w, aad), pt);
      assert.deepEqual(webCrypto.aeadOpen(key, iv, w, aad), pt);
    }
  });

  it('a full handshake and frames between a webCrypto client and a nodeCrypto server, and the reverse', () => {
    for (const [clientCrypto, serverCrypto] of [[webCrypto, nodeCrypto], [nodeCrypto, webCrypto]] as const) {
      const h = runHandshake({ clientCrypto, serverCrypto });
      assert.deepEqual(h.client.session.transcriptHash, h.server.session.transcriptHash);
      assert.deepEqual(h.server.session.open(h.client.session.seal({ t: 'ping' })), { t: 'ping' });
      assert.deepEqual(h.client.session.open(h.server.session.seal({ type: 'pong' })), { type: 'pong' });
    }
  });
});
