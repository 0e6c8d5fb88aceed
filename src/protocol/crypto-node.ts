/**
 * ProtocolCrypto on node:crypto (OpenSSL), synchronous: AES-256-GCM through
 * createCipheriv/createDecipheriv, X25519 through generateKeyPairSync and diffieHellman, HKDF
 * through hkdfSync, HMAC through createHmac. Raw X25519 keys become KeyObjects as JWKs (RFC 8037
 * §2: kty OKP, crv X25519), or — a private key this module did not make — wrapped in a fixed
 * PKCS #8 DER prefix (id-X25519 OID 1.3.101.110, RFC 8410 §7).
 */
import crypto from 'node:crypto';
import type { ProtocolCrypto } from './crypto.js';
import { protocolError } from './errors.js';
import { AEAD_KEY_LENGTH, AEAD_NONCE_LENGTH, AEAD_TAG_LENGTH, X25519_LENGTH } from './limits.js';

// RFC 8410 §7: OneAsymmetricKey { version 0, AlgorithmIdentifier { id-X25519 }, OCTET STRING { OCTET STRING (32) } }
const PKCS8_X25519_PREFIX = Uint8Array.from([0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x04, 0x22, 0x04, 0x20]);
// RFC 8410 §4: SubjectPublicKeyInfo { AlgorithmIdentifier { id-X25519 }, BIT STRING (0 unused bits, 32 bytes) }
const SPKI_X25519_PREFIX = Uint8Array.from([0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x6e, 0x03, 0x21, 0x00]);

/** A Uint8Array over a Buffer's bytes, without copying them. */
const view = (b: Buffer): Uint8Array => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);

function concat(a: Uint8Array, b: Uint8Array): Buffer {
  return Buffer.concat([a, b]);
}

function rawTail(der: Buffer, prefix: Uint8Array): Uint8Array {
  if (der.length !== prefix.length + X25519_LENGTH || !der.subarray(0, prefix.length).equals(prefix))
    throw protocolError('handshake_failed', 'unexpected X25519 key encoding from node:crypto');
  return new Uint8Array(der.subarray(prefix.length));
}

function checkLength(b: Uint8Array, len: number, what: string, code: 'handshake_failed' | 'decrypt_failed'): void {
  if (!(b instanceof Uint8Array) || b.length !== len) throw protocolError(code, `${what} must be ${len} bytes`);
}

/**
 * The public key (base64url) of each private key x25519Keypair() made: public data only, so that
 * x25519() can import the private key as a JWK — OpenSSL 3's DER decoders cost ~0.5 ms per
 * import here, the JWK path ~0.07 ms, which is most of a resumption's cost (docs/PERFORMANCE.md).
 */
const publicOf = new WeakMap<Uint8Array, string>();
const b64u = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64url');

/** A KeyObject for a raw X25519 private key: through JWK when x25519Keypair() made it, DER otherwise. */
function privateKeyObject(privateKey: Uint8Array): crypto.KeyObject {
  const x = publicOf.get(privateKey);
  if (x !== undefined) return crypto.createPrivateKey({ key: { kty: 'OKP', crv: 'X25519', d: b64u(privateKey), x }, format: 'jwk' });
  return crypto.createPrivateKey({ key: concat(PKCS8_X25519_PREFIX, privateKey), format: 'der', type: 'pkcs8' });
}

/** The raw 32-byte X25519 public key of a raw 32-byte private key (RFC 7748 §6.1). Throws ProtocolError 'handshake_failed' for a wrong length. */
export function x25519PublicKey(privateKey: Uint8Array): Uint8Array {
  checkLength(privateKey, X25519_LENGTH, 'X25519 private key', 'handshake_failed');
  const priv = crypto.createPrivateKey({ key: concat(PKCS8_X25519_PREFIX, privateKey), format: 'der', type: 'pkcs8' });
  return rawTail(crypto.createPublicKey(priv).export({ format: 'der', type: 'spki' }), SPKI_X25519_PREFIX);
}

