/**
 * E2ECrypto on node:crypto (OpenSSL): the transport's nodeCrypto plus HMAC-SHA-256, SHA-512 and
 * Ed25519. Raw Ed25519 keys are wrapped in fixed DER prefixes (PKCS #8 / SPKI with the id-Ed25519
 * OID 1.3.101.112, RFC 8410 §7 and §4) to become KeyObjects, which are cached per key array.
 */
import crypto from 'node:crypto';
import { nodeCrypto } from '../protocol/crypto-node.js';
import { ED25519_KEY_LENGTH, ED25519_SIGNATURE_LENGTH, type E2ECrypto } from './crypto.js';
import { e2eError } from './errors.js';

// RFC 8410 §7: OneAsymmetricKey { version 0, AlgorithmIdentifier { id-Ed25519 }, OCTET STRING { OCTET STRING (32) } }
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
// RFC 8410 §4: SubjectPublicKeyInfo { AlgorithmIdentifier { id-Ed25519 }, BIT STRING (0 unused bits, 32 bytes) }
const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

const privateKeys = new WeakMap<Uint8Array, crypto.KeyObject>();
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

/** E2ECrypto backed by node:crypto; every method is synchronous. */
export const nodeE2ECrypto: E2ECrypto = {
  ...nodeCrypto,

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
