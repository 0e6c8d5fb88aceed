/**
 * A minimal, strict DER (ITU-T X.690 §10) reader and writer for the few ASN.1 types RSA key
 * files use: SEQUENCE, INTEGER, OBJECT IDENTIFIER, NULL, OCTET STRING, BIT STRING and
 * context-specific tags. Anything that is not canonical DER — indefinite or non-minimal lengths,
 * non-minimal integers, high tag numbers, trailing bytes — is rejected with RSA_INVALID_FORMAT.
 */
import { concatBytes } from './bytes.js';
import { os2ip } from './bigint.js';
import { rsaError, type RsaError } from './errors.js';

/** Universal tags used by key files (X.680 §8.4), with the constructed bit where it applies. */
export const TAG = {
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  SEQUENCE: 0x30,
} as const;

/** The tag byte of a context-specific [n] tag (n < 31). */
export function contextTag(n: number, constructed = true): number {
  return 0x80 | (constructed ? 0x20 : 0) | n;
}

/** A readable name of a tag byte, for error messages. */
export function tagName(tag: number): string {
  const names: Record<number, string> = {
    0x01: 'BOOLEAN', 0x02: 'INTEGER', 0x03: 'BIT STRING', 0x04: 'OCTET STRING', 0x05: 'NULL',
    0x06: 'OBJECT IDENTIFIER', 0x0c: 'UTF8String', 0x30: 'SEQUENCE', 0x31: 'SET',
  };
  if (names[tag]) return names[tag];
  if ((tag & 0xc0) === 0x80) return `[${tag & 0x1f}]${tag & 0x20 ? '' : ' (primitive)'}`;
  return `tag 0x${tag.toString(16).padStart(2, '0')}`;
}

function derError(what: string, msg: string): RsaError {
  return rsaError('RSA_INVALID_FORMAT', `${what}: ${msg}`);
}

/** One TLV element: its tag, where its content lies in the buffer, and the content bytes. */
export interface DerElement {
  readonly tag: number;
  readonly offset: number;
  readonly content: Uint8Array;
  /** The whole encoding (tag, length and content). */
  readonly raw: Uint8Array;
}

/**
 * A cursor over the elements of a DER buffer (or of one constructed element's content).
 * Every method throws RSA_INVALID_FORMAT, naming `what` (e.g. "PKCS #8") and the byte offset,
 * when the input is not what it expects.
 */
export class DerReader {
  private pos: number;

  /** Reads buf[start, end); `what` names the structure in error messages. */
  constructor(
    private readonly buf: Uint8Array,
    readonly what = 'DER',
    start = 0,
    private readonly end = buf.length,
  ) {
    this.pos = start;
  }

  /** The offset just past the last byte this reader covers. */
  get endOffset(): number {
    return this.end;
  }

  /** True when every element has been read. */
  get done(): boolean {
    return this.pos >= this.end;
  }

  /** The tag of the next element, or undefined at the end. */
  peekTag(): number | undefined {
    return this.done ? undefined : this.buf[this.pos];
  }

  /** Reads the next element whatever its tag (X.690 §8.1). Throws on bad tags and lengths. */
  next(): DerElement {
    const b = this.buf;
    const start = this.pos;
    if (start >= this.end) throw derError(this.what, `unexpected end of data at byte ${start}`);
    const tag = b[start]!;
    if ((tag & 0x1f) === 0x1f) throw derError(this.what, `high-tag-number form at byte ${start} is not supported`);
    let p = start + 1;
    if (p >= this.end) throw derError(this.what, `truncated: missing length at byte ${p}`);
    const first = b[p++]!;
    let len: number;
    if (first < 0x80) len = first;
    else if (first === 0x80) throw derError(this.what, `indefinite length at byte ${p - 1} is not allowed in DER`);
    else {
      const nbytes = first & 0x7f;
      if (nbytes > 4) throw derError(this.what, `length of ${nbytes} bytes at byte ${p - 1} is too large`);
      if (p + nbytes > this.end) throw derError(this.what, `truncated: length field at byte ${p - 1} runs past the end`);
      if (b[p] === 0) throw derError(this.what, `non-minimal length encoding at byte ${p - 1}`);
      len = 0;
      for (let i = 0; i < nbytes; i++) len = len * 256 + b[p++]!;
      if (len < 0x80) throw derError(this.what, `non-minimal length encoding at byte ${start + 1}`);
    }
    if (len > this.end - p)
      throw derError(this.what, `truncated: ${tagName(tag)} at byte ${start} declares ${len} bytes but ${this.end - p} remain`);
    this.pos = p + len;
    return { tag, offset: start, content: b.subarray(p, p + len), raw: b.subarray(start, p + len) };
  }

