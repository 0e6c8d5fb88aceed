/**
 * Strict binary encoding of the end-to-end formats (docs/E2E.md §Conventions): fixed-length
 * byte strings, u8/u16/u32 big-endian lengths and integers, u64 timestamps, UTF-8 strings. The
 * reader throws E2EError 'e2e_malformed' on every short read, out-of-range value, invalid UTF-8
 * and trailing byte, so a payload has exactly one parse.
 */
import { concatBytes, equalBytes } from '../rsa/bytes.js';
import { e2eError } from './errors.js';

const concat = concatBytes;

const enc = new TextEncoder();
const dec = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The UTF-8 bytes of `s`. */
export function utf8(s: string): Uint8Array {
  return enc.encode(s);
}

/** Concatenation of byte strings, as one new array; equality in time independent of where they differ (src/rsa/bytes.ts). */
export { concatBytes as concat, equalBytes };

/** -1, 0 or 1 as `a` sorts before, with or after `b` (unsigned bytes, shorter first on a tie). */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1;
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

/** `n` as 4 big-endian bytes. Throws 'e2e_invalid_argument' outside [0, 2^32). */
export function u32(n: number): Uint8Array {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw e2eError('e2e_invalid_argument', `u32 value ${n} out of range`);
  return Uint8Array.of(n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);
}

/** `n` as 8 big-endian bytes. Throws 'e2e_invalid_argument' unless 0 ≤ n ≤ 2^53 − 1. */
export function u64(n: number): Uint8Array {
  if (!Number.isSafeInteger(n) || n < 0) throw e2eError('e2e_invalid_argument', `u64 value ${n} out of range`);
  const hi = Math.floor(n / 2 ** 32);
  return concat(u32(hi), u32(n - hi * 2 ** 32));
}

/** Builds a message from fields; every length is checked as it is written. */
export class Writer {
  private readonly parts: Uint8Array[] = [];

  /** Appends one byte. Throws 'e2e_invalid_argument' unless 0 ≤ b ≤ 255. */
  u8(b: number): this {
    if (!Number.isInteger(b) || b < 0 || b > 0xff) throw e2eError('e2e_invalid_argument', `byte value ${b} out of range`);
    this.parts.push(Uint8Array.of(b));
    return this;
  }
  /** Appends a 4-byte big-endian integer. */
  u32(n: number): this {
    this.parts.push(u32(n));
    return this;
  }
  /** Appends an 8-byte big-endian integer (≤ 2^53 − 1). */
  u64(n: number): this {
    this.parts.push(u64(n));
    return this;
  }
  /** Appends exactly `len` bytes. Throws 'e2e_invalid_argument' for another length. */
  fixed(b: Uint8Array, len: number, what: string): this {
    if (!(b instanceof Uint8Array) || b.length !== len) throw e2eError('e2e_invalid_argument', `${what} must be ${len} bytes`);
    this.parts.push(b);
    return this;
  }
  /** Appends a u8 length and the UTF-8 of `s`. Throws 'e2e_invalid_argument' outside [min, max] bytes. */
  str8(s: string, min: number, max: number, what: string): this {
    const b = utf8(s);
    if (b.length < min || b.length > Math.min(max, 0xff)) throw e2eError('e2e_invalid_argument', `${what} must be ${min}–${max} bytes of UTF-8`);
    return this.u8(b.length).raw(b);
  }
  /** Appends a u16 length and the bytes. Throws 'e2e_invalid_argument' outside [min, max]. */
  vec16(b: Uint8Array, min: number, max: number, what: string): this {
    if (b.length < min || b.length > Math.min(max, 0xffff)) throw e2eError('e2e_invalid_argument', `${what} must be ${min}–${max} bytes`);
    return this.raw(Uint8Array.of(b.length >> 8, b.length & 0xff)).raw(b);
  }
  /** Appends a u32 length and the bytes. Throws 'e2e_invalid_argument' outside [min, max]. */
  vec32(b: Uint8Array, min: number, max: number, what: string): this {
    if (b.length < min || b.length > max) throw e2eError('e2e_invalid_argument', `${what} must be ${min}–${max} bytes`);
    return this.u32(b.length).raw(b);
  }
  /** Appends bytes as they are. */
  raw(b: Uint8Array): this {
    this.parts.push(b);
    return this;
  }
  /** The bytes written so far, as one new array. */
  bytes(): Uint8Array {
    return concat(...this.parts);
  }
}

/** Reads fields front to back; `what` names the format in errors. */
export class Reader {
  private pos = 0;
  constructor(private readonly buf: Uint8Array, private readonly what: string) {}

  /** Offset of the next unread byte. */
  get offset(): number {
    return this.pos;
  }
  private fail(field: string): never {
    throw e2eError('e2e_malformed', `${this.what}: bad or truncated ${field}`);
  }
  private take(n: number, field: string): Uint8Array {
    if (n < 0 || this.pos + n > this.buf.length) this.fail(field);
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
  /** One byte. */
  u8(field: string): number {
    return this.take(1, field)[0]!;
  }
  /** A 4-byte big-endian integer. */
  u32(field: string): number {
    const b = this.take(4, field);
    return ((b[0]! << 24) >>> 0) + (b[1]! << 16) + (b[2]! << 8) + b[3]!;
  }
  /** An 8-byte big-endian integer; throws 'e2e_malformed' above 2^53 − 1. */
  u64(field: string): number {
    const hi = this.u32(field);
    const lo = this.u32(field);
    if (hi >= 2 ** 21) this.fail(field);
    return hi * 2 ** 32 + lo;
  }
  /** Exactly `n` bytes (a copy). */
  fixed(n: number, field: string): Uint8Array {
    return this.take(n, field).slice();
  }
  /** A u8 length and that many bytes of strict UTF-8, the length in [min, max]. */
  str8(min: number, max: number, field: string): string {
    const len = this.u8(field);
    if (len < min || len > max) this.fail(field);
    try {
      return dec.decode(this.take(len, field));
    } catch {
      return this.fail(field);
    }
  }
  /** A u16 length and that many bytes (a copy), the length in [min, max]. */
  vec16(min: number, max: number, field: string): Uint8Array {
    const b = this.take(2, field);
    const len = (b[0]! << 8) | b[1]!;
    if (len < min || len > max) this.fail(field);
    return this.fixed(len, field);
  }
  /** A u32 length and that many bytes (a copy), the length in [min, max]. */
  vec32(min: number, max: number, field: string): Uint8Array {
    const len = this.u32(field);
    if (len < min || len > max) this.fail(field);
    return this.fixed(len, field);
  }
  /** Everything up to the end (a copy). */
  rest(): Uint8Array {
    return this.take(this.buf.length - this.pos, 'rest').slice();
  }
  /** Throws 'e2e_malformed' unless every byte was read. */
  end(): void {
    if (this.pos !== this.buf.length) this.fail('trailing bytes');
  }
}

/** Strict UTF-8 decoding. Throws 'e2e_malformed' on invalid UTF-8. */
export function decodeUtf8(b: Uint8Array, what: string): string {
  try {
    return dec.decode(b);
  } catch {
    throw e2eError('e2e_malformed', `${what} is not valid UTF-8`);
  }
}
