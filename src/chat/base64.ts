/**
 * The one check the hub makes of an end-to-end encrypted payload or a bundle, which it must not
 * (and cannot) read: that it is canonical standard base64 (RFC 4648 §4, with padding) and how
 * many bytes it stands for — without decoding it or allocating anything.
 */

/** Characters of the standard base64 alphabet (RFC 4648 §4, Table 1), by char code: their 6-bit values, -1 for others. */
const VALUE = new Int8Array(128).fill(-1);
for (const [i, c] of [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'].entries()) VALUE[c.charCodeAt(0)] = i;

/** The length of the canonical base64 encoding of `bytes` bytes (with padding). */
export function base64Length(bytes: number): number {
  return 4 * Math.ceil(bytes / 3);
}

/**
 * The number of bytes `s` encodes when it is canonical standard base64 with padding: a multiple
 * of 4 characters of the RFC 4648 §4 alphabet, at most two '=' at the end, and the unused low
 * bits of the last character before them zero (RFC 4648 §3.5), so that every byte string has
 * exactly one encoding. Undefined for anything else (the empty string encodes 0 bytes).
 * O(length of s); never throws.
 */
export function base64DecodedLength(s: unknown): number | undefined {
  if (typeof s !== 'string' || s.length % 4 !== 0) return undefined;
  const pad = s.endsWith('==') ? 2 : s.endsWith('=') ? 1 : 0;
  const end = s.length - pad;
  for (let i = 0; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128 || VALUE[c]! < 0) return undefined;
  }
  if (pad > 0) {
    // RFC 4648 §3.5: the bits after the last whole byte must be zero (4 bits with '==', 2 with '=')
    const last = VALUE[s.charCodeAt(end - 1)]!;
    if ((last & (pad === 2 ? 0x0f : 0x03)) !== 0) return undefined;
  }
  return (s.length / 4) * 3 - pad;
}
