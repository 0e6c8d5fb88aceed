/**
 * Checks of untrusted input for the hub — the identity a transport connects with and the fields
 * of client requests: own-property access, the rules for names, rooms and message bodies, and
 * quoting client input safely in error messages. Nothing here throws; a bad argument is returned
 * as the error code and message the client gets.
 */
import { createHash } from 'node:crypto';
import type { ChatErrorCode, ClientRequest, MessageBody } from './events.js';
import { DEFAULT_ROOM, NAME_RE } from './events.js';
import { FINGERPRINT_RE } from './names.js';
import { canonicalRoom } from './rooms.js';

/** A decoded JSON object from a client: nothing about its fields is known yet. */
export type Fields = Record<string, unknown>;

/** A checked argument, or the error code and message to answer the request with. */
export type ArgResult<T> = { ok: true; value: T } | { ok: false; code: ChatErrorCode; message: string };

export const SHA256_HEX_RE = /^[0-9a-f]{64}$/;
/** C0 controls except tab and newline, DEL, C1 controls (CSI 0x9b …): terminal escape injection. */
export const CONTROL_RE = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/;
/** A lone UTF-16 surrogate: not text; its UTF-8 (and so its hash) would be ill-defined. */
export const LONE_SURROGATE_RE = /\p{Cs}/u;
export const NAME_RULE = 'names are 1–32 characters of A–Z a–z 0–9 _ . -';
export const ROOM_RULE = 'room names are 1–32 characters of A–Z a–z 0–9 _ . -';
/** The source of a connection that did not say where it comes from: all such share one budget of new names. */
export const UNKNOWN_SOURCE = 'unknown';
/** Longest ConnectIdentity.source accepted. */
export const MAX_SOURCE_LENGTH = 256;

