/**
 * ProtocolCrypto for browsers (and any platform with `crypto.getRandomValues`), synchronous,
 * on audited pure-JS libraries: AES-256-GCM from @noble/ciphers, X25519 from @noble/curves,
 * SHA-256 and HKDF from @noble/hashes. WebCrypto's SubtleCrypto cannot be used because it is
 * asynchronous and ProtocolCrypto is not. No `node:` imports.
 *
 * Errors match crypto-node.ts: X25519 failures are ProtocolError 'handshake_failed', AEAD
 * failures 'decrypt_failed' (no plaintext released), so the handshake and the Session behave
 * the same whichever provider they are given.
 */
import { gcm } from '@noble/ciphers/aes.js';
import { x25519 as nobleX25519 } from '@noble/curves/ed25519.js';
import { hkdf as nobleHkdf } from '@noble/hashes/hkdf.js';
import { hmac as nobleHmac } from '@noble/hashes/hmac.js';
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import type { ProtocolCrypto } from './crypto.js';
import { protocolError } from './errors.js';
import { AEAD_KEY_LENGTH, AEAD_NONCE_LENGTH, AEAD_TAG_LENGTH, X25519_LENGTH } from './limits.js';

/** getRandomValues refuses more than 65536 bytes per call (WebCrypto §10.1.1). */
const MAX_RANDOM_CHUNK = 65536;

/**
 * `n` bytes from the platform CSPRNG (`crypto.getRandomValues`); never Math.random. Throws a
 * plain Error when the platform has no CSPRNG (the caller wraps it as a ProtocolError).
 */
function secureRandom(n: number): Uint8Array {
  const c = (globalThis as { crypto?: Crypto }).crypto;
  if (!c || typeof c.getRandomValues !== 'function') throw new Error('no secure random source (crypto.getRandomValues) on this platform');
  const out = new Uint8Array(n);
  for (let off = 0; off < n; off += MAX_RANDOM_CHUNK) c.getRandomValues(out.subarray(off, Math.min(n, off + MAX_RANDOM_CHUNK)));
  return out;
}

function checkLength(b: Uint8Array, len: number, what: string, code: 'handshake_failed' | 'decrypt_failed'): void {
  if (!(b instanceof Uint8Array) || b.length !== len) throw protocolError(code, `${what} must be ${len} bytes`);
}

/** True when every byte of `b` is zero, in time independent of the contents. */
function allZero(b: Uint8Array): boolean {
  let acc = 0;
  for (const x of b) acc |= x;
  return acc === 0;
}

/**
 * The raw 32-byte X25519 public key of a raw 32-byte private key (RFC 7748 §6.1: X25519(k, 9)).
 * Throws ProtocolError 'handshake_failed' for a wrong length.
 */
export function x25519PublicKeyWeb(privateKey: Uint8Array): Uint8Array {
  checkLength(privateKey, X25519_LENGTH, 'X25519 private key', 'handshake_failed');
  return nobleX25519.getPublicKey(privateKey);
}

/** ProtocolCrypto on @noble/*; every method is synchronous and throws as the interface documents. */
export const webCrypto: ProtocolCrypto = {
  randomBytes(n) {
    return secureRandom(n);
  },

  sha256(data) {
    // FIPS 180-4
    return nobleSha256(data);
  },

  x25519Keypair() {
    // RFC 7748 §6.1: 32 random bytes as the scalar (clamped by X25519 itself, §5), public = X25519(k, 9)
    const privateKey = secureRandom(X25519_LENGTH);
    return { privateKey, publicKey: nobleX25519.getPublicKey(privateKey) };
  },

  x25519(privateKey, peerPublicKey) {
    checkLength(privateKey, X25519_LENGTH, 'X25519 private key', 'handshake_failed');
    checkLength(peerPublicKey, X25519_LENGTH, 'X25519 public key', 'handshake_failed');
    let shared: Uint8Array;
    try {
      // RFC 7748 §5; noble refuses low-order u-coordinates itself, before the ladder
      shared = nobleX25519.getSharedSecret(privateKey, peerPublicKey);
    } catch (e) {
      throw protocolError('handshake_failed', 'X25519 key agreement failed (low-order or invalid public key)', e);
    }
    // RFC 7748 §6.1: "check that the resulting shared secret is not all zeros", whatever the library did
    if (shared.length !== X25519_LENGTH || allZero(shared)) throw protocolError('handshake_failed', 'X25519 shared secret is all zeros (low-order public key)');
    return shared;
  },

  hmacSha256(key, data) {
    // RFC 2104 with SHA-256
    return nobleHmac(nobleSha256, key, data);
  },

  hkdf(ikm, salt, info, length) {
    // RFC 5869 §2.2 (extract) and §2.3 (expand) with SHA-256
    return nobleHkdf(nobleSha256, ikm, salt, info, length);
  },

  aeadSeal(key, nonce, plaintext, aad) {
    checkLength(key, AEAD_KEY_LENGTH, 'AES-256-GCM key', 'decrypt_failed');
    checkLength(nonce, AEAD_NONCE_LENGTH, 'GCM nonce', 'decrypt_failed');
    // SP 800-38D §7.1: GCM-AE_K(IV, P, A) → C ‖ T with a 128-bit tag
    return gcm(key, nonce, aad).encrypt(plaintext);
  },

  aeadOpen(key, nonce, ciphertextAndTag, aad) {
    checkLength(key, AEAD_KEY_LENGTH, 'AES-256-GCM key', 'decrypt_failed');
    checkLength(nonce, AEAD_NONCE_LENGTH, 'GCM nonce', 'decrypt_failed');
    if (!(ciphertextAndTag instanceof Uint8Array) || ciphertextAndTag.length < AEAD_TAG_LENGTH)
      throw protocolError('decrypt_failed', 'frame authentication failed');
    try {
      // SP 800-38D §7.2: GCM-AD_K(IV, C, A, T) → P or FAIL; the tag is checked before any plaintext is returned
      return gcm(key, nonce, aad).decrypt(ciphertextAndTag);
    } catch (e) {
      throw protocolError('decrypt_failed', 'frame authentication failed', e);
    }
  },
};
