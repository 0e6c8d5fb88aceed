/**
 * The two E2ECrypto providers — nodeE2ECrypto (OpenSSL) and webE2ECrypto (@noble/*) — against the
 * same known answers (RFC 8032 §7.1, RFC 4231 §4.3, FIPS 180-4), the same refusals (a
 * non-canonical S, wrong lengths, a key that is not a point), then against each other.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { nodeE2ECrypto } from '../../src/e2e/crypto-node.js';
import { webE2ECrypto } from '../../src/e2e/crypto-web.js';
import type { E2ECrypto } from '../../src/e2e/crypto.js';
import { hex, unhex, utf8 } from './helpers.js';

const PROVIDERS: [string, E2ECrypto][] = [
  ['nodeE2ECrypto', nodeE2ECrypto],
  ['webE2ECrypto', webE2ECrypto],
];

/** RFC 8032 §7.1 TEST 1 and TEST 2: secret, public, message, signature. */
const ED25519: [string, string, string, string][] = [
  ['9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60', 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a', '', 'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b'],
  ['4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb', '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c', '72', '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00'],
];

/** The group order L of Ed25519 (RFC 8032 §5.1). */
const L = 2n ** 252n + 27742317777372353535851937790883648493n;

/** `sig` with S replaced by S + L (the same scalar, not canonical): must be refused (RFC 8032 §5.1.7 step 1). */
function malleate(sig: Uint8Array): Uint8Array {
  let s = 0n;
  for (let i = 63; i >= 32; i--) s = (s << 8n) | BigInt(sig[i]!);
  s += L;
  const out = sig.slice();
  for (let i = 32; i < 64; i++) {
    out[i] = Number(s & 0xffn);
    s >>= 8n;
  }
  return out;
}

for (const [label, c] of PROVIDERS) {
  describe(`${label} (E2ECrypto)`, () => {
    it('Ed25519: RFC 8032 §7.1 TEST 1 and 2 (public key, signature, verification)', () => {
      for (const [sk, pk, msg, sig] of ED25519) {
        assert.equal(hex(c.ed25519PublicKey(unhex(sk))), pk);
        assert.equal(hex(c.ed25519Sign(unhex(sk), unhex(msg))), sig);
        assert.equal(c.ed25519Verify(unhex(pk), unhex(msg), unhex(sig)), true);
      }
    });

    it('Ed25519: refuses altered messages and signatures, a non-canonical S, wrong lengths, a non-point key', () => {
      const [, pk, , sig] = ED25519[1]!;
      const p = unhex(pk);
      const s = unhex(sig);
      assert.equal(c.ed25519Verify(p, unhex('73'), s), false);
      const bad = s.slice();
      bad[10]! ^= 1;
      assert.equal(c.ed25519Verify(p, unhex('72'), bad), false);
      assert.equal(c.ed25519Verify(p, unhex('72'), malleate(s)), false, 'S + L must be refused');
      assert.equal(c.ed25519Verify(p, unhex('72'), s.subarray(0, 63)), false);
      assert.equal(c.ed25519Verify(p.subarray(0, 31), unhex('72'), s), false);
      // y = 2 is not the y-coordinate of a curve point
      const notPoint = new Uint8Array(32);
      notPoint[0] = 2;
      assert.equal(c.ed25519Verify(notPoint, unhex('72'), s), false);
    });

    it('Ed25519: fresh key pairs sign and verify; the public key matches', () => {
      const k = c.ed25519Keypair();
      assert.equal(k.privateKey.length, 32);
      assert.deepEqual(c.ed25519PublicKey(k.privateKey), k.publicKey);
      const sig = c.ed25519Sign(k.privateKey, utf8('hello'));
      assert.equal(c.ed25519Verify(k.publicKey, utf8('hello'), sig), true);
      assert.notDeepEqual(c.ed25519Keypair().privateKey, k.privateKey);
    });

    it('X25519: RFC 7748 §6.1 vector, the same private key array twice (cached), low-order points refused', () => {
      const a = unhex('77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a');
      const B = unhex('de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f');
      const k = '4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742';
      assert.equal(hex(c.x25519(a, B)), k);
      assert.equal(hex(c.x25519(a, B)), k);
      const other = c.x25519Keypair();
      assert.notEqual(hex(c.x25519(a, other.publicKey)), k, 'a cached private key still uses the given peer key');
      for (const low of [new Uint8Array(32), unhex('0100000000000000000000000000000000000000000000000000000000000000')]) {
        assert.throws(() => c.x25519(a, low), (e: unknown) => (e as { code?: string }).code === 'handshake_failed');
      }
      assert.throws(() => c.x25519(a, new Uint8Array(31)), (e: unknown) => (e as { code?: string }).code === 'handshake_failed');
    });

    it('HMAC-SHA-256: RFC 4231 §4.3 test case 2', () => {
      assert.equal(hex(c.hmacSha256(utf8('Jefe'), utf8('what do ya want for nothing?'))), '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843');
    });

    it('SHA-512: FIPS 180-4 "abc"', () => {
      assert.equal(hex(c.sha512(utf8('abc'))), 'ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f');
    });
  });
}

describe('providers agree', () => {
  it('a signature made by one verifies with the other, both ways', () => {
    for (const [a, b] of [[nodeE2ECrypto, webE2ECrypto], [webE2ECrypto, nodeE2ECrypto]] as const) {
      const k = a.ed25519Keypair();
      const msg = a.randomBytes(100);
      assert.equal(b.ed25519Verify(b.ed25519PublicKey(k.privateKey), msg, a.ed25519Sign(k.privateKey, msg)), true);
      assert.deepEqual(a.hmacSha256(msg, msg), b.hmacSha256(msg, msg));
      assert.deepEqual(a.sha512(msg), b.sha512(msg));
    }
  });
});