/** True for a plain object (not null, not an array). Never throws. */
export function isObject(v: unknown): v is Fields {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** An own property only: never `toString`, `__proto__` or anything inherited. */
export function field(obj: Fields, key: string): unknown {
  return Object.hasOwn(obj, key) ? obj[key] : undefined;
}

/** Characters JSON.stringify leaves alone that a terminal would act on: DEL, C1 controls, bidi controls. */
const UNSAFE_IN_QUOTE_RE = /[\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** For messages that quote client input: at most 32 characters, JSON-quoted, every control character escaped. */
export function quote(v: unknown): string {
  if (typeof v !== 'string') return v === null ? 'null' : Array.isArray(v) ? 'an array' : `a ${typeof v}`;
  return JSON.stringify(v.length > 32 ? v.slice(0, 32) + '…' : v).replace(
    UNSAFE_IN_QUOTE_RE,
    (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'),
  );
}

/** Code points in `s`, counting no further than `limit + 1`. */
export function codePointsUpTo(s: string, limit: number): number {
  let n = 0;
  for (let i = 0; i < s.length && n <= limit; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    n++;
  }
  return n;
}

/**
 * The fields of a ConnectIdentity (`id` is already known to be an object): a valid name
 * (`invalid_name`), fingerprint (`protocol_error`), when given, room (`invalid_room`), and
 * when given, source (a string of 1–256 characters, else `internal_error`: the transport sets
 * it, not the client); the room defaults to DEFAULT_ROOM and is returned canonical, the source
 * to UNKNOWN_SOURCE.
 */
export function parseIdentity(id: Fields): ArgResult<{ name: string; fingerprint: string; room: string; source: string }> {
  const fail = (code: ChatErrorCode, message: string): ArgResult<never> => ({ ok: false, code, message });
  const name = field(id, 'name');
  const fingerprint = field(id, 'fingerprint');
  const roomArg = field(id, 'room');
  const sourceArg = field(id, 'source');
  const source = sourceArg === undefined ? UNKNOWN_SOURCE : sourceArg;
  if (typeof name !== 'string' || !NAME_RE.test(name)) return fail('invalid_name', `invalid name ${quote(name)}: ${NAME_RULE}`);
  if (typeof fingerprint !== 'string' || !FINGERPRINT_RE.test(fingerprint)) return fail('protocol_error', 'invalid key fingerprint');
  if (typeof source !== 'string' || source.length === 0 || source.length > MAX_SOURCE_LENGTH) {
    return fail('internal_error', 'internal error: invalid connection source');
  }
  let room = DEFAULT_ROOM;
  if (roomArg !== undefined) {
    const r = canonicalRoom(roomArg);
    if (r === undefined) return fail('invalid_room', `invalid room ${quote(roomArg)}: ${ROOM_RULE}`);
    room = r;
  }
  return { ok: true, value: { name, fingerprint, room, source } };
}

/** The canonical room named by the request `t`'s `room` field, or `bad_command` (missing) / `invalid_room`. */
export function parseRoomArg(req: Fields, t: ClientRequest['t']): ArgResult<string> {
  const raw = field(req, 'room');
  const room = canonicalRoom(raw);
  if (room === undefined) {
    if (raw === undefined) return { ok: false, code: 'bad_command', message: `${t} needs a room` };
    return { ok: false, code: 'invalid_room', message: `invalid room ${quote(raw)}: ${ROOM_RULE}` };
  }
  return { ok: true, value: room };
}

/**
 * A message body: `text` (non-empty after trimming, at most maxMessageLength code points, no
 * control characters but tab and newline, no lone surrogates), `sha256` (64 lower-case hex
 * digits, as the sender computed it) and an optional boolean `action`. The result holds exactly
 * these fields (unknown ones are dropped; `action` only when true) and is frozen.
 * A bad body is `bad_command`, or `too_long` for text over `maxMessageLength`, or
 * `hash_mismatch` when `sha256` is not the SHA-256 of the UTF-8 of `text`: such a body is
 * corrupt or its client broken, and relaying it would only make every receiver show a mismatch
 * (docs/PROTOCOL.md §MessageBody). The hub checks but never rewrites the hash, so the receivers'
 * own check still covers the path from the server to them.
 */
export function parseBodyArg(req: Fields, t: ClientRequest['t'], maxMessageLength: number): ArgResult<MessageBody> {
  const fail = (code: ChatErrorCode, message: string): ArgResult<never> => ({ ok: false, code, message });
  const body = field(req, 'body');
  if (!isObject(body)) return fail('bad_command', `${t} needs a body object {text, sha256}`);
  const text = field(body, 'text');
  const sha256 = field(body, 'sha256');
  const action = field(body, 'action');
  if (typeof text !== 'string') return fail('bad_command', 'body.text must be a string');
  if (typeof sha256 !== 'string' || !SHA256_HEX_RE.test(sha256)) {
    return fail('bad_command', 'body.sha256 must be 64 lower-case hex digits (SHA-256 of the UTF-8 text)');
  }
  if (action !== undefined && typeof action !== 'boolean') return fail('bad_command', 'body.action must be a boolean');
  const max = maxMessageLength;
  if (text.length > max && (text.length > 2 * max || codePointsUpTo(text, max) > max)) {
    return fail('too_long', `message too long: at most ${max} characters`);
  }
  if (text.trim().length === 0) return fail('bad_command', 'empty message');
  if (CONTROL_RE.test(text)) return fail('bad_command', 'message contains control characters (only tab and newline are allowed)');
  if (LONE_SURROGATE_RE.test(text)) return fail('bad_command', 'message is not valid Unicode text (lone surrogate)');
  if (createHash('sha256').update(text, 'utf8').digest('hex') !== sha256) {
    return fail('hash_mismatch', 'body.sha256 is not the SHA-256 of the UTF-8 text: the message was damaged or your client is broken; it was not sent');
  }
  return { ok: true, value: Object.freeze(action === true ? { text, sha256, action: true } : { text, sha256 }) };
}
