/**
 * Checks of untrusted input for the hub — the identity a transport connects with and the fields
 * of client requests: own-property access, the rules for names, rooms and opaque base64 fields
 * (payloads, bundles), and quoting client input safely in error messages. Nothing here throws;
 * a bad argument is returned as the error code and message the client gets.
 */
import { base64DecodedLength, base64Length } from './base64.js';
import type { ChatErrorCode, ClientRequest } from './events.js';
import { DEFAULT_ROOM, NAME_RE } from './events.js';
import { FINGERPRINT_RE } from './names.js';
import { canonicalRoom } from './rooms.js';
import { MAX_IDENTITY_KEY_BYTES } from './sizes.js';

/** A decoded JSON object from a client: nothing about its fields is known yet. */
export type Fields = Record<string, unknown>;

/** A checked argument, or the error code and message to answer the request with. */
export type ArgResult<T> = { ok: true; value: T } | { ok: false; code: ChatErrorCode; message: string };

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

/**
 * The fields of a ConnectIdentity (`id` is already known to be an object): a valid name
 * (`invalid_name`), fingerprint and public key (canonical base64 of 1–MAX_IDENTITY_KEY_BYTES
 * bytes; else `protocol_error`), when given, room (`invalid_room`), and when given, source (a
 * string of 1–256 characters, else `internal_error`: the transport sets it, not the client);
 * the room defaults to DEFAULT_ROOM and is returned canonical, the source to UNKNOWN_SOURCE.
 */
export function parseIdentity(id: Fields): ArgResult<{ name: string; fingerprint: string; publicKey: string; room: string; source: string }> {
  const fail = (code: ChatErrorCode, message: string): ArgResult<never> => ({ ok: false, code, message });
  const name = field(id, 'name');
  const fingerprint = field(id, 'fingerprint');
  const publicKey = field(id, 'publicKey');
  const roomArg = field(id, 'room');
  const sourceArg = field(id, 'source');
  const source = sourceArg === undefined ? UNKNOWN_SOURCE : sourceArg;
  if (typeof name !== 'string' || !NAME_RE.test(name)) return fail('invalid_name', `invalid name ${quote(name)}: ${NAME_RULE}`);
  if (typeof fingerprint !== 'string' || !FINGERPRINT_RE.test(fingerprint)) return fail('protocol_error', 'invalid key fingerprint');
  const keyBytes = typeof publicKey === 'string' && publicKey.length <= base64Length(MAX_IDENTITY_KEY_BYTES) ? base64DecodedLength(publicKey) : undefined;
  if (keyBytes === undefined || keyBytes === 0) return fail('protocol_error', 'invalid identity key');
  if (typeof source !== 'string' || source.length === 0 || source.length > MAX_SOURCE_LENGTH) {
    return fail('internal_error', 'internal error: invalid connection source');
  }
  let room = DEFAULT_ROOM;
  if (roomArg !== undefined) {
    const r = canonicalRoom(roomArg);
    if (r === undefined) return fail('invalid_room', `invalid room ${quote(roomArg)}: ${ROOM_RULE}`);
    room = r;
  }
  return { ok: true, value: { name, fingerprint, publicKey: publicKey as string, room, source } };
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
 * The opaque base64 field `key` of the request `t` (an e2e payload, a bundle): canonical
 * standard base64 of 1 to `maxBytes` bytes. Missing or not a string, empty, or not canonical
 * base64 is `bad_command`; over `maxBytes` is `too_long` — told from the string's length alone,
 * before anything else is looked at, so an oversized field costs O(1). Never decoded.
 */
export function parseOpaqueArg(req: Fields, t: ClientRequest['t'], key: string, maxBytes: number): ArgResult<string> {
  const v = field(req, key);
  if (typeof v !== 'string') return { ok: false, code: 'bad_command', message: `${t} needs a ${key}: a base64 string` };
  if (v.length > base64Length(maxBytes)) return { ok: false, code: 'too_long', message: `${key} too long: at most ${maxBytes} bytes` };
  const n = base64DecodedLength(v);
  if (n === undefined || n === 0) {
    return { ok: false, code: 'bad_command', message: `${key} must be non-empty canonical base64 (RFC 4648 §4, with padding)` };
  }
  if (n > maxBytes) return { ok: false, code: 'too_long', message: `${key} too long: at most ${maxBytes} bytes` };
  return { ok: true, value: v };
}
