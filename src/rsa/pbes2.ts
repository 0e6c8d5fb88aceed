/**
 * Password-based encryption of PKCS #8 private keys: EncryptedPrivateKeyInfo (RFC 5958 §3)
 * with PBES2 (RFC 8018 §6.2) = PBKDF2 (HMAC-SHA-1/224/256/384/512) + AES-128/192/256-CBC.
 * This is what `openssl pkcs8 -topk8 -v2 aes-256-cbc` writes and `openssl pkey -passin` reads.
 *
 * PBKDF2 and AES-CBC run on WebCrypto (`globalThis.crypto.subtle`); PBKDF2 with a hash WebCrypto
 * lacks (SHA-224, SHA-512/224, SHA-512/256) falls back to @noble/hashes.
 */
import { buf, subtle } from './webcrypto.js';
import { pbkdf2Async } from '@noble/hashes/pbkdf2.js';
import { sha224, sha512_224, sha512_256 } from '@noble/hashes/sha2.js';
import type { CHash } from '@noble/hashes/utils.js';
import { derInteger, derNull, derOctetString, derOid, derSequence, derSequenceReader } from './asn1.js';
import { utf8ToBytes } from './bytes.js';
import { limitError, rsaError } from './errors.js';
import { randomBytes } from './random.js';

/**
 * Default PBKDF2-HMAC-SHA-256 iteration count of exported keys: 600 000, the OWASP Password
 * Storage Cheat Sheet (2023) figure for PBKDF2-HMAC-SHA-256 (≈0.2 s on WebCrypto).
 */
export const DEFAULT_PBKDF2_ITERATIONS = 600_000;
/** Fewest iterations accepted when exporting (RFC 8018 §4.2 recommends at least 1000). */
export const MIN_PBKDF2_ITERATIONS = 1000;
/** Most iterations accepted when exporting. Above 2 000 000, import needs maxKdfIterations. */
export const MAX_PBKDF2_ITERATIONS = 10_000_000;

const OID_PBES2 = '1.2.840.113549.1.5.13'; // RFC 8018 Appendix A.4
const OID_PBKDF2 = '1.2.840.113549.1.5.12'; // RFC 8018 Appendix A.2

// RFC 8018 Appendix B.1: PRF OIDs → hash; WebCrypto name when WebCrypto has it (native code),
// else a pure-JS hash from @noble/hashes, 10–20 times slower per iteration than its native kin.
// `maxIterations`: the default import bound, under a second of CPU on the reference machine
// (per-iteration costs measured by bench/rsa-bounds.ts, bench/results/rsa-bounds.json; see
// docs/SECURITY.md): a hostile file cannot make the tools spin for minutes.
const PRFS: Record<string, { name: string; maxIterations: number; webcrypto?: string; noble?: CHash }> = {
  '1.2.840.113549.2.7': { name: 'hmacWithSHA1', maxIterations: 1_500_000, webcrypto: 'SHA-1' },
  '1.2.840.113549.2.8': { name: 'hmacWithSHA224', maxIterations: 100_000, noble: sha224 },
  '1.2.840.113549.2.9': { name: 'hmacWithSHA256', maxIterations: 2_000_000, webcrypto: 'SHA-256' },
  '1.2.840.113549.2.10': { name: 'hmacWithSHA384', maxIterations: 1_000_000, webcrypto: 'SHA-384' },
  '1.2.840.113549.2.11': { name: 'hmacWithSHA512', maxIterations: 1_000_000, webcrypto: 'SHA-512' },
  '1.2.840.113549.2.12': { name: 'hmacWithSHA512-224', maxIterations: 50_000, noble: sha512_224 },
  '1.2.840.113549.2.13': { name: 'hmacWithSHA512-256', maxIterations: 50_000, noble: sha512_256 },
};

