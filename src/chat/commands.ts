/**
 * The hub's command registry: the handler of each client request (join, leave, rooms, who,
 * whois, ping, and the end-to-end ones of e2e-commands.ts) and which token bucket it draws
 * from. Handlers reach the hub only through CommandHost; the hub has already rate-limited the
 * request and checked that it is an object with a known `t` before a handler runs.
 */
import type { BundleDirectory } from './bundles.js';
import { bundleGet, bundlePut, e2eRoom, e2eTo, e2eToBucket } from './e2e-commands.js';
import type { ChatErrorCode, ClientRequest, ServerEvent } from './events.js';
import { NAME_RE } from './events.js';
import type { MemberImpl } from './member.js';
import { nameKey, type AsyncNameRegistry, type NameRecord, type NameRegistry } from './names.js';
import type { ChatOptions } from './options.js';
import type { Room, RoomTable } from './rooms.js';
import { field, NAME_RULE, parseRoomArg, quote, type Fields } from './validate.js';

/** Which token bucket a request draws from: messages (e2e_room, e2e_to dm), key distributions (e2e_to keys), or everything else. */
export type RequestKind = 'message' | 'keys' | 'command';

type Handler = (m: MemberImpl, req: Fields, t: ClientRequest['t']) => void;

/** One entry of the registry: its bucket and its handler. */
export interface Command {
  kind: RequestKind;
  /** The bucket of a particular request, when it depends on its fields (`kind` is the answer otherwise). */
  bucketOf?: (req: Fields) => RequestKind;
  run: Handler;
}

/**
 * Requests of protocol 1 that protocol 2 does not have, with what replaced them: a client that
 * still sends them gets `unknown_command` saying so. (A protocol-1 client never gets this far:
 * the server refuses it after the handshake, with `unsupported_version`.)
 */
export const REMOVED_REQUESTS: ReadonlyMap<string, string> = new Map([
  ['say', 'room messages are end-to-end encrypted in protocol 2 (e2e_room): please upgrade Parley'],
  ['dm', 'direct messages are end-to-end encrypted in protocol 2 (e2e_to): please upgrade Parley'],
]);

/** What the hub offers the command handlers: its state, its clock and its ways of answering. */
export interface CommandHost {
  readonly options: Readonly<ChatOptions>;
  readonly names: NameRegistry | AsyncNameRegistry;
  readonly rooms: RoomTable<MemberImpl>;
  readonly bundles: BundleDirectory;
  /** The hub clock (ms). */
  now(): number;
  /** The connected member whose nameKey is `key`, if any. */
  online(key: string): MemberImpl | undefined;
  /** A new message id. */
  nextId(): string;
  send(m: MemberImpl, event: ServerEvent): void;
  /** `event` to its own sender `m`, with the `ref` of the request being handled when it has a valid one. */
  echo(m: MemberImpl, event: ServerEvent): void;
  /** One event to every member of `room`. */
  broadcast(room: Room<MemberImpl>, event: ServerEvent): void;
  /** An `error` event to `m` about the request being handled. */
  error(m: MemberImpl, code: ChatErrorCode, message: string, command?: ClientRequest['t']): void;
  /** Whether `room` may be created now (DEFAULT_ROOM always may). */
  canCreateRoom(room: string): boolean;
  /** Adds `m` to `room` (created if need be) with a join notice to the room. */
  enterRoom(m: MemberImpl, room: string): void;
  /** Counts one accepted room message, direct message or key distribution in the hub's stats. */
  count(what: 'messages' | 'directs' | 'keys'): void;
  /**
   * Continues a request after a registry answer that may be a promise (an async registry):
   * `ok(value)` or `fail()` later, only while `m` is connected, with the request's ref. Synchronous
   * values continue at once.
   */
  defer<T>(m: MemberImpl, p: T | Promise<T>, ok: (v: T) => void, fail: () => void): void;
  /** `m` left `room` (after the command removed it): the other nodes of a cluster are told. */
  left(m: MemberImpl, room: string): void;
  /** A room message of `sender`: to this node's members of `room` and, in a cluster, to the other nodes'. */
  relay(room: Room<MemberImpl>, event: ServerEvent & { type: 'e2e_room' }, sender: MemberImpl): void;
  /** `m` published `bundle` (stored already): the other nodes of a cluster are told. */
  bundlePublished(m: MemberImpl, bundle: string): void;
}

