/**
 * The RSA primitives of RFC 8017 §5: RSAEP/RSAVP1 with the public key (BigInt; nothing secret),
 * RSADP/RSASP1 with the private key through the engine engine.ts selects: the WebAssembly engine
 * (wasm/private.ts) or the BigInt reference (private-bigint.ts). Both use the Chinese Remainder
 * Theorem (Garner's formula), base and exponent blinding, and a public-key re-check of every
 * private-key result (the fault attack countermeasure of Boneh–DeMillo–Lipton: a faulty CRT half
 * must never leave this module).
 *
 * The byte variants rsadpBytes/rsasp1Bytes keep a secret result (a decrypted OAEP block) out of
 * BigInt on the WebAssembly engine; OAEP, PSS and PKCS #1 v1.5 use them.
 */
import { expPlan, i2osp, modPowPlan, os2ip, type ExpPlan } from './bigint.js';
import { abytes } from './bytes.js';
import { engineForKey, notePrivateOp } from './engine.js';
import { rsaError } from './errors.js';
import type { RsaPrivateKey, RsaPublicKey } from './key.js';
import { privateOpBigInt } from './private-bigint.js';
import { privateOpWasm } from './wasm/private.js';

const publicPlans = new WeakMap<RsaPublicKey, ExpPlan>();

function publicOp(key: RsaPublicKey, x: bigint, what: string): bigint {
  if (typeof x !== 'bigint' || x < 0n || x >= key.n) throw rsaError('RSA_INPUT_OUT_OF_RANGE', `${what} representative out of range`);
  let plan = publicPlans.get(key);
  if (!plan) publicPlans.set(key, (plan = expPlan(key.e)));
  return modPowPlan(x, plan, key.n);
}

function privateOp(key: RsaPrivateKey, x: bigint, what: string): bigint {
  if (typeof x !== 'bigint' || x < 0n || x >= key.n) throw rsaError('RSA_INPUT_OUT_OF_RANGE', `${what} representative out of range`);
  if (engineForKey(key) === 'wasm') {
    notePrivateOp('wasm');
    return os2ip(privateOpWasm(key, i2osp(x, key.size)));
  }
  notePrivateOp('bigint');
  return privateOpBigInt(key, x, what);
}

function privateOpBytes(key: RsaPrivateKey, x: Uint8Array, what: string): Uint8Array {
  abytes(x, undefined, what);
  if (x.length !== key.size) throw rsaError('RSA_INPUT_OUT_OF_RANGE', `${what} representative must be ${key.size} bytes`);
  if (engineForKey(key) === 'wasm') {
    notePrivateOp('wasm');
    return privateOpWasm(key, x);
  }
  notePrivateOp('bigint');
  return i2osp(privateOpBigInt(key, os2ip(x), what), key.size);
}

/** RSAEP (RFC 8017 §5.1.1): m^e mod n. Throws RSA_INPUT_OUT_OF_RANGE unless 0 ≤ m < n. */
export function rsaep(key: RsaPublicKey, m: bigint): bigint {
  return publicOp(key, m, 'message');
}

/** RSAVP1 (RFC 8017 §5.2.2): s^e mod n. Throws RSA_INPUT_OUT_OF_RANGE unless 0 ≤ s < n. */
export function rsavp1(key: RsaPublicKey, s: bigint): bigint {
  return publicOp(key, s, 'signature');
}

/**
 * RSADP (RFC 8017 §5.1.2) with CRT, blinding and a public-key re-check.
 * Throws RSA_INPUT_OUT_OF_RANGE unless 0 ≤ c < n, RSA_FAULT_DETECTED on a computation fault,
 * RSA_ENGINE_UNAVAILABLE when the WebAssembly engine was forced and cannot load.
 */
export function rsadp(key: RsaPrivateKey, c: bigint): bigint {
  return privateOp(key, c, 'ciphertext');
}

/**
 * RSASP1 (RFC 8017 §5.2.1) with CRT, blinding and re-verification with the public key
 * before the signature is returned. Throws as rsadp.
 */
export function rsasp1(key: RsaPrivateKey, m: bigint): bigint {
  return privateOp(key, m, 'message');
}

/**
 * RSADP (RFC 8017 §5.1.2) on bytes: the k-byte big-endian ciphertext representative in, the
 * k-byte message representative out (I2OSP(m, k)), never a BigInt on the WebAssembly engine.
 * Throws RSA_INPUT_OUT_OF_RANGE unless c is k bytes with c < n; otherwise as rsadp.
 */
export function rsadpBytes(key: RsaPrivateKey, c: Uint8Array): Uint8Array {
  return privateOpBytes(key, c, 'ciphertext');
}

/** RSASP1 (RFC 8017 §5.2.1) on k-byte big-endian buffers, as rsadpBytes. */
export function rsasp1Bytes(key: RsaPrivateKey, m: Uint8Array): Uint8Array {
  return privateOpBytes(key, m, 'message');
}
