/**
 * Sealed messages: hybrid public-key encryption of text (or bytes) of any length.
 *
 * A fresh 256-bit AES key encrypts the message with AES-256-GCM (NIST SP 800-38D); the AES key
 * is wrapped for the recipient with RSAES-OAEP, SHA-256 and MGF1-SHA-256 (RFC 8017 §7.1). The
 * SHA-256 digest of the message (FIPS 180-4) travels *inside* the GCM encryption, in front of
 * the message, so it reveals nothing about the text; the opener recomputes it over the
 * decrypted text and compares in constant time.
 *
 * Binary format, version 1 (all lengths in bytes; k is the recipient's modulus length):
 *
 *     offset  length      field
 *     0       1           format byte 0x01 (SEAL_VERSION)
 *     1       k           wrapped key = RSAES-OAEP-ENCRYPT(pub, aesKey, label = SEAL_OAEP_LABEL)
 *     1+k     12          GCM IV (random, 96 bits: SP 800-38D §8.2.2)
 *     13+k    32+m+16     GCM ciphertext of (SHA-256(message) || message), then the 128-bit tag
 *
 * The GCM additional authenticated data is the header, bytes [0, 13+k): format byte, wrapped
 * key and IV, so none of them can be swapped or altered without the tag failing. The wrapped-key
 * length is not stored: it is implied by the opener's key size.
 *
 * The OAEP label "parley sealed message v1" (RFC 8017 §7.1.1, the optional label L) separates
 * wrapped seal keys from plain `oaepEncrypt` ciphertexts: one cannot be decrypted as the other.
 *
 * Runs in browsers and Node.js ≥ 20: WebCrypto (`globalThis.crypto.subtle`) for AES-GCM and
 * `crypto.getRandomValues` (through ./random.js) for the key and IV; no `node:` imports.
 */
import { buf, subtle } from './webcrypto.js';
import { bytesToBase64, base64ToBytes, concatBytes, equalBytes, utf8ToBytes } from './bytes.js';
import { DECRYPTION_FAILED, isRsaError, rsaError } from './errors.js';
import { getHash } from './hash.js';
import { assertPrivateKey, assertPublicKey, type RsaPrivateKey, type RsaPublicKey } from './key.js';
import { oaepDecrypt, oaepEncrypt } from './oaep.js';
import { randomBytes } from './random.js';

/** The format byte that starts every sealed message of this version. */
export const SEAL_VERSION = 0x01;

/** The RSAES-OAEP label (RFC 8017 §7.1.1 input L) used to wrap the message key. */
export const SEAL_OAEP_LABEL: Uint8Array = utf8ToBytes('parley sealed message v1');

/** Length of the AES-256 message key, of the GCM IV and of the GCM tag, in bytes. */
const AES_KEY_LEN = 32;
const IV_LEN = 12;
const TAG_LEN = 16;
/** Length of the SHA-256 digest that precedes the message inside the encryption. */
const HASH_LEN = 32;

/** The first line of an armored sealed message (see armorSealed). */
export const SEALED_ARMOR_BEGIN = '-----BEGIN PARLEY SEALED MESSAGE-----';
/** The last line of an armored sealed message (see armorSealed). */
export const SEALED_ARMOR_END = '-----END PARLEY SEALED MESSAGE-----';

const OAEP = { hash: 'SHA-256', mgfHash: 'SHA-256', label: SEAL_OAEP_LABEL } as const;

/** The result of opening a sealed text. */
export interface OpenedText {
  /** The decrypted text. */
  text: string;
  /**
   * Always true: the SHA-256 carried inside the encryption matched the decrypted text.
   * A mismatch never returns; it throws RSA_INTEGRITY. The field lets callers show the check.
   */
  verified: true;
}

/** The result of opening sealed bytes; see OpenedText. */
export interface OpenedBytes {
  data: Uint8Array;
  verified: true;
}


function sha256(b: Uint8Array): Uint8Array {
  return getHash('SHA-256').digest(b);
}

/** The smallest possible sealed message for a key of `k` bytes (an empty message). */
function minSealedLength(k: number): number {
  return 1 + k + IV_LEN + HASH_LEN + TAG_LEN;
}

/**
 * TEST SEAM — do not use in application code. Seals `payload` verbatim as the inner plaintext,
 * WITHOUT prepending its SHA-256: a well-formed payload is SHA-256(message) || message. Tests
 * use it to build a message whose inner hash does not match, which only a buggy or malicious
 * sender can produce, to check that openText/openBytes throw RSA_INTEGRITY.
 * Throws as sealBytes.
 */
export async function sealRawPayloadForTesting(pub: RsaPublicKey, payload: Uint8Array): Promise<Uint8Array> {
  return sealPayload(pub, payload);
}