/** The registry by request `t`, with handlers bound to `h`. Handlers answer every problem with an error event. */
export function commandTable(h: CommandHost): ReadonlyMap<string, Command> {
  const table: [ClientRequest['t'], RequestKind, Handler, ((req: Fields) => RequestKind)?][] = [
    ['e2e_room', 'message', (m, r, t) => e2eRoom(h, m, r, t)],
    ['e2e_to', 'message', (m, r, t) => e2eTo(h, m, r, t), e2eToBucket],
    ['bundle_put', 'command', (m, r, t) => bundlePut(h, m, r, t)],
    ['bundle_get', 'command', (m, r, t) => bundleGet(h, m, r, t)],
    ['join', 'command', (m, r, t) => join(h, m, r, t)],
    ['leave', 'command', (m, r, t) => leave(h, m, r, t)],
    ['rooms', 'command', (m) => h.send(m, { type: 'rooms', rooms: h.rooms.list() })],
    ['who', 'command', (m, r, t) => who(h, m, r, t)],
    ['whois', 'command', (m, r, t) => whois(h, m, r, t)],
    ['ping', 'command', (m) => h.send(m, { type: 'pong' })],
  ];
  return new Map(table.map(([t, kind, run, bucketOf]) => [t, bucketOf ? { kind, run, bucketOf } : { kind, run }]));
}

function join(h: CommandHost, m: MemberImpl, req: Fields, t: ClientRequest['t']): void {
  const room = roomArg(h, m, req, t);
  if (room === undefined) return;
  if (m.rooms.has(room)) return h.send(m, { type: 'system', message: `you are already in ${room}`, ts: h.now() });
  const o = h.options;
  if (m.rooms.size >= o.maxRoomsPerUser) {
    return h.error(m, 'room_limit', `you are in ${m.rooms.size} rooms, the most allowed; /leave one first`, t);
  }
  if (!h.rooms.get(room) && !h.canCreateRoom(room)) {
    return h.error(m, 'room_limit', `cannot create room ${room}: the server has ${o.maxRooms} rooms`, t);
  }
  h.enterRoom(m, room);
}

function leave(h: CommandHost, m: MemberImpl, req: Fields, t: ClientRequest['t']): void {
  const room = roomArg(h, m, req, t);
  if (room === undefined) return;
  const r = h.rooms.get(room);
  if (!r || !m.rooms.has(room)) return h.error(m, 'not_in_room', `you are not in ${room}`, t);
  h.rooms.remove(r, m);
  m.rooms.delete(room);
  h.left(m, room);
  const ev: ServerEvent = Object.freeze({ type: 'leave', room, name: m.name, members: r.size, ts: h.now() });
  h.send(m, ev); // the confirmation
  h.broadcast(r, ev);
}

/**
 * Members of any room (an empty list for a room that does not exist), with each one's key
 * fingerprint. Rooms are public: anyone may join.
 */
function who(h: CommandHost, m: MemberImpl, req: Fields, t: ClientRequest['t']): void {
  const room = roomArg(h, m, req, t);
  if (room === undefined) return;
  const r = h.rooms.get(room);
  const sorted = r ? [...r.members].sort((a, b) => byName(a.name, b.name)) : [];
  // fromEntries defines own properties: a member named "__proto__" is a key like any other
  const fingerprints: Record<string, string> = Object.fromEntries(sorted.map((x) => [x.name, x.fingerprint]));
  h.send(m, { type: 'who', room, members: sorted.map((x) => x.name), fingerprints });
}

function whois(h: CommandHost, m: MemberImpl, req: Fields, t: ClientRequest['t']): void {
  const name = field(req, 'name');
  if (typeof name !== 'string' || !NAME_RE.test(name)) return h.error(m, 'invalid_name', `invalid name ${quote(name)}: ${NAME_RULE}`, t);
  let rec: NameRecord | undefined | Promise<NameRecord | undefined>;
  try {
    rec = h.names.lookup(name);
  } catch {
    return h.error(m, 'registry_unavailable', 'the name registry cannot be reached just now; try again in a few seconds', t);
  }
  h.defer(
    m,
    rec,
    (found) => {
      if (!found) return h.error(m, 'no_such_user', `nobody has registered ${name}`, t);
      const on = h.online(nameKey(name));
      h.send(m, {
        type: 'whois',
        name: found.name,
        fingerprint: found.fingerprint,
        online: on !== undefined,
        rooms: on ? [...on.rooms].sort() : [],
      });
    },
    () => h.error(m, 'registry_unavailable', 'the name registry cannot be reached just now; try again in a few seconds', t),
  );
}

// ─── argument validation ────────────────────────────────────────────────────────────────────

/** The request's room (see parseRoomArg), or undefined after an error event to `m`. */
function roomArg(h: CommandHost, m: MemberImpl, req: Fields, t: ClientRequest['t']): string | undefined {
  const r = parseRoomArg(req, t);
  if (!r.ok) return void h.error(m, r.code, r.message, t);
  return r.value;
}

function byName(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  return x < y ? -1 : x > y ? 1 : 0;
}
