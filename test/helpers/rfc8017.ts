/**
 * RFC 8017's EME-OAEP and EMSA-PSS encodings written out with node:crypto's SHA-256 only, so that
 * recorded OAEP seeds and PSS salts can be checked against recorded ciphertexts and signatures
 * (through raw RSA with RSA_NO_PADDING) independently of src/rsa. SHA-256 and MGF1-SHA-256 only.
 */
import nodeCrypto from 'node:crypto';

const sha256 = (...parts: Uint8Array[]): Buffer => {
  const h = nodeCrypto.createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
};

/** MGF1 with SHA-256 (RFC 8017 Appendix B.2.1). */
export function mgf1(seed: Uint8Array, len: number): Buffer {
  const out: Buffer[] = [];
  for (let i = 0; out.length * 32 < len; i++) out.push(sha256(seed, Buffer.from([i >>> 24, (i >>> 16) & 255, (i >>> 8) & 255, i & 255])));
  return Buffer.concat(out).subarray(0, len);
}

const xor = (a: Uint8Array, b: Uint8Array): Buffer => Buffer.from(a.map((v, i) => v ^ b[i]!));

/** EME-OAEP encoding (RFC 8017 §7.1.1 step 2) of `msg` with SHA-256, MGF1-SHA-256, `label` and `seed`, for a k-byte modulus. */
export function emeOaepEncode(msg: Uint8Array, label: Uint8Array, seed: Uint8Array, k: number): Buffer {
  const ps = Buffer.alloc(k - msg.length - 2 * 32 - 2);
  const db = Buffer.concat([sha256(label), ps, Buffer.of(1), msg]);
  const maskedDb = xor(db, mgf1(seed, k - 32 - 1));
  const maskedSeed = xor(seed, mgf1(maskedDb, 32));
  return Buffer.concat([Buffer.of(0), maskedSeed, maskedDb]);
}

/** EMSA-PSS encoding (RFC 8017 §9.1.1) of `msg` with SHA-256, MGF1-SHA-256 and `salt`, for emBits = modBits − 1. */
export function emsaPssEncode(msg: Uint8Array, salt: Uint8Array, modBits: number): Buffer {
  const emBits = modBits - 1;
  const emLen = Math.ceil(emBits / 8);
  const h = sha256(Buffer.alloc(8), sha256(msg), salt);
  const db = Buffer.concat([Buffer.alloc(emLen - salt.length - 32 - 2), Buffer.of(1), salt]);
  const maskedDb = xor(db, mgf1(h, emLen - 32 - 1));
  maskedDb[0]! &= 0xff >>> (8 * emLen - emBits);
  return Buffer.concat([maskedDb, h, Buffer.of(0xbc)]);
}
