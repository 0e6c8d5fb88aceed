/**
 * The layout of an encrypted frame (type 0x10): type (1) | counter (u64 big-endian) |
 * AES-256-GCM ciphertext ‖ 16-byte tag; its nonce and associated data (docs/PROTOCOL.md §Frames).
 */
import { MessageType } from './constants.js';
import { messageTypeName } from './envelope.js';
import { protocolError } from './errors.js';
import { AEAD_NONCE_LENGTH, FRAME_HEADER_LENGTH, MIN_FRAME_LENGTH } from './limits.js';

/**
 * Writes `counter` (0 ≤ counter < 2^64) as a big-endian u64 at `out[offset..offset+8)`, byte by
 * byte: no DataView, which would move a small array's bytes off the V8 heap on every frame.
 */
function writeU64(out: Uint8Array, offset: number, counter: bigint): void {
  let hi = 0;
  let lo: number;
  if (counter <= 0xffffffffn) lo = Number(counter);
  else {
    hi = Number((counter >> 32n) & 0xffffffffn);
    lo = Number(counter & 0xffffffffn);
  }
  out[offset] = hi >>> 24;
  out[offset + 1] = (hi >>> 16) & 0xff;
  out[offset + 2] = (hi >>> 8) & 0xff;
  out[offset + 3] = hi & 0xff;
  out[offset + 4] = lo >>> 24;
  out[offset + 5] = (lo >>> 16) & 0xff;
  out[offset + 6] = (lo >>> 8) & 0xff;
  out[offset + 7] = lo & 0xff;
}

/**
 * Writes the 9-byte header of the frame with `counter` (0x10 ‖ u64 big-endian counter) into
 * `out[0..9)` and returns `out`. Never throws for 0 ≤ counter < 2^64 and `out` of ≥ 9 bytes.
 */
export function writeFrameHeader(out: Uint8Array, counter: bigint): Uint8Array {
  out[0] = MessageType.Frame;
  writeU64(out, 1, counter);
  return out;
}

/** The 9-byte header of the frame with `counter`: 0x10 ‖ u64 big-endian counter. It is the AEAD's associated data. Never throws for 0 ≤ counter < 2^64. */
export function frameHeader(counter: bigint): Uint8Array {
  return writeFrameHeader(new Uint8Array(FRAME_HEADER_LENGTH), counter);
}

/**
 * The GCM nonce of the frame with `counter`: the direction's 12-byte static IV XOR the counter
 * left-padded with 4 zero bytes (RFC 8446 §5.3). Never throws for a 12-byte IV.
 */
export function frameNonce(iv: Uint8Array, counter: bigint): Uint8Array {
  const n = new Uint8Array(AEAD_NONCE_LENGTH);
  writeU64(n, 4, counter);
  for (let i = 0; i < AEAD_NONCE_LENGTH; i++) n[i]! ^= iv[i]!;
  return n;
}

/** A frame split into its header, counter and ciphertext ‖ tag (views into the input). */
export interface FrameParts {
  header: Uint8Array;
  counter: bigint;
  sealed: Uint8Array;
}

/**
 * Splits a received frame. Throws ProtocolError 'malformed' when it is not a Uint8Array or is
 * shorter than MIN_FRAME_LENGTH, 'too_large' above `maxLength`, and 'unexpected_message' when
 * byte 0 is not 0x10 (a plaintext message such as Error is never accepted after the handshake).
 */
export function splitFrame(frame: Uint8Array, maxLength: number): FrameParts {
  if (!(frame instanceof Uint8Array)) throw protocolError('malformed', 'frame must be binary');
  if (frame.length > maxLength) throw protocolError('too_large', `frame of ${frame.length} bytes exceeds the ${maxLength}-byte limit`);
  if (frame.length === 0) throw protocolError('malformed', 'empty frame');
  if (frame[0] !== MessageType.Frame) throw protocolError('unexpected_message', `expected an encrypted frame, got ${messageTypeName(frame[0]!)}`);
  if (frame.length < MIN_FRAME_LENGTH) throw protocolError('malformed', `frame of ${frame.length} bytes is shorter than the ${MIN_FRAME_LENGTH}-byte minimum`);
  const header = frame.subarray(0, FRAME_HEADER_LENGTH);
  const counter = new DataView(frame.buffer, frame.byteOffset, FRAME_HEADER_LENGTH).getBigUint64(1, false);
  return { header, counter, sealed: frame.subarray(FRAME_HEADER_LENGTH) };
}
