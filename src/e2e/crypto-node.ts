/**
 * E2ECrypto on node:crypto (OpenSSL): the transport's nodeCrypto (with X25519 caching our
 * prekey's KeyObject) plus HMAC-SHA-256, SHA-512 and Ed25519. Raw Ed25519 keys are wrapped in fixed DER prefixes (PKCS #8 / SPKI with the id-Ed25519
 * OID 1.3.101.112, RFC 8410 §7 and §4) to become KeyObjects, which are cached per key array.
 */
import crypto from 'node:crypto';
import { nodeCrypto } from '../protocol/crypto-node.js';
import { protocolError } from '../protocol/errors.js';
import { ED25519_KEY_LENGTH, ED25519_SIGNATURE_LENGTH, type E2ECrypto } from './crypto.js';
import { e2eError } from './errors.js';

// RFC 8410 §7: OneAsymmetricKey { version 0, AlgorithmIdentifier { id-Ed25519 }, OCTET STRING { OCTET STRING (32) } }
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
// RFC 8410 §4: SubjectPublicKeyInfo { AlgorithmIdentifier { id-Ed25519 }, BIT STRING (0 unused bits, 32 bytes) }
const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

// RFC 8410: the same structures with id-X25519 (1.3.101.110)
const PKCS8_X25519_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');
const SPKI_X25519_PREFIX = Buffer.from('302a300506032b656e032100', 'hex');

const privateKeys = new WeakMap<Uint8Array, crypto.KeyObject>();
const x25519Keys = new WeakMap<Uint8Array, crypto.KeyObject>();
const publicKeys = new WeakMap<Uint8Array, crypto.KeyObject>();

function privateKeyObject(seed: Uint8Array): crypto.KeyObject {
  let k = privateKeys.get(seed);
  if (!k) {
    if (!(seed instanceof Uint8Array) || seed.length !== ED25519_KEY_LENGTH) throw e2eError('e2e_invalid_argument', 'Ed25519 private key must be 32 bytes');
    k = crypto.createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]), format: 'der', type: 'pkcs8' });
    privateKeys.set(seed, k);
  }
  return k;
}

function publicKeyObject(pub: Uint8Array): crypto.KeyObject {
  let k = publicKeys.get(pub);
  if (!k) {
    k = crypto.createPublicKey({ key: Buffer.concat([SPKI_ED25519_PREFIX, pub]), format: 'der', type: 'spki' });
    publicKeys.set(pub, k);
  }
  return k;
}

function rawPublic(k: crypto.KeyObject): Uint8Array {
  const der = k.export({ format: 'der', type: 'spki' });
  if (der.length !== SPKI_ED25519_PREFIX.length + ED25519_KEY_LENGTH || !der.subarray(0, SPKI_ED25519_PREFIX.length).equals(SPKI_ED25519_PREFIX))
    throw e2eError('e2e_invalid_argument', 'unexpected Ed25519 key encoding from node:crypto');
  return new Uint8Array(der.subarray(SPKI_ED25519_PREFIX.length));
}

/**
 * X25519 (RFC 7748 §5) as nodeCrypto.x25519 — same checks, same errors (ProtocolError
 * 'handshake_failed') — but with our private prekey's KeyObject cached per key array: importing
 * it costs a scalar multiplication (OpenSSL derives the public key), and a session uses one
 * prekey for every pairwise channel.
 */
function x25519Cached(privateKey: Uint8Array, peerPublicKey: Uint8Array): Uint8Array {
  if (!(privateKey instanceof Uint8Array) || privateKey.length !== 32) throw protocolError('handshake_failed', 'X25519 private key must be 32 bytes');
  if (!(peerPublicKey instanceof Uint8Array) || peerPublicKey.length !== 32) throw protocolError('handshake_failed', 'X25519 public key must be 32 bytes');
  let priv = x25519Keys.get(privateKey);
  let shared: Uint8Array;
  try {
    if (!priv) {
      priv = crypto.createPrivateKey({ key: Buffer.concat([PKCS8_X25519_PREFIX, privateKey]), format: 'der', type: 'pkcs8' });
      x25519Keys.set(privateKey, priv);
    }
    const pub = crypto.createPublicKey({ key: Buffer.concat([SPKI_X25519_PREFIX, peerPublicKey]), format: 'der', type: 'spki' });
    shared = new Uint8Array(crypto.diffieHellman({ privateKey: priv, publicKey: pub }));
  } catch (e) {
    throw protocolError('handshake_failed', 'X25519 key agreement failed (low-order or invalid public key)', e);
  }
  // RFC 7748 §6.1: "check that the resulting shared secret is not all zeros", whatever the library did
  let acc = 0;
  for (const b of shared) acc |= b;
  if (shared.length !== 32 || acc === 0) throw protocolError('handshake_failed', 'X25519 shared secret is all zeros (low-order public key)');
  return shared;
}

/** E2ECrypto backed by node:crypto; every method is synchronous. */
export const nodeE2ECrypto: E2ECrypto = {
  ...nodeCrypto,

  x25519: x25519Cached,

  hmacSha256(key, data) {
    // RFC 2104 §2 with SHA-256
    return new Uint8Array(crypto.createHmac('sha256', key).update(data).digest());
  },

  sha512(data) {
    return new Uint8Array(crypto.createHash('sha512').update(data).digest());
  },

  ed25519Keypair() {
    // RFC 8032 §5.1.5: 32 random bytes are the secret key
    const privateKey = new Uint8Array(crypto.randomBytes(ED25519_KEY_LENGTH));
    return { privateKey, publicKey: rawPublic(crypto.createPublicKey(privateKeyObject(privateKey))) };
  },

  ed25519PublicKey(privateKey) {
    return rawPublic(crypto.createPublicKey(privateKeyObject(privateKey)));
  },

  ed25519Sign(privateKey, message) {
    // RFC 8032 §5.1.6 (PureEdDSA: algorithm null)
    return new Uint8Array(crypto.sign(null, message, privateKeyObject(privateKey)));
  },

  ed25519Verify(publicKey, message, signature) {
    if (!(publicKey instanceof Uint8Array) || publicKey.length !== ED25519_KEY_LENGTH) return false;
    if (!(signature instanceof Uint8Array) || signature.length !== ED25519_SIGNATURE_LENGTH) return false;
    try {
      // RFC 8032 §5.1.7; OpenSSL refuses S ≥ L and compares R byte for byte
      return crypto.verify(null, message, publicKeyObject(publicKey), signature);
    } catch {
      return false; // a public key that is not a point
    }
  },
};
