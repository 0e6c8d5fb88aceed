/**
 * Strict reading and writing of the protocol's binary fields: fixed-length byte strings,
 * u8/u16 big-endian lengths and u64 counters. The reader throws ProtocolError 'malformed' on
 * every short read, out-of-bounds length and trailing byte.
 */
import { protocolError } from './errors.js';

/** Builds a message from fields; lengths are checked against their bounds as they are written. */
export class ByteWriter {
  private readonly parts: Uint8Array[] = [];
  private length = 0;

  /** Appends one byte. Throws ProtocolError 'malformed' unless 0 ≤ b ≤ 255. */
  u8(b: number): this {
    if (!Number.isInteger(b) || b < 0 || b > 0xff) throw protocolError('malformed', `byte value ${b} out of range`);
    return this.raw(Uint8Array.of(b));
  }

  /** Appends bytes as they are. */
  raw(b: Uint8Array): this {
    this.parts.push(b);
    this.length += b.length;
    return this;
  }

  /** Appends exactly `len` bytes. Throws ProtocolError 'malformed' when `b` has another length. */
  fixed(b: Uint8Array, len: number, what: string): this {
    checkLen(b.length, len, len, what);
    return this.raw(b);
  }

  /** Appends a u8 length and the bytes. Throws ProtocolError 'malformed' outside [min, max] (max ≤ 255). */
  vec8(b: Uint8Array, min: number, max: number, what: string): this {
    checkLen(b.length, min, Math.min(max, 0xff), what);
    return this.u8(b.length).raw(b);
  }

  /** Appends a u16 big-endian length and the bytes. Throws ProtocolError 'malformed' outside [min, max] (max ≤ 65535). */
  vec16(b: Uint8Array, min: number, max: number, what: string): this {
    checkLen(b.length, min, Math.min(max, 0xffff), what);
    return this.raw(Uint8Array.of(b.length >> 8, b.length & 0xff)).raw(b);
  }

  /** The bytes written so far, as one new array. */
  bytes(): Uint8Array {
    const out = new Uint8Array(this.length);
    let off = 0;
    for (const p of this.parts) {
      out.set(p, off);
      off += p.length;
    }
    return out;
  }
}

function checkLen(len: number, min: number, max: number, what: string): void {
  if (len < min || len > max) throw protocolError('malformed', `${what}: length ${len} is outside [${min}, ${max}]`);
}

/** Reads fields from a message front to back; `what` names the message in errors. */
export class ByteReader {
  private pos = 0;
  constructor(private readonly buf: Uint8Array, private readonly what: string) {}

  /** Offset of the next unread byte. */
  get offset(): number {
    return this.pos;
  }

  /** Reads one byte. Throws ProtocolError 'malformed' at the end of the message. */
  u8(field: string): number {
    return this.take(1, field)[0]!;
  }

  /** Reads exactly `n` bytes (a copy). Throws ProtocolError 'malformed' when fewer remain. */
  fixed(n: number, field: string): Uint8Array {
    return copyBytes(this.take(n, field));
  }

  /** Reads a u8 length and that many bytes. Throws ProtocolError 'malformed' when short or outside [min, max]. */
  vec8(min: number, max: number, field: string): Uint8Array {
    const len = this.u8(`${field} length`);
    checkLen(len, min, max, `${this.what} ${field}`);
    return this.fixed(len, field);
  }

  /** Reads a u16 big-endian length and that many bytes. Throws ProtocolError 'malformed' when short or outside [min, max]. */
  vec16(min: number, max: number, field: string): Uint8Array {
    const l = this.take(2, `${field} length`);
    const len = (l[0]! << 8) | l[1]!;
    checkLen(len, min, max, `${this.what} ${field}`);
    return this.fixed(len, field);
  }

  /** Throws ProtocolError 'malformed' unless every byte has been read. */
  end(): void {
    if (this.pos !== this.buf.length)
      throw protocolError('malformed', `${this.what}: ${this.buf.length - this.pos} unexpected trailing byte(s)`);
  }

  private take(n: number, field: string): Uint8Array {
    if (this.buf.length - this.pos < n)
      throw protocolError('malformed', `${this.what}: truncated in ${field} (needs ${n} byte(s) at offset ${this.pos}, ${this.buf.length - this.pos} left)`);
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
}

/** Concatenates byte arrays into a new one. Never throws. */
export function concat(...parts: Uint8Array[]): Uint8Array {
  const w = new ByteWriter();
  for (const p of parts) w.raw(p);
  return w.bytes();
}

/**
 * A copy of `b` (or of bytes [start, end) of it) as a plain Uint8Array. Unlike Buffer#slice,
 * which returns a view, this always copies, so later changes to a received Buffer cannot
 * reach the handshake's state. Throws ProtocolError 'malformed' when `b` is not a Uint8Array
 * (a Node Buffer is one).
 */
export function copyBytes(b: Uint8Array, start = 0, end?: number): Uint8Array {
  if (!(b instanceof Uint8Array)) throw protocolError('malformed', 'protocol messages must be binary (Uint8Array)');
  return new Uint8Array(b.subarray(start, end ?? b.length));
}
