/** RSASSA-PSS signatures (RFC 8017 §8.1) with EMSA-PSS (§9.1); SHAKE per RFC 8702. */
import { bitLength, i2osp, os2ip } from './bigint.js';
import { abytes, anumber, concatBytes, equalBytes } from './bytes.js';
import { rsaError } from './errors.js';
import { getHash, type Hash, type HashName } from './hash.js';
import { assertPrivateKey, assertPublicKey, type RsaPrivateKey, type RsaPublicKey } from './key.js';
import { mgf1 } from './mgf1.js';
import { rsasp1Bytes, rsavp1 } from './primitives.js';
import { randomBytes } from './random.js';

/**
 * PSS parameters. Defaults: SHA-256, MGF1 with the same hash (for SHAKE128/256 the mask
 * function is the XOF itself, RFC 8702 §3.1), salt length = hash length.
 */
export interface PssOptions {
  hash?: HashName | Hash;
  /** Hash for MGF1; ignored for SHAKE hashes. Defaults to `hash`. */
  mgfHash?: HashName | Hash;
  /** Salt length in bytes; for verification also 'auto' (recover it from the encoding). */
  saltLength?: number | 'auto';
}

interface Params {
  hash: Hash;
  mask: (seed: Uint8Array, len: number) => Uint8Array;
  saltLength: number | 'auto';
}

function params(opts: PssOptions | undefined): Params {
  const hash = getHash(opts?.hash ?? 'SHA-256');
  const saltLength = opts?.saltLength ?? hash.outputLen;
  if (saltLength !== 'auto') anumber(saltLength, 'saltLength');
  if (hash.xof) return { hash, saltLength, mask: (seed, len) => hash.digest(seed, len) };
  const mgfHash = getHash(opts?.mgfHash ?? hash);
  if (mgfHash.xof) throw rsaError('RSA_UNSUPPORTED', 'MGF1 needs a fixed-length hash');
  return { hash, saltLength, mask: (seed, len) => mgf1(mgfHash, seed, len) };
}

/** EMSA-PSS-ENCODE (RFC 8017 §9.1.1). Throws RSA_ENCODING when the salt does not fit. */
function emsaPssEncode(mHash: Uint8Array, emBits: number, salt: Uint8Array, p: Params): Uint8Array {
  const hLen = p.hash.outputLen;
  const emLen = Math.ceil(emBits / 8);
  // §9.1.1 step 3: emLen ≥ hLen + sLen + 2
  if (emLen < hLen + salt.length + 2) throw rsaError('RSA_ENCODING', `salt of ${salt.length} bytes is too long for this key and hash`);
  // §9.1.1 steps 5–6: M' = 0x00·8 || mHash || salt; H = Hash(M')
  const h = p.hash.digest(concatBytes(new Uint8Array(8), mHash, salt));
  // §9.1.1 steps 7–10: DB = PS || 0x01 || salt; maskedDB = DB ⊕ MGF(H, emLen − hLen − 1)
  const dbLen = emLen - hLen - 1;
  const db = new Uint8Array(dbLen);
  db[dbLen - salt.length - 1] = 0x01;
  db.set(salt, dbLen - salt.length);
  const mask = p.mask(h, dbLen);
  for (let i = 0; i < dbLen; i++) db[i]! ^= mask[i]!;
  // §9.1.1 step 11: clear the leftmost 8·emLen − emBits bits
  db[0]! &= 0xff >> (8 * emLen - emBits);
  // §9.1.1 step 12: EM = maskedDB || H || 0xbc
  return concatBytes(db, h, Uint8Array.of(0xbc));
}

