/**
 * An established session: one object per side holding both directions' AES-256-GCM keys, IVs
 * and counters. seal() turns an application message into the next frame; open() checks and
 * decrypts the peer's next frame (docs/PROTOCOL.md §Frames).
 */
import type { ProtocolCrypto } from './crypto.js';
import { isProtocolError, protocolError, wrapErrors, type ProtocolError } from './errors.js';
import { frameNonce, splitFrame, writeFrameHeader } from './frame.js';
import type { DirectionKeys, SessionKeys } from './key-schedule.js';
import {
  AEAD_KEY_LENGTH, AEAD_NONCE_LENGTH, AEAD_TAG_LENGTH, DEFAULT_MAX_FRAME_LENGTH, FRAME_HEADER_LENGTH,
  MAX_FRAMES_PER_DIRECTION, MAX_MAX_FRAME_LENGTH, MIN_MAX_FRAME_LENGTH,
} from './limits.js';

/** Options of the Session constructor (normally called by ClientHandshake / ServerHandshake). */
export interface SessionOptions {
  /** Which side this object is: it sends with that side's key and receives with the other's. */
  role: 'client' | 'server';
  keys: SessionKeys;
  transcriptHash: Uint8Array;
  crypto: ProtocolCrypto;
  /** Largest whole frame accepted or produced, in bytes; default DEFAULT_MAX_FRAME_LENGTH (65536). */
  maxFrameLength?: number;
}

const MAX_FRAMES = BigInt(MAX_FRAMES_PER_DIRECTION);

/**
 * Checks a maxFrameLength option and returns it (or the default).
 * Throws ProtocolError 'malformed' unless it is an integer in [MIN_MAX_FRAME_LENGTH, MAX_MAX_FRAME_LENGTH].
 */
export function checkMaxFrameLength(v: number | undefined): number {
  const n = v ?? DEFAULT_MAX_FRAME_LENGTH;
  if (!Number.isInteger(n) || n < MIN_MAX_FRAME_LENGTH || n > MAX_MAX_FRAME_LENGTH)
    throw protocolError('malformed', `maxFrameLength must be an integer in [${MIN_MAX_FRAME_LENGTH}, ${MAX_MAX_FRAME_LENGTH}]`);
  return n;
}

/** Bytes of one direction's secrets in a session's key material: key ‖ IV. */
const DIRECTION_BYTES = AEAD_KEY_LENGTH + AEAD_NONCE_LENGTH;

/** Where each direction's key ‖ IV starts in a session's key material (after the transcript hash). */
const C2S_AT = 32;
const S2C_AT = 32 + DIRECTION_BYTES;

/** Copies `d`'s key and IV into `material` at `offset`; throws ProtocolError 'malformed' for wrong lengths. */
function putDirection(d: DirectionKeys, material: Uint8Array, offset: number): void {
  if (!(d?.key instanceof Uint8Array) || d.key.length !== AEAD_KEY_LENGTH || !(d.iv instanceof Uint8Array) || d.iv.length !== AEAD_NONCE_LENGTH)
    throw protocolError('malformed', 'session keys must be 32-byte keys and 12-byte IVs');
  material.set(d.key, offset);
  material.set(d.iv, offset + AEAD_KEY_LENGTH);
}

const isJsonObject = (v: unknown): v is object => typeof v === 'object' && v !== null && !Array.isArray(v);

// one encoder and one decoder for every session: both are stateless between calls (no streaming)
const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

// Frames are carved out of shared 64 KiB slabs (as Node's Buffer pool does): one allocation of
// memory outside the JS heap per slab instead of one per frame. Each frame gets its own,
// never reused, zeroed region; `frame.buffer` is the slab, so use byteOffset/byteLength with it.
const SLAB_SIZE = 64 * 1024;
const SLAB_MAX_FRAME = 4096;
let slab = new Uint8Array(0);
let slabUsed = 0;

function allocFrame(n: number): Uint8Array {
  if (n > SLAB_MAX_FRAME) return new Uint8Array(n);
  if (slabUsed + n > slab.length) {
    slab = new Uint8Array(SLAB_SIZE);
    slabUsed = 0;
  }
  const frame = slab.subarray(slabUsed, slabUsed + n);
  slabUsed += (n + 7) & ~7; // keep each frame 8-byte aligned
  return frame;
}