/** The default import bound on PBKDF2 iterations for each PRF name (see PRFS). */
export const DEFAULT_MAX_KDF_ITERATIONS: Readonly<Record<string, number>> = Object.freeze(
  Object.fromEntries(Object.values(PRFS).map((p) => [p.name, p.maxIterations])),
);
/** The PRF OIDs by name (RFC 8018 Appendix B.1), as DEFAULT_MAX_KDF_ITERATIONS names them. */
export const PRF_OIDS: Readonly<Record<string, string>> = Object.freeze(Object.fromEntries(Object.entries(PRFS).map(([oid, p]) => [p.name, oid])));
const OID_HMAC_SHA1 = '1.2.840.113549.2.7';
const OID_HMAC_SHA256 = '1.2.840.113549.2.9';

// RFC 8018 Appendix B.2.5 / NIST CSOR: AES-CBC-Pad OIDs → key length in bytes
const CIPHERS: Record<string, number> = {
  '2.16.840.1.101.3.4.1.2': 16, // aes128-CBC-PAD
  '2.16.840.1.101.3.4.1.22': 24, // aes192-CBC-PAD
  '2.16.840.1.101.3.4.1.42': 32, // aes256-CBC-PAD
};
const OID_AES256_CBC = '2.16.840.1.101.3.4.1.42';

/** The parameters of one PBES2 encryption, as read from or written to a key file. */
interface Pbes2Params {
  salt: Uint8Array;
  iterations: number;
  prfOid: string;
  cipherOid: string;
  iv: Uint8Array;
}


function passphraseBytes(p: unknown): Uint8Array {
  if (typeof p === 'string') return utf8ToBytes(p);
  if (p instanceof Uint8Array) return p;
  throw rsaError('RSA_INVALID_ARGUMENT', 'passphrase must be a string or a Uint8Array');
}

/** PBKDF2 (RFC 8018 §5.2) with the PRF of `prfOid`. */
async function pbkdf2(pass: Uint8Array, p: Pbes2Params, dkLen: number): Promise<Uint8Array> {
  const prf = PRFS[p.prfOid]!;
  if (prf.noble) return pbkdf2Async(prf.noble, pass, p.salt, { c: p.iterations, dkLen });
  try {
    const s = subtle('encrypted key files need AES-CBC');
    const base = await s.importKey('raw', buf(pass), 'PBKDF2', false, ['deriveBits']);
    const params = { name: 'PBKDF2', hash: prf.webcrypto!, salt: buf(p.salt), iterations: p.iterations };
    return new Uint8Array(await s.deriveBits(params, base, dkLen * 8));
  } catch (e) {
    throw rsaError('RSA_UNSUPPORTED', `PBKDF2 with ${prf.name} failed on this platform`, e);
  }
}

async function aesKey(key: Uint8Array, usage: 'encrypt' | 'decrypt'): Promise<CryptoKey> {
  try {
    return await subtle('encrypted key files need AES-CBC').importKey('raw', buf(key), 'AES-CBC', false, [usage]);
  } catch (e) {
    throw rsaError('RSA_UNSUPPORTED', `AES-${key.length * 8}-CBC is not available on this platform`, e);
  }
}

/**
 * Encrypts a PKCS #8 PrivateKeyInfo DER under a passphrase and returns EncryptedPrivateKeyInfo
 * DER: PBES2 with PBKDF2-HMAC-SHA-256 (16-byte random salt, `iterations`, default
 * DEFAULT_PBKDF2_ITERATIONS) and AES-256-CBC with a random IV — the layout OpenSSL writes.
 * Throws RSA_INVALID_ARGUMENT for an empty passphrase or an iteration count outside
 * [MIN_PBKDF2_ITERATIONS, MAX_PBKDF2_ITERATIONS], RSA_UNSUPPORTED without WebCrypto.
 */