/** EMSA-PSS-VERIFY (RFC 8017 §9.1.2): true for "consistent". Never throws on bad input. */
function emsaPssVerify(mHash: Uint8Array, em: Uint8Array, emBits: number, p: Params): boolean {
  const hLen = p.hash.outputLen;
  const emLen = em.length;
  // §9.1.2 step 3: emLen ≥ hLen + sLen + 2
  if (emLen < hLen + (p.saltLength === 'auto' ? 0 : p.saltLength) + 2) return false;
  // §9.1.2 step 4: the rightmost octet must be 0xbc
  if (em[emLen - 1] !== 0xbc) return false;
  const dbLen = emLen - hLen - 1;
  const maskedDB = em.subarray(0, dbLen);
  const h = em.subarray(dbLen, dbLen + hLen);
  // §9.1.2 step 6: the leftmost 8·emLen − emBits bits of maskedDB must be zero
  const topMask = 0xff >> (8 * emLen - emBits);
  if ((maskedDB[0]! & ~topMask & 0xff) !== 0) return false;
  // §9.1.2 steps 7–9: DB = maskedDB ⊕ MGF(H), clear the top bits
  const mask = p.mask(h, dbLen);
  const db = new Uint8Array(dbLen);
  for (let i = 0; i < dbLen; i++) db[i] = maskedDB[i]! ^ mask[i]!;
  db[0]! &= topMask;
  // §9.1.2 step 10: DB = 0x00… || 0x01 || salt
  let sLen: number;
  if (p.saltLength === 'auto') {
    let i = 0;
    while (i < dbLen && db[i] === 0) i++;
    if (i === dbLen || db[i] !== 0x01) return false;
    sLen = dbLen - i - 1;
  } else {
    sLen = p.saltLength;
    const ps = dbLen - sLen - 1;
    for (let i = 0; i < ps; i++) if (db[i] !== 0) return false;
    if (db[ps] !== 0x01) return false;
  }
  // §9.1.2 steps 11–14: H' = Hash(0x00·8 || mHash || salt) must equal H
  const salt = db.subarray(dbLen - sLen);
  const h2 = p.hash.digest(concatBytes(new Uint8Array(8), mHash, salt));
  return equalBytes(h, h2);
}

/**
 * RSASSA-PSS-SIGN (RFC 8017 §8.1.1): signs `msg`, returns k bytes. The signature is checked
 * with the public key before it is returned. Throws RSA_ENCODING when the salt does not fit;
 * `salt` is for known-answer tests only.
 */
export function pssSign(key: RsaPrivateKey, msg: Uint8Array, opts?: PssOptions & { salt?: Uint8Array }): Uint8Array {
  assertPrivateKey(key);
  abytes(msg, undefined, 'message');
  const p = params(opts);
  if (p.saltLength === 'auto') throw rsaError('RSA_INVALID_ARGUMENT', "saltLength 'auto' is for verification only");
  const salt = opts?.salt ?? randomBytes(p.saltLength);
  abytes(salt, p.saltLength, 'salt');
  // §8.1.1 step 1: EM = EMSA-PSS-ENCODE(M, modBits − 1)
  const emBits = bitLength(key.n) - 1;
  const em = emsaPssEncode(p.hash.digest(msg), emBits, salt, p);
  // §8.1.1 step 2: s = RSASP1(K, OS2IP(EM)); S = I2OSP(s, k) — RSASP1 re-verifies s; EM (emLen
  // bytes, one less than k when modBits ≡ 1 mod 8) is left-padded to k bytes, the same integer
  const padded = new Uint8Array(key.size);
  padded.set(em, key.size - em.length);
  return rsasp1Bytes(key, padded);
}

/**
 * RSASSA-PSS-VERIFY (RFC 8017 §8.1.2): true when `sig` is a valid signature of `msg`.
 * Every malformed signature (wrong length, s ≥ n, bad encoding) gives false; it throws only
 * for invalid options or keys.
 */
export function pssVerify(key: RsaPublicKey, msg: Uint8Array, sig: Uint8Array, opts?: PssOptions): boolean {
  assertPublicKey(key);
  abytes(msg, undefined, 'message');
  abytes(sig, undefined, 'signature');
  const p = params(opts);
  // §8.1.2 step 1: length check
  if (sig.length !== key.size) return false;
  const s = os2ip(sig);
  if (s >= key.n) return false;
  const emBits = bitLength(key.n) - 1;
  const emLen = Math.ceil(emBits / 8);
  // §8.1.2 step 2.b–c: m = RSAVP1(s); EM = I2OSP(m, emLen) — fails when m ≥ 256^emLen
  const m = rsavp1(key, s);
  if (m >> BigInt(8 * emLen) !== 0n) return false;
  return emsaPssVerify(p.hash.digest(msg), i2osp(m, emLen), emBits, p);
}
