/**
 * The primitives the end-to-end layer needs, as an interface: the transport's ProtocolCrypto
 * (random bytes, SHA-256, X25519, HKDF-SHA-256, AES-256-GCM; src/protocol/crypto.ts) plus
 * HMAC-SHA-256, SHA-512 and Ed25519. Node supplies nodeE2ECrypto (crypto-node.ts, OpenSSL),
 * browsers webE2ECrypto (crypto-web.ts, @noble/*); both are synchronous, so the whole layer is.
 * RSA is not part of it: identity signatures always come from src/rsa.
 */
import type { ProtocolCrypto } from '../protocol/crypto.js';

/** Length of an Ed25519 private key (the RFC 8032 §5.1.5 seed) and public key. */
export const ED25519_KEY_LENGTH = 32;
/** Length of an Ed25519 signature (RFC 8032 §5.1.6). */
export const ED25519_SIGNATURE_LENGTH = 64;

/** ProtocolCrypto plus what the end-to-end layer adds. Every method is synchronous. */
export interface E2ECrypto extends ProtocolCrypto {
  /** HMAC-SHA-256 (RFC 2104, FIPS 198-1) of `data` under `key`: 32 bytes. */
  hmacSha256(key: Uint8Array, data: Uint8Array): Uint8Array;
  /** SHA-512 (FIPS 180-4) of `data`: 64 bytes. */
  sha512(data: Uint8Array): Uint8Array;
  /** A fresh Ed25519 key pair (RFC 8032 §5.1.5): a 32-byte secret seed and the 32-byte public key. */
  ed25519Keypair(): { privateKey: Uint8Array; publicKey: Uint8Array };
  /** The Ed25519 public key of a 32-byte secret seed (RFC 8032 §5.1.5). Throws for a wrong length. */
  ed25519PublicKey(privateKey: Uint8Array): Uint8Array;
  /** Ed25519 signature (RFC 8032 §5.1.6, pure, no context) of `message`: 64 bytes. */
  ed25519Sign(privateKey: Uint8Array, message: Uint8Array): Uint8Array;
  /**
   * Ed25519 verification (RFC 8032 §5.1.7, strict encodings: S < L, canonical points).
   * Returns false for every malformed input (wrong lengths included); never throws.
   */
  ed25519Verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean;
}
