/**
 * Identities in the end-to-end layer: a user's RSA identity key (the one the handshake already
 * authenticates), its canonical SPKI DER and fingerprint, in the two spellings the layer uses:
 * the text "SHA256:<base64>" everyone already sees (src/rsa/fingerprint.ts) and the raw 32-byte
 * SHA-256 of the SPKI DER that signed payloads carry.
 */
import { importPeerKey, ownIdentity } from '../protocol/rsa-identity.js';
import { base64ToBytes, fingerprintOfDigest, type RsaPrivateKey, type RsaPublicKey } from '../rsa/index.js';
import type { E2ECrypto } from './crypto.js';
import { e2eError } from './errors.js';

/** Length of a raw identity fingerprint (SHA-256 of the SPKI DER). */
export const FINGERPRINT_LENGTH = 32;
/** The text form of a fingerprint: "SHA256:" and 43 characters of unpadded base64. */
export const FINGERPRINT_TEXT_RE = /^SHA256:[A-Za-z0-9+/]{43}$/;

/** An RSA identity public key with its canonical SPKI DER and both fingerprint forms. */
export interface IdentityKey {
  key: RsaPublicKey;
  spki: Uint8Array;
  /** "SHA256:…", as src/rsa's fingerprint() spells it. */
  fingerprint: string;
  /** SHA-256 of `spki`: the same value as raw bytes. */
  fpBytes: Uint8Array;
}

/** The raw 32 bytes of a "SHA256:…" fingerprint. Throws E2EError 'e2e_malformed' for another spelling. */
export function fingerprintBytes(fingerprint: string): Uint8Array {
  if (typeof fingerprint !== 'string' || !FINGERPRINT_TEXT_RE.test(fingerprint)) throw e2eError('e2e_malformed', 'not a key fingerprint (SHA256:…)');
  return base64ToBytes(fingerprint.slice(7));
}

/** The "SHA256:…" text of 32 raw fingerprint bytes. Throws 'e2e_invalid_argument' for another length. */
export function fingerprintText(fpBytes: Uint8Array): string {
  if (!(fpBytes instanceof Uint8Array) || fpBytes.length !== FINGERPRINT_LENGTH) throw e2eError('e2e_invalid_argument', 'a fingerprint is 32 bytes');
  return fingerprintOfDigest(fpBytes);
}

/**
 * A peer's identity from the canonical SPKI DER the server relays (bundles event `key`, base64
 * or bytes). Same acceptance as the handshake (docs/PROTOCOL.md §RSA keys): canonical DER,
 * 2048–4096 bits, e = 65537. Throws E2EError 'e2e_malformed' otherwise.
 */
export function peerIdentity(crypto: E2ECrypto, spki: Uint8Array | string): IdentityKey {
  let der: Uint8Array;
  try {
    der = typeof spki === 'string' ? base64ToBytes(spki) : spki;
  } catch (e) {
    throw e2eError('e2e_malformed', 'identity key is not base64', e);
  }
  try {
    const k = importPeerKey(der, 'peer');
    return { key: k.key, spki: k.spki, fingerprint: k.fingerprint, fpBytes: crypto.sha256(k.spki) };
  } catch (e) {
    throw e2eError('e2e_malformed', 'identity key is not an acceptable RSA key', e);
  }
}

/** Our own identity from our RSA private key. Throws 'e2e_invalid_argument' for a key outside the protocol's bounds. */
export function localIdentity(crypto: E2ECrypto, rsa: RsaPrivateKey): IdentityKey & { privateKey: RsaPrivateKey } {
  try {
    const k = ownIdentity(rsa, 'own');
    return { key: k.key, spki: k.spki, fingerprint: k.fingerprint, fpBytes: crypto.sha256(k.spki), privateKey: rsa };
  } catch (e) {
    throw e2eError('e2e_invalid_argument', 'own identity is not a usable RSA key', e);
  }
}
