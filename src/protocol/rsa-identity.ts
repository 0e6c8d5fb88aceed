/**
 * The RSA side of the handshake, on src/rsa: checking identities and peer keys, wrapping and
 * unwrapping the 32-byte secrets with RSAES-OAEP, and signing and verifying the transcript with
 * RSASSA-PSS. RsaError never escapes: it becomes ProtocolError 'handshake_failed' or
 * 'bad_signature', and a failed unwrap does not throw at all (implicit rejection, below).
 */
import {
  exportPublicKeyDer, fingerprint, importPublicKey, oaepDecrypt, oaepEncrypt, pssSign, pssVerify,
  type RsaPrivateKey, type RsaPublicKey,
} from '../rsa/index.js';
import { concat } from './bytes.js';
import type { ProtocolCrypto } from './crypto.js';
import { protocolError, wrapErrors } from './errors.js';
import { MAX_RSA_BITS, MAX_SPKI_LENGTH, MIN_RSA_BITS, RSA_PUBLIC_EXPONENT, SECRET_LENGTH } from './limits.js';

/** RSASSA-PSS parameters of both signatures: SHA-256, MGF1-SHA-256, 32-byte salt (RFC 8017 §9.1). */
const PSS = { hash: 'SHA-256', mgfHash: 'SHA-256', saltLength: 32 } as const;
/** RSAES-OAEP hash and MGF1 hash (RFC 8017 §7.1); the label is given per use. */
const OAEP_HASH = 'SHA-256';
/** OAEP's seed is one hash output long (RFC 8017 §7.1.1 step 2.d): 32 bytes with SHA-256. */
const OAEP_SEED_LENGTH = 32;

/** A peer's or our own RSA public key with its SPKI DER and fingerprint. */
export interface KnownKey {
  key: RsaPublicKey;
  spki: Uint8Array;
  fingerprint: string;
}

/**
 * The protocol's key bounds (docs/PROTOCOL.md §RSA keys), the same for both peers and for our
 * own identity: MIN_RSA_BITS–MAX_RSA_BITS and e = RSA_PUBLIC_EXPONENT exactly. Public checks:
 * the message names the reason and what is accepted.
 */
function checkBounds(key: RsaPublicKey, who: string, hint = ''): void {
  if (key.bits < MIN_RSA_BITS || key.bits > MAX_RSA_BITS)
    throw protocolError('handshake_failed', `${who} RSA key is ${key.bits} bits; ${MIN_RSA_BITS}–${MAX_RSA_BITS}-bit keys are accepted${hint}`);
  if (key.e !== RSA_PUBLIC_EXPONENT) {
    const e = key.e < 2n ** 64n ? String(key.e) : `a ${key.e.toString(2).length}-bit number`;
    throw protocolError('handshake_failed', `${who} RSA public exponent is ${e}; only e = ${RSA_PUBLIC_EXPONENT} is accepted${hint}`);
  }
}

/**
 * Checks our own identity key and returns its public half, SPKI DER and fingerprint.
 * Throws ProtocolError 'handshake_failed' when it is not an RsaPrivateKey from src/rsa or its
 * size or exponent is outside the protocol's bounds (2048–4096 bits, e = 65537).
 */
export function ownIdentity(identity: RsaPrivateKey, who: string): KnownKey {
  // a server makes one handshake object per connection: its own key's DER and fingerprint are computed once (src/rsa keys are frozen)
  const known = typeof identity === 'object' && identity !== null ? ownKeys.get(identity) : undefined;
  if (known) return known;
  const k = checkOwnIdentity(identity, who);
  ownKeys.set(identity, k);
  return k;
}

/** Our own identities already checked, with their SPKI and fingerprint. */
const ownKeys = new WeakMap<RsaPrivateKey, KnownKey>();

function checkOwnIdentity(identity: RsaPrivateKey, who: string): KnownKey {
  return wrapErrors('handshake_failed', `${who} identity is not an RSA private key`, () => {
    if (identity?.type !== 'private') throw new TypeError('not a private key');
    const spki = exportPublicKeyDer(identity, 'spki'); // throws unless a key made by src/rsa
    const key = identity.publicKey;
    checkBounds(key, who, ' (make a new key with `parley keygen`)');
    if (spki.length > MAX_SPKI_LENGTH) throw protocolError('handshake_failed', `${who} RSA key is too large`);
    return { key, spki, fingerprint: fingerprint(key) };
  });
}

/**
 * Imports the peer's RSA key from the SPKI DER it sent. Accepted: exactly the canonical DER
 * that exportPublicKeyDer produces (rsaEncryption, minimal encoding; so the fingerprint is the
 * hash of the very bytes in the transcript), MIN_RSA_BITS–MAX_RSA_BITS bits, e = 65537.
 * Throws ProtocolError 'handshake_failed' otherwise, naming the reason (key checks are public).
 */