export async function encryptPrivateKeyInfo(
  privateKeyInfo: Uint8Array,
  passphrase: string | Uint8Array,
  opts: { iterations?: number } = {},
): Promise<Uint8Array> {
  const pass = passphraseBytes(passphrase);
  if (pass.length === 0) throw rsaError('RSA_INVALID_ARGUMENT', 'refusing to encrypt a key under an empty passphrase');
  const iterations = opts.iterations ?? DEFAULT_PBKDF2_ITERATIONS;
  if (!Number.isSafeInteger(iterations) || iterations < MIN_PBKDF2_ITERATIONS || iterations > MAX_PBKDF2_ITERATIONS)
    throw rsaError(
      'RSA_INVALID_ARGUMENT',
      `iterations must be an integer in [${MIN_PBKDF2_ITERATIONS}, ${MAX_PBKDF2_ITERATIONS}]`,
    );
  const p: Pbes2Params = { salt: randomBytes(16), iterations, prfOid: OID_HMAC_SHA256, cipherOid: OID_AES256_CBC, iv: randomBytes(16) };
  const key = await aesKey(await pbkdf2(pass, p, 32), 'encrypt');
  // RFC 8018 §6.2.1 step 4 with §B.2.5: CBC with PKCS #5 padding (WebCrypto AES-CBC pads so)
  const ct = new Uint8Array(await subtle('encrypted key files need AES-CBC').encrypt({ name: 'AES-CBC', iv: buf(p.iv) }, key, buf(privateKeyInfo)));
  // RFC 8018 Appendix A.2 (PBKDF2-params; keyLength omitted as OpenSSL does) and A.4 (PBES2-params)
  const kdf = derSequence(
    derOid(OID_PBKDF2),
    derSequence(derOctetString(p.salt), derInteger(iterations), derSequence(derOid(p.prfOid), derNull())),
  );
  const algorithm = derSequence(derOid(OID_PBES2), derSequence(kdf, derSequence(derOid(p.cipherOid), derOctetString(p.iv))));
  // RFC 5958 §3: EncryptedPrivateKeyInfo ::= SEQUENCE { encryptionAlgorithm, encryptedData }
  return derSequence(algorithm, derOctetString(ct));
}

/**
 * Reads EncryptedPrivateKeyInfo with PBES2 parameters (RFC 5958 §3, RFC 8018 A.2 and A.4), and
 * refuses an iteration count over `maxIterations` (default: the PRF's bound) before any work.
 */
function parseEncrypted(der: Uint8Array, maxIterations: number | undefined): { params: Pbes2Params; ciphertext: Uint8Array } {
  const what = 'encrypted PKCS #8';
  const top = derSequenceReader(der, what);
  const alg = top.sequence('encryptionAlgorithm');
  const oid = alg.oid('encryption algorithm');
  if (oid !== OID_PBES2) {
    const legacy = oid.startsWith('1.2.840.113549.1.5.') || oid.startsWith('1.2.840.113549.1.12.1.');
    throw rsaError(
      'RSA_UNSUPPORTED',
      (legacy ? `legacy PBES1/PKCS #12 key encryption (${oid}) is not supported` : `key encryption algorithm ${oid} is not supported`) +
        '; re-encrypt with `openssl pkcs8 -topk8 -v2 aes-256-cbc`',
    );
  }
  const pbes2 = alg.sequence('PBES2-params');
  alg.finish('encryptionAlgorithm');
  const kdf = pbes2.sequence('keyDerivationFunc');
  const kdfOid = kdf.oid('key derivation function');
  if (kdfOid !== OID_PBKDF2) throw rsaError('RSA_UNSUPPORTED', `key derivation function ${kdfOid} is not supported (only PBKDF2)`);
  const kp = kdf.sequence('PBKDF2-params');
  kdf.finish('keyDerivationFunc');
  if (kp.peekTag() !== 0x04) throw rsaError('RSA_UNSUPPORTED', 'PBKDF2 salt from an "otherSource" is not supported');
  const salt = kp.octetString('salt');
  const iterations = kp.uint('iterationCount');
  if (iterations < 1n) throw rsaError('RSA_INVALID_FORMAT', `${what}: PBKDF2 iterationCount must be at least 1`);
  const keyLength = kp.peekTag() === 0x02 ? kp.uint('keyLength') : undefined;
  let prfOid = OID_HMAC_SHA1; // RFC 8018 A.2: prf DEFAULT algid-hmacWithSHA1
  if (!kp.done) {
    const prf = kp.sequence('prf');
    prfOid = prf.oid('prf');
    if (!prf.done) prf.null('prf parameters');
    prf.finish('prf');
  }
  kp.finish('PBKDF2-params');
  const prf = PRFS[prfOid];
  if (!prf) throw rsaError('RSA_UNSUPPORTED', `PBKDF2 pseudo-random function ${prfOid} is not supported`);
  const max = maxIterations ?? prf.maxIterations;
  if (iterations > BigInt(max)) {
    const n = iterations > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(iterations);
    throw limitError('maxKdfIterations', `PBKDF2 with ${prf.name} at ${iterations} iterations`, n, max, `iterations${maxIterations === undefined ? ` for ${prf.name}` : ''}`);
  }
  const enc = pbes2.sequence('encryptionScheme');
  pbes2.finish('PBES2-params');
  const cipherOid = enc.oid('encryption scheme');
  const keyLen = CIPHERS[cipherOid];
  if (!keyLen)
    throw rsaError('RSA_UNSUPPORTED', `key encryption cipher ${cipherOid} is not supported (only AES-128/192/256-CBC)`);
  const iv = enc.octetString('IV');
  enc.finish('encryptionScheme');
  if (iv.length !== 16) throw rsaError('RSA_INVALID_FORMAT', `${what}: AES-CBC IV must be 16 bytes, got ${iv.length}`);
  if (keyLength !== undefined && keyLength !== BigInt(keyLen))
    throw rsaError('RSA_INVALID_FORMAT', `${what}: PBKDF2 keyLength ${keyLength} does not match the ${keyLen}-byte AES key`);
  const ciphertext = top.octetString('encryptedData');
  top.finish('EncryptedPrivateKeyInfo');
  if (ciphertext.length === 0 || ciphertext.length % 16 !== 0)
    throw rsaError('RSA_INVALID_FORMAT', `${what}: encrypted data length ${ciphertext.length} is not a positive multiple of 16`);
  return { params: { salt, iterations: Number(iterations), prfOid, cipherOid, iv }, ciphertext };
}

