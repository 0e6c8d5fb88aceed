/**
 * Fan-out helpers of the server: the encoded plaintext of an event, reused across a fan-out;
 * `batch` plaintexts (docs/PROTOCOL.md §Batches) built from already encoded events; and one
 * flush per turn of the event loop for every connection that has events waiting.
 */
import type { ServerEvent } from '../chat/events.js';
import { encodeMessage } from '../protocol/session.js';
import { AEAD_TAG_LENGTH, FRAME_HEADER_LENGTH } from '../protocol/limits.js';

let lastEvent: ServerEvent | undefined;
let lastPlaintext: Uint8Array | undefined;

/**
 * The frame plaintext of `event`, encoded once per fan-out: the hub hands the same frozen event
 * object to every member's sink in turn (and freezes the message body it contains), so the last
 * frozen event's encoding is remembered and reused while the same object keeps coming. An
 * unfrozen event is encoded every time. Throws ProtocolError 'malformed' as encodeMessage does.
 */
export function plaintextOf(event: ServerEvent): Uint8Array {
  if (event === lastEvent) return lastPlaintext!;
  const plaintext = encodeMessage(event);
  if (Object.isFrozen(event)) {
    lastEvent = event;
    lastPlaintext = plaintext;
  } else lastEvent = lastPlaintext = undefined;
  return plaintext;
}

/** Frame header and GCM tag around a frame's plaintext. */
export const FRAME_OVERHEAD = FRAME_HEADER_LENGTH + AEAD_TAG_LENGTH;
const BATCH_PREFIX = new TextEncoder().encode('{"type":"batch","events":[');
const BATCH_SUFFIX = new TextEncoder().encode(']}');
/** Bytes a batch adds around its events (not counting the commas between them). */
export const BATCH_OVERHEAD = BATCH_PREFIX.length + BATCH_SUFFIX.length;

/**
 * One scratch buffer for batch plaintexts: a plaintext lives only until it is sealed (the seal
 * copies it into the frame), so batches reuse this memory instead of allocating their own.
 */
let scratch = new Uint8Array(16 * 1024);

/**
 * `{"type":"batch","events":[e_i,…,e_(j-1)]}` from already encoded events (`size`: their bytes
 * plus commas), in a shared scratch buffer: valid until the next call. Throws nothing.
 */
export function batchPlaintext(events: Uint8Array[], i: number, j: number, size: number): Uint8Array {
  if (scratch.length < BATCH_OVERHEAD + size) scratch = new Uint8Array(Math.max(BATCH_OVERHEAD + size, scratch.length * 2));
  const out = scratch.subarray(0, BATCH_OVERHEAD + size);
  out.set(BATCH_PREFIX, 0);
  let o = BATCH_PREFIX.length;
  for (let k = i; k < j; k++) {
    if (k > i) out[o++] = 0x2c; // ','
    out.set(events[k]!, o);
    o += events[k]!.length;
  }
  out.set(BATCH_SUFFIX, o);
  return out;
}

/** What flushWhenIdle() needs of a connection. */
export interface Flushable {
  /** Sends what is waiting; may throw (then onFlushError is called). */
  flush(): void;
  /** flush() threw `error`: the connection should be failed, the server must not crash. */
  onFlushError(error: Error): void;
}

const toFlush = new Set<Flushable>();
let flushScheduled = false;

function flushAll(): void {
  flushScheduled = false;
  const conns = [...toFlush];
  toFlush.clear();
  for (const c of conns) {
    try {
      c.flush();
    } catch (e) {
      c.onFlushError(e as Error);
    }
  }
}

/**
 * Flushes `conn` once the event loop has handled the I/O at hand (setImmediate runs right after
 * the poll phase): every event for one client in the meantime — several fan-outs when several
 * requests arrived together — leaves in one frame and one write. Throws nothing.
 */
export function flushWhenIdle(conn: Flushable): void {
  toFlush.add(conn);
  if (!flushScheduled) {
    flushScheduled = true;
    setImmediate(flushAll);
  }
}