export function importPeerKey(spki: Uint8Array, who: string): KnownKey {
  let key: RsaPublicKey;
  try {
    key = importPublicKey(spki, { minBits: MIN_RSA_BITS });
  } catch (e) {
    throw protocolError('handshake_failed', `${who} RSA key is not acceptable: ${e instanceof Error ? e.message : String(e)}`, e);
  }
  checkBounds(key, who);
  const canonical = exportPublicKeyDer(key, 'spki');
  if (canonical.length !== spki.length || !canonical.every((b, i) => b === spki[i]))
    throw protocolError('handshake_failed', `${who} RSA key is not canonical SubjectPublicKeyInfo DER with rsaEncryption`);
  return { key, spki: canonical, fingerprint: fingerprint(key) };
}

/**
 * RSAES-OAEP-ENCRYPT (RFC 8017 §7.1.1) of `secret` to `to` with SHA-256, MGF1-SHA-256 and
 * `label`. `crypto`'s rsaKnownAnswer, for known-answer tests only, may fix the seed; real
 * providers have none. Throws ProtocolError 'handshake_failed' if the RSA library or the hook fails.
 */
export function wrapSecret(to: RsaPublicKey, secret: Uint8Array, label: Uint8Array, crypto?: ProtocolCrypto): Uint8Array {
  return wrapErrors('handshake_failed', 'RSA-OAEP encryption failed', () => {
    const seed = crypto?.rsaKnownAnswer?.('oaep seed', OAEP_SEED_LENGTH); // RFC 8017 §7.1.1 step 2.d
    return oaepEncrypt(to, secret, { hash: OAEP_HASH, mgfHash: OAEP_HASH, label, ...(seed && { seed }) });
  });
}

/**
 * RSAES-OAEP-DECRYPT (RFC 8017 §7.1.2) of a wrapped secret with implicit rejection: when
 * decryption fails or the result is not SECRET_LENGTH bytes, a fresh random secret is returned
 * instead and the handshake goes on, to fail later at key confirmation (the first frame) like
 * any other key mismatch. So no peer ever learns whether an OAEP decryption succeeded — no
 * padding oracle (Bleichenbacher 1998, Manger 2001; RFC 5246 §7.4.7.1 does the same for TLS 1.2).
 * Never throws for bad input; throws ProtocolError 'handshake_failed' only if `crypto` fails.
 */
export function unwrapSecret(crypto: ProtocolCrypto, key: RsaPrivateKey, wrapped: Uint8Array, label: Uint8Array): Uint8Array {
  const fallback = wrapErrors('handshake_failed', 'random generator failed', () => crypto.randomBytes(SECRET_LENGTH));
  let secret: Uint8Array | undefined;
  try {
    secret = oaepDecrypt(key, wrapped, { hash: OAEP_HASH, mgfHash: OAEP_HASH, label });
  } catch {
    secret = undefined; // the single failure of RSAES-OAEP, deliberately not reported
  }
  if (secret === undefined || secret.length !== SECRET_LENGTH) return fallback;
  fallback.fill(0);
  return secret;
}

/** The bytes each signature covers: context ‖ 0x00 ‖ transcript (the pattern of RFC 8446 §4.4.3). */
function signatureInput(context: Uint8Array, transcript: Uint8Array[]): Uint8Array {
  return concat(context, Uint8Array.of(0), ...transcript);
}

/**
 * RSASSA-PSS-SIGN (RFC 8017 §8.1.1; SHA-256, MGF1-SHA-256, salt 32) over context ‖ 0x00 ‖ the
 * transcript parts. `crypto`'s rsaKnownAnswer, for known-answer tests only, may fix the salt; real
 * providers have none. Throws ProtocolError 'handshake_failed' if the RSA library or the hook fails.
 */
export function signTranscript(key: RsaPrivateKey, context: Uint8Array, transcript: Uint8Array[], crypto?: ProtocolCrypto): Uint8Array {
  return wrapErrors('handshake_failed', 'RSA-PSS signing failed', () => {
    const salt = crypto?.rsaKnownAnswer?.('pss salt', PSS.saltLength); // RFC 8017 §9.1.1 step 4
    return pssSign(key, signatureInput(context, transcript), { ...PSS, ...(salt && { salt }) });
  });
}

/**
 * RSASSA-PSS-VERIFY (RFC 8017 §8.1.2) of `signature` over context ‖ 0x00 ‖ the transcript
 * parts, with a fixed salt length of 32. Throws ProtocolError 'bad_signature' when it does not
 * verify (including a signature of the wrong length), whatever the reason.
 */
export function verifyTranscript(key: RsaPublicKey, context: Uint8Array, transcript: Uint8Array[], signature: Uint8Array, who: string): void {
  const ok = wrapErrors('bad_signature', `${who} signature does not verify`, () => pssVerify(key, signatureInput(context, transcript), signature, PSS));
  if (!ok) throw protocolError('bad_signature', `${who} signature does not verify`);
}
