/**
 * The identity-certified bundle (docs/E2E.md §Bundle): a static X25519 prekey for pairwise
 * channels and the Ed25519 key that signs every end-to-end payload, signed with RSASSA-PSS by
 * the user's RSA identity key under the label "parley e2e bundle v1". A client makes a fresh
 * bundle for each session (its secrets never touch a disk) and publishes it with bundle_put; the
 * server relays it as opaque bytes.
 *
 *   body   = 0x01 ‖ x25519 (32) ‖ ed25519 (32) ‖ created (u64, ms since 1970)
 *   bundle = body ‖ u16 sig length ‖ sig
 *   sig    = RSASSA-PSS(SHA-256, MGF1-SHA-256, salt 32) over "parley e2e bundle v1" ‖ 0x00 ‖ SHA-256(identity SPKI DER) ‖ body
 */
import { base64ToBytes, pssSign, pssVerify, type RsaPrivateKey } from '../rsa/index.js';
import { concat, Reader, utf8, Writer } from './codec.js';
import { ED25519_KEY_LENGTH, type E2ECrypto } from './crypto.js';
import { e2eError, wrapE2E } from './errors.js';
import { localIdentity, peerIdentity, type IdentityKey } from './identity.js';

/** Version byte of the bundle format. */
export const BUNDLE_VERSION = 1;
/** RSA-PSS signature context of a bundle. */
export const BUNDLE_LABEL = 'parley e2e bundle v1';
/** Largest bundle accepted (the server's maxBundleBytes default is 4096; a 4096-bit signature makes 587). */
export const MAX_BUNDLE_BYTES = 4096;
/** RSASSA-PSS parameters (RFC 8017 §9.1): SHA-256, MGF1-SHA-256, 32-byte salt, as the handshake. */
const PSS = { hash: 'SHA-256', mgfHash: 'SHA-256', saltLength: 32 } as const;
const X25519_LENGTH = 32;

/** The fields of a bundle as decoded (not yet verified). */
export interface BundleFields {
  v: 1;
  x25519: Uint8Array;
  ed25519: Uint8Array;
  created: number;
  sig: Uint8Array;
}

/** A bundle whose signature verified under `identity`. */
export interface CertifiedBundle {
  identity: IdentityKey;
  x25519: Uint8Array;
  ed25519: Uint8Array;
  created: number;
  /** The encoded bundle as received. */
  bytes: Uint8Array;
}

/** Our own bundle with its secrets. */
export interface OwnBundle extends CertifiedBundle {
  x25519Private: Uint8Array;
  ed25519Private: Uint8Array;
}

function body(x25519: Uint8Array, ed25519: Uint8Array, created: number): Uint8Array {
  return new Writer().u8(BUNDLE_VERSION).fixed(x25519, X25519_LENGTH, 'X25519 prekey').fixed(ed25519, ED25519_KEY_LENGTH, 'Ed25519 key').u64(created).bytes();
}

/** The bytes the identity key signs: label ‖ 0x00 ‖ SHA-256(SPKI) ‖ body. */
function signedInput(fpBytes: Uint8Array, b: Uint8Array): Uint8Array {
  return concat(utf8(BUNDLE_LABEL), Uint8Array.of(0), fpBytes, b);
}

/**
 * Makes and signs a new bundle for `rsa`: fresh X25519 and Ed25519 key pairs (or the given
 * secrets, for test vectors), `created` = `now`. One RSA private-key operation. Throws
 * E2EError 'e2e_invalid_argument' for an RSA key outside the protocol's bounds.
 */
