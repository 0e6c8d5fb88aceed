/**
 * The symmetric and elliptic-curve primitives the protocol needs, as an interface, so that
 * Node (crypto-node.ts) and, later, browsers can each supply their own implementation. RSA is
 * not part of it: it always comes from src/rsa.
 *
 * All methods are synchronous. An implementation must use a vetted library for every method
 * (never hand-rolled primitives) and must throw as documented below; the handshake and the
 * Session wrap any other exception as a ProtocolError.
 */
export interface ProtocolCrypto {
  /** `n` bytes from a cryptographically secure generator. */
  randomBytes(n: number): Uint8Array;
  /** SHA-256 (FIPS 180-4) of `data`: 32 bytes. */
  sha256(data: Uint8Array): Uint8Array;
  /** A fresh X25519 key pair (RFC 7748 §6.1): 32-byte private scalar and 32-byte public u-coordinate. */
  x25519Keypair(): { privateKey: Uint8Array; publicKey: Uint8Array };
  /**
   * X25519(privateKey, peerPublicKey) (RFC 7748 §5): the 32-byte shared secret. Throws
   * ProtocolError 'handshake_failed' when the result is all zeros (a low-order peer key,
   * RFC 7748 §6.1) or an argument is not 32 bytes.
   */
  x25519(privateKey: Uint8Array, peerPublicKey: Uint8Array): Uint8Array;
  /** HMAC-SHA-256 (RFC 2104, FIPS 198-1) of `data` under `key`: 32 bytes. */
  hmacSha256(key: Uint8Array, data: Uint8Array): Uint8Array;
  /** HKDF-SHA-256 (RFC 5869 §2.2 extract, §2.3 expand): `length` bytes. */
  hkdf(ikm: Uint8Array, salt: Uint8Array, info: Uint8Array, length: number): Uint8Array;
  /**
   * AES-256-GCM authenticated encryption (SP 800-38D §7.1) with a 32-byte key and a 12-byte
   * nonce: returns ciphertext ‖ 16-byte tag.
   */
  aeadSeal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Uint8Array;
  /**
   * AES-256-GCM authenticated decryption (SP 800-38D §7.2) of ciphertext ‖ 16-byte tag: returns
   * the plaintext. Throws ProtocolError 'decrypt_failed' when the tag does not verify or the
   * input is shorter than the tag; it releases no plaintext in that case.
   */
  aeadOpen(key: Uint8Array, nonce: Uint8Array, ciphertextAndTag: Uint8Array, aad: Uint8Array): Uint8Array;
  /**
   * For known-answer tests only (scripts/handshake-vectors.mjs): the OAEP seed (RFC 8017 §7.1.1
   * step 2.d) or PSS salt (§9.1.1 step 4) of the handshake's next RSA operation of that kind, so
   * that a recorded handshake can be reproduced byte for byte. Every real provider (nodeCrypto,
   * webCrypto) leaves it out; src/rsa then draws both from its own CSPRNG. Never set it elsewhere:
   * a fixed seed or salt repeated across connections would make the ciphertexts and signatures
   * linkable (a fixed OAEP seed would make equal secrets encrypt to equal ciphertexts).
   */
  rsaKnownAnswer?(use: 'oaep seed' | 'pss salt', length: number): Uint8Array;
}