/**
 * The plaintext of a frame: the UTF-8 JSON text of `message`, which must be a JSON object
 * (docs/PROTOCOL.md §Frames). Session.seal() uses it; a sender of one message to many sessions
 * may call it once and pass the result to each Session.sealEncoded(). Throws ProtocolError
 * 'malformed' when `message` is not a JSON-serialisable object.
 */
export function encodeMessage(message: unknown): Uint8Array {
  let text: string | undefined;
  try {
    text = isJsonObject(message) ? JSON.stringify(message) : undefined;
  } catch (e) {
    throw protocolError('malformed', 'message is not JSON-serialisable', e);
  }
  if (typeof text !== 'string' || !text.startsWith('{')) throw protocolError('malformed', 'message must be a JSON object');
  return utf8Encoder.encode(text);
}

/** One side of an established session. Throws only ProtocolError. */
export class Session {
  /** Which side this object is. */
  readonly role: 'client' | 'server';
  /** Largest whole frame accepted or produced, in bytes. */
  readonly maxFrameLength: number;
  /** transcript hash ‖ client→server key ‖ IV ‖ server→client key ‖ IV: the session's own copies, in one allocation. */
  readonly #material: Uint8Array;
  readonly #crypto: ProtocolCrypto;
  /** The counter of the next frame to send, and the only counter the next received frame may have. */
  #sendNext = 0n;
  #recvNext = 0n;
  #recvFailure: ProtocolError | undefined;