/**
 * Decrypts EncryptedPrivateKeyInfo DER and returns the PrivateKeyInfo DER inside (not yet parsed).
 * `opts.maxIterations` bounds the PBKDF2 iteration count for every PRF; by default each PRF has
 * its own bound of under a second of CPU (DEFAULT_MAX_KDF_ITERATIONS: 2 000 000 for
 * HMAC-SHA-256, 1 500 000 for SHA-1, 1 000 000 for SHA-384/512, 100 000 for SHA-224 and
 * 50 000 for SHA-512/224 and SHA-512/256, which run in JavaScript).
 * Throws RSA_INVALID_FORMAT for a malformed structure, RSA_UNSUPPORTED for schemes other than
 * PBES2/PBKDF2/AES-CBC, RSA_LIMIT_EXCEEDED (before any key derivation) for an iteration count over
 * the bound, RSA_INVALID_ARGUMENT for a bad maxIterations, and RSA_BAD_PASSPHRASE when the CBC
 * padding is wrong (the usual sign of a wrong passphrase).
 */
export async function decryptPrivateKeyInfo(
  encrypted: Uint8Array,
  passphrase: string | Uint8Array,
  opts: { maxIterations?: number } = {},
): Promise<Uint8Array> {
  const pass = passphraseBytes(passphrase);
  const maxIterations = opts.maxIterations;
  if (maxIterations !== undefined && (!Number.isSafeInteger(maxIterations) || maxIterations < 1))
    throw rsaError('RSA_INVALID_ARGUMENT', 'maxKdfIterations must be a positive integer');
  const { params, ciphertext } = parseEncrypted(encrypted, maxIterations);
  const key = await aesKey(await pbkdf2(pass, params, CIPHERS[params.cipherOid]!), 'decrypt');
  try {
    return new Uint8Array(await subtle('encrypted key files need AES-CBC').decrypt({ name: 'AES-CBC', iv: buf(params.iv) }, key, buf(ciphertext)));
  } catch (e) {
    throw rsaError('RSA_BAD_PASSPHRASE', 'wrong passphrase: the private key does not decrypt', e);
  }
}
