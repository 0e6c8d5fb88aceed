/**
 * Key fingerprints in the OpenSSH style: "SHA256:" and the unpadded standard base64 of the
 * SHA-256 digest of the key's SubjectPublicKeyInfo DER (RFC 5280 §4.1). The same value comes
 * from `openssl pkey -pubin -outform DER | openssl dgst -sha256 -binary | base64` without "=".
 */
import { bytesToBase64 } from './bytes.js';
import { getHash } from './hash.js';
import type { RsaPrivateKey, RsaPublicKey } from './key.js';
import { exportPublicKeyDer } from './keyfile.js';

/**
 * The fingerprint "SHA256:…" of a key (for a private key, of its public half).
 * Throws RSA_INVALID_ARGUMENT when `key` is not a key made by this module.
 */
export function fingerprint(key: RsaPublicKey | RsaPrivateKey): string {
  return fingerprintOfDigest(getHash('SHA-256').digest(exportPublicKeyDer(key, 'spki')));
}

/** The fingerprint "SHA256:…" spelling of a SHA-256 digest of an SPKI DER (unpadded base64). Never throws for a Uint8Array. */
export function fingerprintOfDigest(digest: Uint8Array): string {
  return 'SHA256:' + bytesToBase64(digest).replace(/=+$/, '');
}