async function sealPayload(pub: RsaPublicKey, payload: Uint8Array): Promise<Uint8Array> {
  assertPublicKey(pub);
  if (!(payload instanceof Uint8Array)) throw rsaError('RSA_INVALID_ARGUMENT', 'message must be a Uint8Array');
  const aesKey = randomBytes(AES_KEY_LEN);
  const iv = randomBytes(IV_LEN);
  // RFC 8017 §7.1.1: the AES key is 32 bytes, far below k − 2hLen − 2 for any key ≥ 1024 bits
  const wrapped = oaepEncrypt(pub, aesKey, OAEP);
  const header = concatBytes(Uint8Array.of(SEAL_VERSION), wrapped, iv);
  const s = subtle('sealed messages need AES-GCM');
  const key = await s.importKey('raw', buf(aesKey), { name: 'AES-GCM' }, false, ['encrypt']);
  aesKey.fill(0);
  // SP 800-38D §7.1: GCM-AE(IV, P, A) with A = header; WebCrypto appends the 128-bit tag
  const ct = await s.encrypt({ name: 'AES-GCM', iv: buf(iv), additionalData: buf(header), tagLength: 128 }, key, buf(payload));
  return concatBytes(header, new Uint8Array(ct));
}

/**
 * Seals `data` for the holder of the private key matching `pub`: AES-256-GCM under a fresh key,
 * wrapped with RSAES-OAEP-SHA-256 (RFC 8017 §7.1.1); the SHA-256 of `data` is encrypted with it.
 * Returns the binary sealed message (format in this module's header comment).
 * Throws RSA_INVALID_ARGUMENT for a non-key or non-bytes argument, RSA_UNSUPPORTED without
 * WebCrypto or a secure random source.
 */
export async function sealBytes(pub: RsaPublicKey, data: Uint8Array): Promise<Uint8Array> {
  if (!(data instanceof Uint8Array)) throw rsaError('RSA_INVALID_ARGUMENT', 'message must be a Uint8Array');
  return sealPayload(pub, concatBytes(sha256(data), data));
}

/**
 * Seals a text of any length: sealBytes of its UTF-8 encoding.
 * Throws as sealBytes, and RSA_INVALID_ARGUMENT when `text` is not a string.
 */
export async function sealText(pub: RsaPublicKey, text: string): Promise<Uint8Array> {
  if (typeof text !== 'string') throw rsaError('RSA_INVALID_ARGUMENT', 'text must be a string');
  return sealBytes(pub, utf8ToBytes(text));
}

/**
 * Opens a sealed message made by sealBytes for `priv`'s public key: unwraps the AES key
 * (RSAES-OAEP-DECRYPT, RFC 8017 §7.1.2), decrypts and authenticates with AES-256-GCM, then
 * recomputes SHA-256 of the message and compares it in constant time with the one carried inside.
 *
 * Throws:
 * - RSA_INVALID_FORMAT when the first byte is not a known format byte (not a sealed message,
 *   or a future version);
 * - RSA_DECRYPTION_FAILED, one message for every cause, when the message is too short for the
 *   key, was sealed for another key, or any byte was altered (unwrap or GCM tag failure). An
 *   unwrap failure still runs AES-GCM with a random key, so both failures take the same path;
 * - RSA_INTEGRITY when the decryption authenticated but the inner SHA-256 does not match the
 *   message. The message is never returned in that case.
 */
export async function openBytes(priv: RsaPrivateKey, sealed: Uint8Array): Promise<OpenedBytes> {
  assertPrivateKey(priv);
  if (!(sealed instanceof Uint8Array)) throw rsaError('RSA_INVALID_ARGUMENT', 'sealed message must be a Uint8Array');
  if (sealed.length === 0 || sealed[0] !== SEAL_VERSION)
    throw rsaError(
      'RSA_INVALID_FORMAT',
      sealed.length === 0
        ? 'not a Parley sealed message: it is empty'
        : `not a Parley sealed message: unknown format byte 0x${sealed[0]!.toString(16).padStart(2, '0')}`,
    );
  const k = priv.size;
  if (sealed.length < minSealedLength(k)) throw rsaError('RSA_DECRYPTION_FAILED', DECRYPTION_FAILED);
  const wrapped = sealed.subarray(1, 1 + k);
  const iv = sealed.subarray(1 + k, 1 + k + IV_LEN);
  const header = sealed.subarray(0, 1 + k + IV_LEN);
  const body = sealed.subarray(1 + k + IV_LEN);

  // Unwrap; on any failure go on with a random key so that GCM fails the same way (one error,
  // one code path: no oracle telling an OAEP failure from a tag failure).
  let aesKey: Uint8Array;
  let unwrapOk = true;
  try {
    aesKey = oaepDecrypt(priv, wrapped, OAEP);
    if (aesKey.length !== AES_KEY_LEN) throw rsaError('RSA_DECRYPTION_FAILED', DECRYPTION_FAILED);
  } catch (e) {
    if (!isRsaError(e, 'RSA_DECRYPTION_FAILED')) throw e;
    aesKey = randomBytes(AES_KEY_LEN);
    unwrapOk = false;
  }
  const s = subtle('sealed messages need AES-GCM');
  let payload: Uint8Array;
  try {
    const key = await s.importKey('raw', buf(aesKey), { name: 'AES-GCM' }, false, ['decrypt']);
    aesKey.fill(0);
    payload = new Uint8Array(
      await s.decrypt({ name: 'AES-GCM', iv: buf(iv), additionalData: buf(header), tagLength: 128 }, key, buf(body)),
    );
  } catch (e) {
    throw rsaError('RSA_DECRYPTION_FAILED', DECRYPTION_FAILED, e);
  }
  // unreachable in practice: GCM with a random key cannot authenticate (probability 2^-128)
  if (!unwrapOk || payload.length < HASH_LEN) throw rsaError('RSA_DECRYPTION_FAILED', DECRYPTION_FAILED);
  const carried = payload.subarray(0, HASH_LEN);
  const data = payload.slice(HASH_LEN);
  if (!equalBytes(carried, sha256(data)))
    throw rsaError('RSA_INTEGRITY', 'integrity check failed: the message does not match the SHA-256 hash sealed with it');
  return { data, verified: true };
}

