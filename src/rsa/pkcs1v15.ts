/** RSASSA-PKCS1-v1_5 signatures (RFC 8017 §8.2) with EMSA-PKCS1-v1_5 (§9.2). */
import { i2osp, os2ip } from './bigint.js';
import { abytes, concatBytes, equalBytes } from './bytes.js';
import { rsaError } from './errors.js';
import { getHash, type Hash, type HashName } from './hash.js';
import { assertPrivateKey, assertPublicKey, type RsaPrivateKey, type RsaPublicKey } from './key.js';
import { rsasp1Bytes, rsavp1 } from './primitives.js';

/** DER of an OBJECT IDENTIFIER's content octets from its dotted form. */
function oidContent(oid: string): number[] {
  const arcs = oid.split('.').map(Number);
  const out = [40 * arcs[0]! + arcs[1]!];
  for (const arc of arcs.slice(2)) {
    const bytes = [arc & 0x7f];
    for (let v = Math.floor(arc / 128); v > 0; v = Math.floor(v / 128)) bytes.unshift((v & 0x7f) | 0x80);
    out.push(...bytes);
  }
  return out;
}

/**
 * The DER prefix of DigestInfo for a hash (RFC 8017 §9.2 note 1):
 * SEQUENCE { SEQUENCE { OID, NULL }, OCTET STRING (hLen) }.
 */
export function digestInfoPrefix(hash: Hash): Uint8Array {
  if (hash.xof) throw rsaError('RSA_UNSUPPORTED', `${hash.name} is not defined for PKCS #1 v1.5 signatures`);
  const oid = oidContent(hash.oid);
  const algId = [0x06, oid.length, ...oid, 0x05, 0x00];
  const total = 2 + algId.length + 2 + hash.outputLen;
  return Uint8Array.from([0x30, total, 0x30, algId.length, ...algId, 0x04, hash.outputLen]);
}

/** EMSA-PKCS1-v1_5-ENCODE (RFC 8017 §9.2). Throws RSA_ENCODING when the key is too short. */
function emsaPkcs1Encode(msg: Uint8Array, emLen: number, hash: Hash): Uint8Array {
  // §9.2 steps 1–2: T = DigestInfo(hash, H)
  const t = concatBytes(digestInfoPrefix(hash), hash.digest(msg));
  // §9.2 step 3: emLen ≥ tLen + 11
  if (emLen < t.length + 11) throw rsaError('RSA_ENCODING', 'intended encoded message length too short');
  // §9.2 steps 4–5: EM = 0x00 || 0x01 || PS (0xff…) || 0x00 || T
  const em = new Uint8Array(emLen).fill(0xff);
  em[0] = 0x00;
  em[1] = 0x01;
  em[emLen - t.length - 1] = 0x00;
  em.set(t, emLen - t.length);
  return em;
}

/**
 * RSASSA-PKCS1-V1_5-SIGN (RFC 8017 §8.2.1). Default hash SHA-256. The signature is
 * re-verified with the public key before it is returned.
 */
export function pkcs1v15Sign(key: RsaPrivateKey, msg: Uint8Array, opts?: { hash?: HashName | Hash }): Uint8Array {
  assertPrivateKey(key);
  abytes(msg, undefined, 'message');
  const hash = getHash(opts?.hash ?? 'SHA-256');
  const em = emsaPkcs1Encode(msg, key.size, hash);
  // §8.2.1 step 2: s = RSASP1(K, OS2IP(EM)); S = I2OSP(s, k), on bytes (EM is k bytes)
  return rsasp1Bytes(key, em);
}

/**
 * RSASSA-PKCS1-V1_5-VERIFY (RFC 8017 §8.2.2): recomputes the expected encoding and compares
 * it in full with the recovered one — the DigestInfo is never parsed. Returns false for every
 * malformed signature.
 */
export function pkcs1v15Verify(key: RsaPublicKey, msg: Uint8Array, sig: Uint8Array, opts?: { hash?: HashName | Hash }): boolean {
  assertPublicKey(key);
  abytes(msg, undefined, 'message');
  abytes(sig, undefined, 'signature');
  const hash = getHash(opts?.hash ?? 'SHA-256');
  // §8.2.2 step 1: length check
  if (sig.length !== key.size) return false;
  const s = os2ip(sig);
  if (s >= key.n) return false;
  // §8.2.2 step 2: m = RSAVP1(s); EM = I2OSP(m, k)
  const em = i2osp(rsavp1(key, s), key.size);
  // §8.2.2 steps 3–4: EM' = EMSA-PKCS1-V1_5-ENCODE(M, k); compare EM and EM'
  let expected: Uint8Array;
  try {
    expected = emsaPkcs1Encode(msg, key.size, hash);
  } catch {
    return false;
  }
  return equalBytes(em, expected);
}
