/**
 * The shape check of every event a client receives (docs/PROTOCOL.md §ServerEvent), where it
 * enters: after a frame was opened and unbatched, before anything shows or acts on it. A frame
 * is authenticated, but the server behind it need not be honest; the clients' display code may
 * then rely on each field having its type (a string is sanitized, a number printed as one), so
 * that a hostile server cannot slip a control sequence in through a field the display assumed
 * to be a number, nor make it throw.
 *
 * An event of a type this client does not know passes unchanged (a newer server); a known type
 * with a field of the wrong type is a protocol error (`malformed`), like a frame that is not JSON.
 */
import type { ChatEvent } from '../chat/events.js';
import { ProtocolError } from '../protocol/errors.js';
import { ERROR_CODE_RE } from '../protocol/limits.js';

type Kind = 'string' | 'number' | 'boolean' | 'strings' | 'stringMap' | 'limits' | 'roomList' | 'bundleList' | 'code';
/** A field's kind; a trailing `?` makes it optional (absent or null, or present with that kind). */
type Spec = Record<string, Kind | `${Kind}?`>;

/** The fields of each known event type (src/chat/events.ts is normative). */
const SPECS: Record<string, Spec> = {
  ready: { name: 'string', fingerprint: 'string', serverFingerprint: 'string', rooms: 'strings', limits: 'limits', maxFrameLength: 'number?' },
  join: { room: 'string', name: 'string', members: 'number', ts: 'number', fingerprint: 'string' },
  leave: { room: 'string', name: 'string', members: 'number', ts: 'number', reason: 'string?' },
  rooms: { rooms: 'roomList' },
  who: { room: 'string', members: 'strings', fingerprints: 'stringMap' },
  whois: { name: 'string', fingerprint: 'string', online: 'boolean', rooms: 'strings' },
  system: { message: 'string', ts: 'number' },
  error: { code: 'code', message: 'string', retryAfterMs: 'number?', command: 'string?', ref: 'string?' },
  pong: {},
  bundles: { bundles: 'bundleList', unknown: 'strings', more: 'boolean' },
  e2e_room: { id: 'string', from: 'string', fromFingerprint: 'string', room: 'string', ts: 'number', payload: 'string', ref: 'string?' },
  e2e_to: { id: 'string', from: 'string', fromFingerprint: 'string', to: 'string', kind: 'string', ts: 'number', payload: 'string', ref: 'string?' },
  // the protocol's own event (docs/PROTOCOL.md §Session resumption): ChatConnection keeps it, no front end sees it
  ticket: { ticket: 'string', lifetimeMs: 'number' },
};

/**
 * Types only the client itself makes, never a server: protocol 2 carries messages end-to-end
 * encrypted (e2e_room, e2e_to), and the client's E2E layer alone makes `message` and `direct`
 * after checking a signature — a server that sends one (plaintext in someone's name, or a
 * forged key warning) commits a protocol error.
 */
export const CLIENT_ONLY_TYPES: ReadonlySet<string> = new Set(['message', 'direct', 'peer_new', 'peer_key_changed', 'e2e_bundle_rejected', 'e2e_withheld', 'status', 'info']);

const LIMITS: Spec = {
  maxMessageLength: 'number',
  messagesPerSecond: 'number',
  burst: 'number',
  commandsPerSecond: 'number?',
  commandBurst: 'number?',
  maxRoomsPerUser: 'number?',
  keysPerSecond: 'number?',
  keysBurst: 'number?',
  maxPayloadBytes: 'number?',
  maxKeysPayloadBytes: 'number?',
  maxBundleBytes: 'number?',
  maxBundleGet: 'number?',
};
const ROOM_ENTRY: Spec = { room: 'string', members: 'number' };
const BUNDLE_ENTRY: Spec = { name: 'string', key: 'string', fingerprint: 'string', bundle: 'string?' };

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function fits(kind: Kind, v: unknown): boolean {
  switch (kind) {
    case 'string':
      return typeof v === 'string';
    case 'number':
      return typeof v === 'number' && Number.isFinite(v);
    case 'boolean':
      return typeof v === 'boolean';
    case 'strings':
      return Array.isArray(v) && v.every((x) => typeof x === 'string');
    case 'code':
      return typeof v === 'string' && ERROR_CODE_RE.test(v);
    case 'limits':
      return matches(LIMITS, v);
    case 'stringMap':
      return isObject(v) && Object.values(v).every((x) => typeof x === 'string');
    case 'roomList':
      return Array.isArray(v) && v.every((x) => matches(ROOM_ENTRY, x));
    case 'bundleList':
      return Array.isArray(v) && v.every((x) => matches(BUNDLE_ENTRY, x));
  }
}

function matches(spec: Spec, v: unknown): boolean {
  if (!isObject(v)) return false;
  for (const [key, want] of Object.entries(spec)) {
    const optional = want.endsWith('?');
    const kind = (optional ? want.slice(0, -1) : want) as Kind;
    const has = Object.hasOwn(v, key) && v[key] !== undefined && v[key] !== null;
    if (!has) {
      if (optional) continue;
      return false;
    }
    if (!fits(kind, v[key])) return false;
  }
  return true;
}

/**
 * Returns `v` as a ServerEvent when its fields have the types its `type` requires (an unknown
 * type only needs `type` to be a string). Throws ProtocolError 'malformed' otherwise, naming
 * the type but quoting nothing the server sent beyond it.
 */
export function checkServerEvent(v: unknown): ChatEvent {
  if (!isObject(v) || typeof v.type !== 'string') throw new ProtocolError('malformed', 'the server sent an event without a type');
  if (CLIENT_ONLY_TYPES.has(v.type)) throw new ProtocolError('malformed', `the server sent a '${v.type}' event, which only this client makes (messages arrive end-to-end encrypted): it was refused`);
  const spec = Object.hasOwn(SPECS, v.type) ? SPECS[v.type] : undefined;
  if (spec && !matches(spec, v)) {
    const type = /^[a-z0-9_]{1,16}$/.test(v.type) ? v.type : '?';
    throw new ProtocolError('malformed', `the server sent a '${type}' event with a missing or mistyped field`);
  }
  return v as ChatEvent;
}