  /**
   * Builds a session from derived keys; the handshake classes do this for you. Throws
   * ProtocolError 'malformed' for keys or IVs of the wrong length, an unknown role or a bad
   * maxFrameLength.
   */
  constructor(opts: SessionOptions) {
    if (opts.role !== 'client' && opts.role !== 'server') throw protocolError('malformed', "role must be 'client' or 'server'");
    this.role = opts.role;
    this.maxFrameLength = checkMaxFrameLength(opts.maxFrameLength);
    this.#crypto = opts.crypto;
    if (!(opts.transcriptHash instanceof Uint8Array) || opts.transcriptHash.length !== 32) throw protocolError('malformed', 'transcriptHash must be 32 bytes');
    // one allocation for all, and no views kept on it: a server keeps thousands of sessions
    const material = (this.#material = new Uint8Array(32 + 2 * DIRECTION_BYTES));
    material.set(opts.transcriptHash, 0);
    putDirection(opts.keys.clientToServer, material, C2S_AT);
    putDirection(opts.keys.serverToClient, material, S2C_AT);
  }

  /** SHA-256(ClientHello ‖ ServerHello ‖ ClientFinish), the same on both sides: for channel binding (a copy). */
  get transcriptHash(): Uint8Array {
    return this.#material.slice(0, 32);
  }

  /** Frames sealed so far (= the counter of the next one). */
  get framesSent(): number {
    return Number(this.#sendNext);
  }

  /** Frames opened successfully so far (= the counter the next one must carry). */
  get framesReceived(): number {
    return Number(this.#recvNext);
  }

  /**
   * JSON-encodes `message` (a ClientRequest from the client, a ServerEvent from the server)
   * and encrypts it as the next frame. Throws ProtocolError 'malformed' when `message` is not
   * a JSON-serialisable object, and 'too_large' when the frame would exceed maxFrameLength or
   * this direction has sent MAX_FRAMES_PER_DIRECTION frames (the counter is not used up then).
   */
  seal(message: unknown): Uint8Array {
    return this.sealEncoded(encodeMessage(message));
  }

  /**
   * Encrypts an already encoded message as the next frame: `plaintext` must be what
   * encodeMessage() returned (the UTF-8 JSON text of one object), so that a server fanning one
   * event out to many sessions encodes it once. The bytes are not re-checked. Throws
   * ProtocolError 'too_large' as seal() does.
   */
  sealEncoded(plaintext: Uint8Array): Uint8Array {
    const length = FRAME_HEADER_LENGTH + plaintext.length + AEAD_TAG_LENGTH;
    if (length > this.maxFrameLength) throw protocolError('too_large', `message makes a ${length}-byte frame, over the ${this.maxFrameLength}-byte limit`);
    const next = this.#sendNext;
    // RFC 8446 §5.5: stop before a key has protected too much
    if (next >= MAX_FRAMES) throw protocolError('too_large', 'this session has sent its frame limit; reconnect for fresh keys');
    const frame = allocFrame(length);
    const header = writeFrameHeader(frame.subarray(0, FRAME_HEADER_LENGTH), next);
    // RFC 8446 §5.3 per-frame nonce; §5.2 the header as associated data; SP 800-38D GCM
    const sealed = wrapErrors('decrypt_failed', 'AES-GCM encryption failed', () => this.#crypto.aeadSeal(this.#key(this.#sendAt), this.#nonce(this.#sendAt, next), plaintext, header));
    if (sealed.length !== length - FRAME_HEADER_LENGTH) throw protocolError('decrypt_failed', 'AES-GCM encryption returned a wrong length');
    this.#sendNext = next + 1n;
    frame.set(sealed, FRAME_HEADER_LENGTH);
    return frame;
  }

  /**
   * Authenticates and decrypts the peer's next frame and returns the parsed JSON object. The
   * frame must carry exactly the next counter. Throws ProtocolError: 'too_large' (over
   * maxFrameLength, or the direction's frame limit reached), 'malformed' (too short, or the
   * plaintext is not UTF-8 JSON of an object), 'unexpected_message' (not type 0x10),
   * 'decrypt_failed' (does not authenticate: altered, reflected, or from another session),
   * 'replay' (authentic but its counter is below the next expected: seen before) and
   * 'out_of_order' (authentic but above: an earlier frame was dropped or reordered). Every
   * failure is fatal: afterwards open() throws the same code again, and the caller must close
   * the connection (seal() keeps working so that an error can still be sent).
   */
  open(frame: Uint8Array): unknown {
    if (this.#recvFailure) throw protocolError(this.#recvFailure.code, `session receive side already failed: ${this.#recvFailure.message}`);
    try {
      return this.#open(frame);
    } catch (e) {
      const err = isProtocolError(e) ? e : protocolError('decrypt_failed', 'frame processing failed', e);
      this.#recvFailure = err;
      throw err;
    }
  }

  /** Offset of the sending direction's key ‖ IV in #material (a client sends client→server). */
  get #sendAt(): number {
    return this.role === 'client' ? C2S_AT : S2C_AT;
  }

  /** Offset of the receiving direction's key ‖ IV in #material. */
  get #recvAt(): number {
    return this.role === 'client' ? S2C_AT : C2S_AT;
  }

  /** The AES key of the direction at `at` (a view into #material, made per frame). */
  #key(at: number): Uint8Array {
    return this.#material.subarray(at, at + AEAD_KEY_LENGTH);
  }

  /** The GCM nonce of frame `counter` in the direction at `at`. */
  #nonce(at: number, counter: bigint): Uint8Array {
    return frameNonce(this.#material.subarray(at + AEAD_KEY_LENGTH, at + DIRECTION_BYTES), counter);
  }

  #open(frame: Uint8Array): unknown {
    const { header, counter, sealed } = splitFrame(frame, this.maxFrameLength);
    const next = this.#recvNext;
    if (next >= MAX_FRAMES) throw protocolError('too_large', 'this session has received its frame limit; reconnect for fresh keys');
    // authenticate under the counter the frame claims (SP 800-38D §7.2), so that 'replay' and
    // 'out_of_order' are only ever reported for genuine frames of this direction
    const plaintext = this.#crypto.aeadOpen(this.#key(this.#recvAt), this.#nonce(this.#recvAt, counter), sealed, header);
    if (counter < next) throw protocolError('replay', `frame ${counter} replayed (expected ${next})`);
    if (counter > next) throw protocolError('out_of_order', `frame ${counter} arrived out of order (expected ${next})`);
    this.#recvNext = next + 1n;
    let value: unknown;
    try {
      value = JSON.parse(utf8Decoder.decode(plaintext));
    } catch (e) {
      throw protocolError('malformed', 'frame plaintext is not UTF-8 JSON', e);
    }
    if (!isJsonObject(value)) throw protocolError('malformed', 'frame plaintext is not a JSON object');
    return value;
  }
}
