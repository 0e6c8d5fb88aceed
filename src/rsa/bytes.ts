/**
 * Byte helpers shared by the RSA module: argument checks (noble-style named asserts),
 * concatenation, constant-time comparison and base64/hex codecs that work in browsers and Node.
 */
import { rsaError } from './errors.js';

/** Throws RSA_INVALID_ARGUMENT unless `b` is a Uint8Array (of `len` bytes, when given). */
export function abytes(b: unknown, len?: number, what = 'value'): asserts b is Uint8Array {
  if (!(b instanceof Uint8Array)) throw rsaError('RSA_INVALID_ARGUMENT', `${what} must be a Uint8Array`);
  if (len !== undefined && b.length !== len)
    throw rsaError('RSA_INVALID_ARGUMENT', `${what} must be ${len} bytes, got ${b.length}`);
}

/** Throws RSA_INVALID_ARGUMENT unless `n` is a safe non-negative integer. */
export function anumber(n: unknown, what = 'value'): asserts n is number {
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0)
    throw rsaError('RSA_INVALID_ARGUMENT', `${what} must be a non-negative integer`);
}

/** Concatenates byte arrays into a new one. */
export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let len = 0;
  for (const p of parts) len += p.length;
  const out = new Uint8Array(len);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

/** Compares two byte arrays in time that depends only on their lengths. */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

/** UTF-8 encodes a string. */
export function utf8ToBytes(s: string): Uint8Array {
  return new TextEncoder().encode(s);
}

/** UTF-8 decodes bytes, throwing RSA_INVALID_FORMAT on invalid UTF-8. */
export function bytesToUtf8(b: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(b);
  } catch (e) {
    throw rsaError('RSA_INVALID_FORMAT', 'text is not valid UTF-8', e);
  }
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** Lower-case hex of bytes. */
export function bytesToHex(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += HEX[b[i]!]!;
  return s;
}

/** Parses hex (even length, no prefix); throws RSA_INVALID_FORMAT otherwise. */
export function hexToBytes(hex: string): Uint8Array {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex))
    throw rsaError('RSA_INVALID_FORMAT', 'invalid hex string');
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64_LOOKUP = (() => {
  const t = new Int16Array(128).fill(-1);
  for (let i = 0; i < 64; i++) t[B64.charCodeAt(i)] = i;
  t['-'.charCodeAt(0)] = 62; // base64url
  t['_'.charCodeAt(0)] = 63;
  return t;
})();

/** Standard base64 (with padding), or base64url without padding when `url` is true. */
export function bytesToBase64(b: Uint8Array, url = false): string {
  let s = '';
  for (let i = 0; i < b.length; i += 3) {
    const n = (b[i]! << 16) | ((b[i + 1] ?? 0) << 8) | (b[i + 2] ?? 0);
    s += B64[(n >> 18) & 63]! + B64[(n >> 12) & 63]!;
    s += i + 1 < b.length ? B64[(n >> 6) & 63]! : '=';
    s += i + 2 < b.length ? B64[n & 63]! : '=';
  }
  if (url) s = s.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  return s;
}

/**
 * Decodes base64 or base64url (padding optional, no whitespace).
 * Throws RSA_INVALID_FORMAT on any other character or an impossible length.
 */
export function base64ToBytes(s: string): Uint8Array {
  const str = s.replace(/=+$/, '');
  if (str.length % 4 === 1) throw rsaError('RSA_INVALID_FORMAT', 'invalid base64 length');
  const out = new Uint8Array(Math.floor((str.length * 3) / 4));
  let acc = 0;
  let bits = 0;
  let o = 0;
  for (let i = 0; i < str.length; i++) {
    const c = str.charCodeAt(i);
    const v = c < 128 ? B64_LOOKUP[c]! : -1;
    if (v < 0) throw rsaError('RSA_INVALID_FORMAT', 'invalid base64 character');
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
    }
  }
  return out;
}
