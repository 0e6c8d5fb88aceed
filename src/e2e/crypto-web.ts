/**
 * E2ECrypto for browsers (and any platform with `crypto.getRandomValues`) on audited pure-JS
 * libraries: the transport's webCrypto plus HMAC-SHA-256 and SHA-512 from @noble/hashes and
 * Ed25519 from @noble/curves, verified with RFC 8032's strict encodings (zip215: false) so that a
 * browser accepts exactly the signatures the terminal client (OpenSSL) accepts. No `node:` imports.
 */
import { ed25519 } from '@noble/curves/ed25519.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256, sha512 } from '@noble/hashes/sha2.js';
import { webCrypto } from '../protocol/crypto-web.js';
import { ED25519_KEY_LENGTH, ED25519_SIGNATURE_LENGTH, type E2ECrypto } from './crypto.js';
import { e2eError } from './errors.js';

function checkSeed(k: Uint8Array): void {
  if (!(k instanceof Uint8Array) || k.length !== ED25519_KEY_LENGTH) throw e2eError('e2e_invalid_argument', 'Ed25519 private key must be 32 bytes');
}

/** E2ECrypto on @noble/*; every method is synchronous. */
export const webE2ECrypto: E2ECrypto = {
  ...webCrypto,

  hmacSha256(key, data) {
    // RFC 2104 §2 with SHA-256
    return hmac(sha256, key, data);
  },

  sha512(data) {
    return sha512(data);
  },

  ed25519Keypair() {
    // RFC 8032 §5.1.5: 32 random bytes (from the platform CSPRNG) are the secret key
    const privateKey = webCrypto.randomBytes(ED25519_KEY_LENGTH);
    return { privateKey, publicKey: ed25519.getPublicKey(privateKey) };
  },

  ed25519PublicKey(privateKey) {
    checkSeed(privateKey);
    return ed25519.getPublicKey(privateKey);
  },

  ed25519Sign(privateKey, message) {
    checkSeed(privateKey);
    // RFC 8032 §5.1.6
    return ed25519.sign(message, privateKey);
  },

  ed25519Verify(publicKey, message, signature) {
    if (!(publicKey instanceof Uint8Array) || publicKey.length !== ED25519_KEY_LENGTH) return false;
    if (!(signature instanceof Uint8Array) || signature.length !== ED25519_SIGNATURE_LENGTH) return false;
    try {
      // RFC 8032 §5.1.7 with strict (non-ZIP-215) decoding, as OpenSSL
      return ed25519.verify(signature, message, publicKey, { zip215: false });
    } catch {
      return false;
    }
  },
};