/**
 * Opens a sealed text (see openBytes) and decodes it as UTF-8, byte for byte (a leading U+FEFF
 * is kept). Throws as openBytes — RSA_INVALID_FORMAT, RSA_DECRYPTION_FAILED or RSA_INTEGRITY; a
 * mismatching text is never returned — and RSA_INVALID_FORMAT when the authenticated message is
 * not valid UTF-8 (it was sealed as bytes, not text).
 */
export async function openText(priv: RsaPrivateKey, sealed: Uint8Array): Promise<OpenedText> {
  const { data } = await openBytes(priv, sealed);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(data);
  } catch (e) {
    throw rsaError('RSA_INVALID_FORMAT', 'the sealed message is not UTF-8 text', e);
  }
  return { text, verified: true };
}

/**
 * Armors a binary sealed message as text: the line "-----BEGIN PARLEY SEALED MESSAGE-----",
 * base64 (RFC 4648 §4) in lines of 64 characters, "-----END PARLEY SEALED MESSAGE-----" and a
 * final newline, in the manner of RFC 7468 PEM. Throws RSA_INVALID_ARGUMENT for non-bytes.
 */
export function armorSealed(sealed: Uint8Array): string {
  if (!(sealed instanceof Uint8Array)) throw rsaError('RSA_INVALID_ARGUMENT', 'sealed message must be a Uint8Array');
  const b64 = bytesToBase64(sealed);
  const lines: string[] = [SEALED_ARMOR_BEGIN];
  for (let i = 0; i < b64.length; i += 64) lines.push(b64.slice(i, i + 64));
  lines.push(SEALED_ARMOR_END, '');
  return lines.join('\n');
}

/**
 * Accepts a sealed message as armored text (a string, or bytes holding the armor) or as raw
 * binary bytes, and returns the binary form. Text around the armor block is ignored, and line
 * breaks (LF or CRLF) and spaces inside it are allowed. Bytes that start with the format byte,
 * or that hold no BEGIN line, are returned unchanged (openBytes then judges them).
 * Throws RSA_INVALID_FORMAT for a string without a complete armor block, for a BEGIN line
 * without its END line, and for invalid base64 inside the block.
 */
export function dearmorSealed(input: string | Uint8Array): Uint8Array {
  let text: string;
  if (input instanceof Uint8Array) {
    if (input[0] === SEAL_VERSION) return input;
    text = new TextDecoder('utf-8').decode(input);
    if (!text.includes(SEALED_ARMOR_BEGIN)) return input;
  } else if (typeof input === 'string') {
    text = input;
  } else {
    throw rsaError('RSA_INVALID_ARGUMENT', 'sealed message must be a string or a Uint8Array');
  }
  const begin = text.indexOf(SEALED_ARMOR_BEGIN);
  if (begin < 0) throw rsaError('RSA_INVALID_FORMAT', `not an armored sealed message: no "${SEALED_ARMOR_BEGIN}" line`);
  const from = begin + SEALED_ARMOR_BEGIN.length;
  const end = text.indexOf(SEALED_ARMOR_END, from);
  if (end < 0) throw rsaError('RSA_INVALID_FORMAT', `armored sealed message is truncated: no "${SEALED_ARMOR_END}" line`);
  const b64 = text.slice(from, end).replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64) || b64.length % 4 !== 0)
    throw rsaError('RSA_INVALID_FORMAT', 'armored sealed message holds invalid base64');
  return base64ToBytes(b64);
}