export function makeBundle(
  crypto: E2ECrypto,
  rsa: RsaPrivateKey,
  opts: { now?: number; x25519Private?: Uint8Array; ed25519Private?: Uint8Array; pssSalt?: Uint8Array } = {},
): OwnBundle {
  const identity = localIdentity(crypto, rsa);
  const created = opts.now ?? Date.now();
  const x = opts.x25519Private
    ? { privateKey: opts.x25519Private, publicKey: wrapE2E('e2e_invalid_argument', 'bad X25519 private key', () => crypto.x25519(opts.x25519Private!, basePoint())) }
    : crypto.x25519Keypair();
  const ePriv = opts.ed25519Private ?? crypto.ed25519Keypair().privateKey;
  const ePub = crypto.ed25519PublicKey(ePriv);
  const b = body(x.publicKey, ePub, created);
  const sig = wrapE2E('e2e_invalid_argument', 'RSA-PSS signing failed', () =>
    // RFC 8017 §8.1.1
    pssSign(rsa, signedInput(identity.fpBytes, b), opts.pssSalt ? { ...PSS, salt: opts.pssSalt } : PSS),
  );
  const bytes = concat(b, new Writer().vec16(sig, 1, 1024, 'signature').bytes());
  return { identity, x25519: x.publicKey, ed25519: ePub, created, bytes, x25519Private: x.privateKey, ed25519Private: ePriv };
}

/** The X25519 base point u = 9 (RFC 7748 §4.1), so that X25519(k, 9) is k's public key. */
function basePoint(): Uint8Array {
  const u = new Uint8Array(32);
  u[0] = 9;
  return u;
}

/** Parses a bundle without checking its signature. Throws E2EError 'e2e_malformed' (or 'e2e_too_large'). */
export function decodeBundle(bytes: Uint8Array): BundleFields & { body: Uint8Array } {
  if (!(bytes instanceof Uint8Array)) throw e2eError('e2e_malformed', 'bundle is not bytes');
  if (bytes.length > MAX_BUNDLE_BYTES) throw e2eError('e2e_too_large', `bundle over ${MAX_BUNDLE_BYTES} bytes`);
  const r = new Reader(bytes, 'bundle');
  if (r.u8('version') !== BUNDLE_VERSION) throw e2eError('e2e_malformed', 'bundle: unknown version (the peer’s client is newer or older: one of you should upgrade)');
  const x25519 = r.fixed(X25519_LENGTH, 'X25519 prekey');
  const ed25519 = r.fixed(ED25519_KEY_LENGTH, 'Ed25519 key');
  const created = r.u64('created');
  const bodyLen = r.offset;
  const sig = r.vec16(1, 1024, 'signature');
  r.end();
  return { v: BUNDLE_VERSION, x25519, ed25519, created, sig, body: bytes.slice(0, bodyLen) };
}

/**
 * Decodes `bytes` and checks its RSA-PSS signature under `identity` (RFC 8017 §8.1.2).
 * Throws E2EError 'e2e_malformed' for a bad encoding, 'e2e_bad_signature' when the signature
 * does not verify (also when the bundle was signed by another identity).
 */
export function verifyBundle(bytes: Uint8Array, identity: IdentityKey): CertifiedBundle {
  const f = decodeBundle(bytes);
  const ok = wrapE2E('e2e_bad_signature', 'bundle signature does not verify', () => pssVerify(identity.key, signedInput(identity.fpBytes, f.body), f.sig, PSS));
  if (!ok) throw e2eError('e2e_bad_signature', 'bundle signature does not verify under the peer’s identity key');
  return { identity, x25519: f.x25519, ed25519: f.ed25519, created: f.created, bytes: bytes.slice() };
}

/**
 * One entry of the server's `bundles` event: the identity key (SPKI DER, base64) and the bundle
 * (base64) of a name. Checks that the server's `fingerprint` string is the key's (so a server
 * cannot label a key with another fingerprint) and the bundle's signature.
 * Throws E2EError 'e2e_malformed' / 'e2e_too_large' / 'e2e_bad_signature'.
 */
export function openBundleEntry(crypto: E2ECrypto, entry: { key: string; fingerprint: string; bundle: string }): CertifiedBundle {
  const identity = peerIdentity(crypto, entry.key);
  if (identity.fingerprint !== entry.fingerprint) throw e2eError('e2e_malformed', 'the server labelled a key with another fingerprint');
  if (typeof entry.bundle !== 'string' || entry.bundle.length > Math.ceil(MAX_BUNDLE_BYTES / 3) * 4) throw e2eError('e2e_too_large', 'bundle too large');
  const bytes = wrapE2E('e2e_malformed', 'bundle is not base64', () => base64ToBytes(entry.bundle));
  return verifyBundle(bytes, identity);
}