  /** Reads the next element, which must have tag `tag`; returns it. */
  expect(tag: number, field?: string): DerElement {
    const at = this.pos;
    const found = this.peekTag();
    const label = field ? `${field} (${tagName(tag)})` : tagName(tag);
    if (found === undefined) throw derError(this.what, `truncated: expected ${label} at byte ${at}, found end of data`);
    if (found !== tag) throw derError(this.what, `expected ${label} at byte ${at}, found ${tagName(found)}`);
    return this.next();
  }

  /** Reads a SEQUENCE and returns a reader over its content. */
  sequence(field?: string): DerReader {
    const el = this.expect(TAG.SEQUENCE, field);
    const start = el.content.byteOffset - this.buf.byteOffset;
    return new DerReader(this.buf, this.what, start, start + el.content.length);
  }

  /** Reads a constructed element with the given tag and returns a reader over its content. */
  constructed(tag: number, field?: string): DerReader {
    const el = this.expect(tag, field);
    const start = el.content.byteOffset - this.buf.byteOffset;
    return new DerReader(this.buf, this.what, start, start + el.content.length);
  }

  /**
   * Reads a non-negative INTEGER (X.690 §8.3), rejecting non-minimal encodings and, since every
   * integer of an RSA key file is non-negative, negative values.
   */
  uint(field?: string): bigint {
    const { content: c, offset } = this.expect(TAG.INTEGER, field);
    const name = field ?? 'INTEGER';
    if (c.length === 0) throw derError(this.what, `empty ${name} at byte ${offset}`);
    if (c.length > 1 && ((c[0] === 0 && c[1]! < 0x80) || (c[0] === 0xff && c[1]! >= 0x80)))
      throw derError(this.what, `non-minimal ${name} encoding at byte ${offset}`);
    if (c[0]! >= 0x80) throw derError(this.what, `${name} at byte ${offset} is negative`);
    return os2ip(c);
  }

  /** Reads a non-negative INTEGER that must be at most `max`; returns it as a number. */
  smallUint(field: string, max: number): number {
    const at = this.pos;
    const v = this.uint(field);
    if (v > BigInt(max)) throw derError(this.what, `${field} at byte ${at} is out of range (${v} > ${max})`);
    return Number(v);
  }

  /** Reads an OBJECT IDENTIFIER (X.690 §8.19) and returns its dotted form. */
  oid(field?: string): string {
    const { content: c, offset } = this.expect(TAG.OID, field);
    if (c.length === 0) throw derError(this.what, `empty OBJECT IDENTIFIER at byte ${offset}`);
    const arcs: number[] = [];
    let v = 0;
    let fresh = true;
    for (const byte of c) {
      if (fresh && byte === 0x80) throw derError(this.what, `non-minimal OBJECT IDENTIFIER arc at byte ${offset}`);
      if (v > 2 ** 45) throw derError(this.what, `OBJECT IDENTIFIER arc too large at byte ${offset}`);
      v = v * 128 + (byte & 0x7f);
      fresh = (byte & 0x80) === 0;
      if (fresh) {
        arcs.push(v);
        v = 0;
      }
    }
    if (!fresh) throw derError(this.what, `truncated OBJECT IDENTIFIER at byte ${offset}`);
    const x = arcs[0]!;
    const head = x < 40 ? [0, x] : x < 80 ? [1, x - 40] : [2, x - 80];
    return [...head, ...arcs.slice(1)].join('.');
  }

  /** Reads a NULL (X.690 §8.8), whose content must be empty. */
  null(field?: string): void {
    const { content, offset } = this.expect(TAG.NULL, field);
    if (content.length !== 0) throw derError(this.what, `NULL with content at byte ${offset}`);
  }

  /** Reads an OCTET STRING and returns its content. */
  octetString(field?: string): Uint8Array {
    return this.expect(TAG.OCTET_STRING, field).content;
  }

  /** Reads a BIT STRING of whole bytes (no unused bits, X.690 §8.6) and returns them. */
  bitString(field?: string): Uint8Array {
    const { content: c, offset } = this.expect(TAG.BIT_STRING, field);
    if (c.length === 0) throw derError(this.what, `empty BIT STRING at byte ${offset}`);
    if (c[0] !== 0) throw derError(this.what, `BIT STRING at byte ${offset} has ${c[0]} unused bits; whole bytes expected`);
    return c.subarray(1);
  }

