/** RSAES-OAEP encryption and decryption (RFC 8017 §7.1). */
import { i2osp, os2ip } from './bigint.js';
import { abytes } from './bytes.js';
import { ctBytesEq, ctEq, ctSelect } from './ct.js';
import { DECRYPTION_FAILED, rsaError } from './errors.js';
import { getHash, type Hash, type HashName } from './hash.js';
import { assertPrivateKey, assertPublicKey, type RsaPrivateKey, type RsaPublicKey } from './key.js';
import { mgf1 } from './mgf1.js';
import { rsadpBytes, rsaep } from './primitives.js';
import { randomBytes } from './random.js';

/** OAEP parameters. Defaults: SHA-256, MGF1 with the same hash, empty label. */
export interface OaepOptions {
  hash?: HashName | Hash;
  /** Hash of MGF1; defaults to `hash`. */
  mgfHash?: HashName | Hash;
  label?: Uint8Array;
}

function params(opts: OaepOptions | undefined): { hash: Hash; mgfHash: Hash; label: Uint8Array } {
  const hash = getHash(opts?.hash ?? 'SHA-256');
  const mgfHash = getHash(opts?.mgfHash ?? hash);
  const label = opts?.label ?? new Uint8Array(0);
  abytes(label, undefined, 'label');
  if (hash.xof || mgfHash.xof) throw rsaError('RSA_UNSUPPORTED', 'OAEP is defined with fixed-length hashes only');
  return { hash, mgfHash, label };
}

/** The longest message OAEP can encrypt for this key size and hash: k − 2hLen − 2 bytes. */
export function oaepMaxMessageLength(key: RsaPublicKey, opts?: OaepOptions): number {
  return key.size - 2 * params(opts).hash.outputLen - 2;
}

/**
 * RSAES-OAEP-ENCRYPT (RFC 8017 §7.1.1). Returns k bytes.
 * Throws RSA_MESSAGE_TOO_LONG when the message exceeds k − 2hLen − 2 bytes.
 * `seed` is for known-answer tests only; leave it out.
 */
export function oaepEncrypt(key: RsaPublicKey, msg: Uint8Array, opts?: OaepOptions & { seed?: Uint8Array }): Uint8Array {
  assertPublicKey(key);
  abytes(msg, undefined, 'message');
  const { hash, mgfHash, label } = params(opts);
  const k = key.size;
  const hLen = hash.outputLen;
  // §7.1.1 step 1.b: mLen ≤ k − 2hLen − 2
  if (msg.length > k - 2 * hLen - 2)
    throw rsaError('RSA_MESSAGE_TOO_LONG', `message too long: at most ${Math.max(0, k - 2 * hLen - 2)} bytes fit OAEP-${hash.name} with a ${key.bits}-bit key`);
  // §7.1.1 step 2.a–c: DB = lHash || PS || 0x01 || M
  const db = new Uint8Array(k - hLen - 1);
  db.set(hash.digest(label), 0);
  db[k - msg.length - hLen - 2] = 0x01;
  db.set(msg, k - msg.length - hLen - 1);
  // §7.1.1 step 2.d: a random seed of hLen bytes
  const seed = opts?.seed ?? randomBytes(hLen);
  abytes(seed, hLen, 'seed');
  // §7.1.1 step 2.e–h: maskedDB = DB ⊕ MGF(seed); maskedSeed = seed ⊕ MGF(maskedDB)
  const dbMask = mgf1(mgfHash, seed, k - hLen - 1);
  for (let i = 0; i < db.length; i++) db[i]! ^= dbMask[i]!;
  const seedMask = mgf1(mgfHash, db, hLen);
  // §7.1.1 step 2.i: EM = 0x00 || maskedSeed || maskedDB
  const em = new Uint8Array(k);
  for (let i = 0; i < hLen; i++) em[1 + i] = seed[i]! ^ seedMask[i]!;
  em.set(db, 1 + hLen);
  // §7.1.1 step 3: c = RSAEP(m); C = I2OSP(c, k)
  return i2osp(rsaep(key, os2ip(em)), k);
}

/**
 * RSAES-OAEP-DECRYPT (RFC 8017 §7.1.2). Every failure — wrong length, c ≥ n, bad padding,
 * wrong label — throws the same RSA_DECRYPTION_FAILED "decryption failed", and the padding
 * check reads the whole block without early exit (Manger's attack).
 */
export function oaepDecrypt(key: RsaPrivateKey, ct: Uint8Array, opts?: OaepOptions): Uint8Array {
  assertPrivateKey(key);
  abytes(ct, undefined, 'ciphertext');
  const { hash, mgfHash, label } = params(opts);
  const k = key.size;
  const hLen = hash.outputLen;
  // §7.1.2 step 1.b–c: C must be k bytes and k ≥ 2hLen + 2
  if (ct.length !== k || k < 2 * hLen + 2) throw rsaError('RSA_DECRYPTION_FAILED', DECRYPTION_FAILED);
  let em: Uint8Array;
  try {
    // §7.1.2 step 2: m = RSADP(K, c); EM = I2OSP(m, k) — as bytes, never a BigInt on the WebAssembly engine
    em = rsadpBytes(key, ct);
  } catch {
    throw rsaError('RSA_DECRYPTION_FAILED', DECRYPTION_FAILED);
  }
  const lHash = hash.digest(label);
  // §7.1.2 step 3.b–f: unmask seed and DB
  const firstByteIsZero = ctEq(em[0]!, 0);
  const seed = em.subarray(1, 1 + hLen);
  const db = em.subarray(1 + hLen);
  const seedMask = mgf1(mgfHash, db, hLen);
  for (let i = 0; i < hLen; i++) seed[i]! ^= seedMask[i]!;
  const dbMask = mgf1(mgfHash, seed, k - hLen - 1);
  for (let i = 0; i < db.length; i++) db[i]! ^= dbMask[i]!;
  // §7.1.2 step 3.g: DB = lHash' || PS || 0x01 || M, checked without branching on secrets
  const lHashGood = ctBytesEq(db, 0, lHash, 0, hLen);
  let lookingForIndex = 1;
  let index = 0;
  let invalid = 0;
  for (let i = hLen; i < db.length; i++) {
    const isZero = ctEq(db[i]!, 0);
    const isOne = ctEq(db[i]!, 1);
    index = ctSelect(lookingForIndex & isOne, i, index);
    lookingForIndex = ctSelect(isOne, 0, lookingForIndex);
    invalid = ctSelect(lookingForIndex & (isZero ^ 1), 1, invalid);
  }
  const ok = firstByteIsZero & lHashGood & (invalid ^ 1) & (lookingForIndex ^ 1);
  if (ok !== 1) throw rsaError('RSA_DECRYPTION_FAILED', DECRYPTION_FAILED);
  return db.slice(index + 1);
}