/** ProtocolCrypto backed by node:crypto; every method is synchronous and throws as the interface documents. */
export const nodeCrypto: ProtocolCrypto = {
  randomBytes(n) {
    return new Uint8Array(crypto.randomBytes(n));
  },

  sha256(data) {
    return new Uint8Array(crypto.createHash('sha256').update(data).digest());
  },

  x25519Keypair() {
    // RFC 7748 §6.1: a random 32-byte scalar (clamped by X25519 itself) and its public u-coordinate
    const jwk = crypto.generateKeyPairSync('x25519').privateKey.export({ format: 'jwk' });
    const privateKey = new Uint8Array(Buffer.from(jwk.d ?? '', 'base64url'));
    const publicKey = new Uint8Array(Buffer.from(jwk.x ?? '', 'base64url'));
    if (privateKey.length !== X25519_LENGTH || publicKey.length !== X25519_LENGTH) throw protocolError('handshake_failed', 'unexpected X25519 key from node:crypto');
    publicOf.set(privateKey, jwk.x!);
    return { privateKey, publicKey };
  },

  x25519(privateKey, peerPublicKey) {
    checkLength(privateKey, X25519_LENGTH, 'X25519 private key', 'handshake_failed');
    checkLength(peerPublicKey, X25519_LENGTH, 'X25519 public key', 'handshake_failed');
    let shared: Uint8Array;
    try {
      shared = new Uint8Array(crypto.diffieHellman({
        privateKey: privateKeyObject(privateKey),
        publicKey: crypto.createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: b64u(peerPublicKey) }, format: 'jwk' }),
      }));
    } catch (e) {
      // OpenSSL refuses an all-zero result itself (RFC 7748 §6.1); other failures are bad input too
      throw protocolError('handshake_failed', 'X25519 key agreement failed (low-order or invalid public key)', e);
    }
    // RFC 7748 §6.1: "check that the resulting shared secret is not all zeros", whatever the library did
    let acc = 0;
    for (const b of shared) acc |= b;
    if (shared.length !== X25519_LENGTH || acc === 0) throw protocolError('handshake_failed', 'X25519 shared secret is all zeros (low-order public key)');
    return shared;
  },

  hmacSha256(key, data) {
    // RFC 2104 with SHA-256
    return new Uint8Array(crypto.createHmac('sha256', key).update(data).digest());
  },

  hkdf(ikm, salt, info, length) {
    // RFC 5869 §2.2–2.3 with SHA-256
    return new Uint8Array(crypto.hkdfSync('sha256', ikm, salt, info, length));
  },

  aeadSeal(key, nonce, plaintext, aad) {
    checkLength(key, AEAD_KEY_LENGTH, 'AES-256-GCM key', 'decrypt_failed');
    checkLength(nonce, AEAD_NONCE_LENGTH, 'GCM nonce', 'decrypt_failed');
    // SP 800-38D §7.1: GCM-AE_K(IV, P, A) → (C, T) with a 128-bit tag. The raw key every call: a
    // cached KeyObject measured no faster and cost each idle connection memory (docs/PERFORMANCE.md)
    const c = crypto.createCipheriv('aes-256-gcm', key, nonce, { authTagLength: AEAD_TAG_LENGTH });
    c.setAAD(aad);
    const body = c.update(plaintext);
    const last = c.final(); // empty for GCM, a stream mode
    return view(Buffer.concat(last.length ? [body, last, c.getAuthTag()] : [body, c.getAuthTag()]));
  },

  aeadOpen(key, nonce, ciphertextAndTag, aad) {
    checkLength(key, AEAD_KEY_LENGTH, 'AES-256-GCM key', 'decrypt_failed');
    checkLength(nonce, AEAD_NONCE_LENGTH, 'GCM nonce', 'decrypt_failed');
    if (!(ciphertextAndTag instanceof Uint8Array) || ciphertextAndTag.length < AEAD_TAG_LENGTH)
      throw protocolError('decrypt_failed', 'frame authentication failed');
    const ctLen = ciphertextAndTag.length - AEAD_TAG_LENGTH;
    try {
      // SP 800-38D §7.2: GCM-AD_K(IV, C, A, T) → P or FAIL; authTagLength pins the tag to 16 bytes
      const d = crypto.createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: AEAD_TAG_LENGTH });
      d.setAAD(aad);
      d.setAuthTag(ciphertextAndTag.subarray(ctLen));
      const body = d.update(ciphertextAndTag.subarray(0, ctLen));
      const last = d.final(); // throws when the tag does not verify
      return view(last.length ? Buffer.concat([body, last]) : body);
    } catch (e) {
      throw protocolError('decrypt_failed', 'frame authentication failed', e);
    }
  },
};