  /** Reads the next element if it has tag `tag`; otherwise returns undefined and reads nothing. */
  optional(tag: number): DerElement | undefined {
    return this.peekTag() === tag ? this.next() : undefined;
  }

  /** Reads an optional explicitly tagged [n] element and returns a reader over its content. */
  optionalContext(n: number, field?: string): DerReader | undefined {
    return this.peekTag() === contextTag(n) ? this.constructed(contextTag(n), field) : undefined;
  }

  /** Throws unless every element has been read (no trailing data). */
  finish(field = 'structure'): void {
    if (!this.done)
      throw derError(this.what, `unexpected ${tagName(this.buf[this.pos]!)} at byte ${this.pos} after the end of the ${field}`);
  }
}

/**
 * Opens a buffer that must hold exactly one SEQUENCE and returns a reader over its content.
 * Throws RSA_INVALID_FORMAT for an empty buffer, another outer type, or trailing bytes.
 */
export function derSequenceReader(der: Uint8Array, what: string): DerReader {
  if (der.length === 0) throw derError(what, 'empty input');
  const outer = new DerReader(der, what);
  const seq = outer.sequence();
  if (!outer.done) throw derError(what, `trailing data (${der.length - seq.endOffset} bytes) after the outer SEQUENCE`);
  return seq;
}

// ---------------------------------------------------------------- writer

/** Encodes a DER length (X.690 §8.1.3, definite form, minimal). */
export function derLength(len: number): Uint8Array {
  if (len < 0x80) return Uint8Array.of(len);
  const bytes: number[] = [];
  for (let l = len; l > 0; l = Math.floor(l / 256)) bytes.unshift(l & 0xff);
  return Uint8Array.from([0x80 | bytes.length, ...bytes]);
}

/** Encodes one TLV element with the given tag byte and content. */
export function derTlv(tag: number, content: Uint8Array): Uint8Array {
  return concatBytes(Uint8Array.of(tag), derLength(content.length), content);
}

/** Encodes a SEQUENCE of already encoded elements. */
export function derSequence(...elements: Uint8Array[]): Uint8Array {
  return derTlv(TAG.SEQUENCE, concatBytes(...elements));
}

/** Encodes a non-negative INTEGER minimally. Throws RSA_INVALID_ARGUMENT for a negative value. */
export function derInteger(x: bigint | number): Uint8Array {
  const v = BigInt(x);
  if (v < 0n) throw rsaError('RSA_INVALID_ARGUMENT', 'derInteger: negative values are not supported');
  let hex = v.toString(16);
  if (hex.length % 2) hex = '0' + hex;
  if (parseInt(hex.slice(0, 2), 16) >= 0x80) hex = '00' + hex; // keep the sign bit clear
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return derTlv(TAG.INTEGER, out);
}

/** Encodes an OBJECT IDENTIFIER from its dotted form. Throws RSA_INVALID_ARGUMENT if malformed. */
export function derOid(oid: string): Uint8Array {
  const arcs = oid.split('.').map((s) => (/^\d+$/.test(s) ? Number(s) : NaN));
  if (arcs.length < 2 || arcs.some((a) => !Number.isSafeInteger(a)) || arcs[0]! > 2 || (arcs[0]! < 2 && arcs[1]! >= 40))
    throw rsaError('RSA_INVALID_ARGUMENT', `invalid OBJECT IDENTIFIER: ${oid}`);
  const out: number[] = [];
  for (const arc of [arcs[0]! * 40 + arcs[1]!, ...arcs.slice(2)]) {
    const group = [arc & 0x7f];
    for (let a = Math.floor(arc / 128); a > 0; a = Math.floor(a / 128)) group.unshift(0x80 | (a & 0x7f));
    out.push(...group);
  }
  return derTlv(TAG.OID, Uint8Array.from(out));
}

/** Encodes NULL. */
export function derNull(): Uint8Array {
  return Uint8Array.of(TAG.NULL, 0);
}

/** Encodes an OCTET STRING. */
export function derOctetString(content: Uint8Array): Uint8Array {
  return derTlv(TAG.OCTET_STRING, content);
}

/** Encodes a BIT STRING of whole bytes (0 unused bits). */
export function derBitString(content: Uint8Array): Uint8Array {
  return derTlv(TAG.BIT_STRING, concatBytes(Uint8Array.of(0), content));
}

/** Encodes a context-specific [n] element (explicit tagging when `constructed`). */
export function derContext(n: number, content: Uint8Array, constructed = true): Uint8Array {
  return derTlv(contextTag(n, constructed), content);
}
