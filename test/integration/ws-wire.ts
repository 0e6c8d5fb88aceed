/**
 * Reading a recorded WebSocket connection, one direction at a time, the way an eavesdropper
 * would: the HTTP upgrade, then the frames of RFC 6455 §5.2, unmasked (§5.3: a client masks every
 * frame it sends with a key that travels with the frame, so masking hides nothing from anyone on
 * the path — but it does hide a plaintext from a byte search of the raw stream), data frames
 * joined into messages (§5.4). `findLeaks` then looks for a text, in every encoding a careless
 * client could use, in the raw stream, in each frame, in each message and in all the messages of
 * a direction joined (a text split across frames or messages).
 */

/** One frame of RFC 6455 §5.2, its payload unmasked. */
export interface WsFrame {
  fin: boolean;
  opcode: number;
  masked: boolean;
  payload: Buffer;
}

/** A direction of a connection read as WebSocket: the HTTP head, the frames, the messages. */
export interface WsStream {
  /** The HTTP request or response that opened the connection. */
  head: string;
  frames: WsFrame[];
  /** Data messages (opcode 1 or 2 with their continuations) and control frames, in order. */
  messages: { opcode: number; payload: Buffer }[];
  /** Bytes after the last whole frame (0 when the recording ended on a frame boundary). */
  trailing: number;
}

/**
 * Parses one direction of a recorded connection. Throws when the bytes are not an HTTP head
 * followed by well-formed frames: a reserved bit set (no extension is negotiated here), an
 * unknown opcode, a continuation without a start, a 64-bit length above 2^53.
 */
export function parseWsStream(bytes: Buffer): WsStream {
  const end = bytes.indexOf('\r\n\r\n');
  if (end < 0) throw new Error('no HTTP head in the stream');
  const head = bytes.subarray(0, end).toString('latin1');
  const frames: WsFrame[] = [];
  let at = end + 4;
  for (;;) {
    if (bytes.length - at < 2) break;
    const b0 = bytes[at]!;
    const b1 = bytes[at + 1]!;
    if (b0 & 0x70) throw new Error(`frame at ${at}: reserved bits set`);
    let len = b1 & 0x7f;
    let p = at + 2;
    if (len === 126) {
      if (bytes.length - p < 2) break;
      len = bytes.readUInt16BE(p);
      p += 2;
    } else if (len === 127) {
      if (bytes.length - p < 8) break;
      const big = bytes.readBigUInt64BE(p);
      if (big > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error(`frame at ${at}: length ${big}`);
      len = Number(big);
      p += 8;
    }
    const masked = (b1 & 0x80) !== 0;
    const key = masked ? bytes.subarray(p, p + 4) : undefined;
    if (masked) p += 4;
    if (bytes.length - p < len) break;
    // §5.3: transformed-octet-i = original-octet-i XOR masking-key-octet-(i MOD 4)
    const payload = Buffer.from(bytes.subarray(p, p + len));
    if (key) for (let i = 0; i < payload.length; i++) payload[i]! ^= key[i % 4]!;
    frames.push({ fin: (b0 & 0x80) !== 0, opcode: b0 & 0x0f, masked, payload });
    at = p + len;
  }
  return { head, frames, messages: joinMessages(frames), trailing: bytes.length - at };
}

/** §5.4: a data frame without FIN starts a message its continuation frames (opcode 0) finish. */
function joinMessages(frames: WsFrame[]): WsStream['messages'] {
  const out: WsStream['messages'] = [];
  let open: { opcode: number; parts: Buffer[] } | undefined;
  for (const f of frames) {
    if (f.opcode >= 8) {
      if (f.opcode > 10) throw new Error(`unknown control opcode ${f.opcode}`);
      out.push({ opcode: f.opcode, payload: f.payload }); // control frames may come between fragments
    } else if (f.opcode === 0) {
      if (!open) throw new Error('continuation frame without a message');
      open.parts.push(f.payload);
    } else {
      if (open || f.opcode > 2) throw new Error(`data frame with opcode ${f.opcode} inside a message or unknown`);
      open = { opcode: f.opcode, parts: [f.payload] };
    }
    if (open && f.fin && f.opcode < 8) {
      out.push({ opcode: open.opcode, payload: Buffer.concat(open.parts) });
      open = undefined;
    }
  }
  return out;
}

/** Base64 of `b` as it appears inside a longer encoded blob at each of the 3 byte alignments. */
function base64Forms(b: Buffer, url: boolean): Buffer[] {
  const enc = url ? 'base64url' : 'base64';
  return [0, 1, 2].map((k) => {
    const s = Buffer.concat([Buffer.alloc(k), b]).toString(enc);
    // the first ⌈4k/3⌉ characters mix in the padding bytes, the last 4 may end a partial group
    return Buffer.from(s.slice(Math.ceil((4 * k) / 3), s.length - 4));
  });
}

/** The encodings of `text` a careless client might send: UTF-8, UTF-16, hex, Base64, a fragment. */
export function leakForms(text: string): [string, Buffer][] {
  const b = Buffer.from(text, 'utf8');
  return [
    ['utf8', b],
    ['utf16le', Buffer.from(text, 'utf16le')],
    ['hex', Buffer.from(b.toString('hex'))],
    ['HEX', Buffer.from(b.toString('hex').toUpperCase())],
    ...base64Forms(b, false).map((f, k): [string, Buffer] => [`base64/${k}`, f]),
    ...base64Forms(b, true).map((f, k): [string, Buffer] => [`base64url/${k}`, f]),
    ['first 12 characters', Buffer.from(text.slice(0, 12), 'utf8')],
  ];
}

/**
 * Where any form of `text` occurs in one direction: the raw bytes, a frame's unmasked payload, a
 * message, or the messages joined. Each finding is "form in place" (e.g. "utf8 in message 2").
 */
export function findLeaks(raw: Buffer, stream: WsStream, text: string): string[] {
  const places: [string, Buffer][] = [
    ['the raw stream', raw],
    ...stream.frames.map((f, i): [string, Buffer] => [`frame ${i}`, f.payload]),
    ...stream.messages.map((m, i): [string, Buffer] => [`message ${i}`, m.payload]),
    ['the messages joined', Buffer.concat(stream.messages.map((m) => m.payload))],
  ];
  const found: string[] = [];
  for (const [form, needle] of leakForms(text))
    for (const [place, hay] of places) if (needle.length > 0 && hay.indexOf(needle) >= 0) found.push(`${form} in ${place}`);
  return found;
}

/**
 * One masked client frame (§5.2, §5.3) carrying `payload`, with the given opcode and FIN bit
 * and a random mask: what a client sends (for the parser's own tests).
 */
export function clientFrame(payload: Buffer, opcode: number, fin: boolean, mask: Buffer): Buffer {
  const len = payload.length;
  const head = len < 126 ? Buffer.from([0, 0x80 | len]) : len < 65536 ? Buffer.alloc(4) : Buffer.alloc(10);
  head[0] = (fin ? 0x80 : 0) | opcode;
  if (len >= 126 && len < 65536) {
    head[1] = 0x80 | 126;
    head.writeUInt16BE(len, 2);
  } else if (len >= 65536) {
    head[1] = 0x80 | 127;
    head.writeBigUInt64BE(BigInt(len), 2);
  }
  const body = Buffer.from(payload);
  for (let i = 0; i < body.length; i++) body[i]! ^= mask[i % 4]!;
  return Buffer.concat([head, mask, body]);
}
