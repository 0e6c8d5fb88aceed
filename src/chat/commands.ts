/**
 * The hub's command registry: the handler of each client request (say, dm, join, leave, rooms,
 * who, whois, ping) and which token bucket it draws from. Handlers reach the hub only through
 * CommandHost; the hub has already rate-limited the request and checked that it is an object
 * with a known `t` before a handler runs.
 */
import type { ChatErrorCode, ClientRequest, MessageBody, ServerEvent } from './events.js';
import { NAME_RE } from './events.js';
import type { MemberImpl } from './member.js';
import { nameKey, type NameRecord, type NameRegistry } from './names.js';
import type { ChatOptions } from './options.js';
import type { Room, RoomTable } from './rooms.js';
import { field, NAME_RULE, parseBodyArg, parseRoomArg, quote, type Fields } from './validate.js';

/** Which token bucket a request draws from: say/dm, or everything else. */
export type RequestKind = 'message' | 'command';

type Handler = (m: MemberImpl, req: Fields, t: ClientRequest['t']) => void;

/** One entry of the registry: its bucket and its handler. */
export interface Command {
  kind: RequestKind;
  run: Handler;
}

/** What the hub offers the command handlers: its state, its clock and its ways of answering. */
export interface CommandHost {
  readonly options: Readonly<ChatOptions>;
  readonly names: NameRegistry;
  readonly rooms: RoomTable<MemberImpl>;
  /** The hub clock (ms). */
  now(): number;
  /** The connected member whose nameKey is `key`, if any. */
  online(key: string): MemberImpl | undefined;
  /** A new message id. */
  nextId(): string;
  send(m: MemberImpl, event: ServerEvent): void;
  /** One event to every member of `room`. */
  broadcast(room: Room<MemberImpl>, event: ServerEvent): void;
  /** An `error` event to `m` about the request being handled. */
  error(m: MemberImpl, code: ChatErrorCode, message: string, command?: ClientRequest['t']): void;
  /** Whether `room` may be created now (DEFAULT_ROOM always may). */
  canCreateRoom(room: string): boolean;
  /** Adds `m` to `room` (created if need be) with a join notice to the room. */
  enterRoom(m: MemberImpl, room: string): void;
  /** Counts one accepted room message or direct message in the hub's stats. */
  count(what: 'messages' | 'directs'): void;
}

/** The registry by request `t`, with handlers bound to `h`. Handlers answer every problem with an error event. */
export function commandTable(h: CommandHost): ReadonlyMap<string, Command> {
  const table: [ClientRequest['t'], RequestKind, Handler][] = [
    ['say', 'message', (m, r, t) => say(h, m, r, t)],
    ['dm', 'message', (m, r, t) => dm(h, m, r, t)],
    ['join', 'command', (m, r, t) => join(h, m, r, t)],
    ['leave', 'command', (m, r, t) => leave(h, m, r, t)],
    ['rooms', 'command', (m) => h.send(m, { type: 'rooms', rooms: h.rooms.list() })],
    ['who', 'command', (m, r, t) => who(h, m, r, t)],
    ['whois', 'command', (m, r, t) => whois(h, m, r, t)],
    ['ping', 'command', (m) => h.send(m, { type: 'pong' })],
  ];
  return new Map(table.map(([t, kind, run]) => [t, { kind, run }]));
}

function say(h: CommandHost, m: MemberImpl, req: Fields, t: ClientRequest['t']): void {
  const room = roomArg(h, m, req, t);
  if (room === undefined) return;
  if (!m.rooms.has(room)) return h.error(m, 'not_in_room', `you are not in ${room}; /join ${room} first`, t);
  const body = bodyArg(h, m, req, t);
  if (!body) return;
  const r = h.rooms.get(room);
  if (!r) return h.error(m, 'internal_error', 'internal error: room missing', t);
  h.count('messages');
  h.broadcast(r, { type: 'message', id: h.nextId(), from: m.name, room, ts: h.now(), body });
}

function dm(h: CommandHost, m: MemberImpl, req: Fields, t: ClientRequest['t']): void {
  const to = field(req, 'to');
  if (typeof to !== 'string' || !NAME_RE.test(to)) return h.error(m, 'invalid_name', `invalid recipient ${quote(to)}: ${NAME_RULE}`, t);
  const body = bodyArg(h, m, req, t);
  if (!body) return;
  const target = h.online(nameKey(to));
  if (!target) return h.error(m, 'no_such_user', `${to} is not online`, t);
  h.count('directs');
  const ev = Object.freeze({ type: 'direct', id: h.nextId(), from: m.name, to: target.name, ts: h.now(), body } as const);
  h.send(target, ev);
  if (target !== m) h.send(m, ev); // the echo: the sender's other views show what it sent
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
  const ev: ServerEvent = Object.freeze({ type: 'leave', room, name: m.name, members: r.size, ts: h.now() });
  h.send(m, ev); // the confirmation
  h.broadcast(r, ev);
}

/** Members of any room (an empty list for a room that does not exist). Rooms are public: anyone may join. */
function who(h: CommandHost, m: MemberImpl, req: Fields, t: ClientRequest['t']): void {
  const room = roomArg(h, m, req, t);
  if (room === undefined) return;
  const r = h.rooms.get(room);
  const members = r ? [...r.members].map((x) => x.name).sort(byName) : [];
  h.send(m, { type: 'who', room, members });
}

function whois(h: CommandHost, m: MemberImpl, req: Fields, t: ClientRequest['t']): void {
  const name = field(req, 'name');
  if (typeof name !== 'string' || !NAME_RE.test(name)) return h.error(m, 'invalid_name', `invalid name ${quote(name)}: ${NAME_RULE}`, t);
  let rec: NameRecord | undefined;
  try {
    rec = h.names.lookup(name);
  } catch {
    return h.error(m, 'internal_error', 'the name registry is unavailable', t);
  }
  if (!rec) return h.error(m, 'no_such_user', `nobody has registered ${name}`, t);
  const on = h.online(nameKey(name));
  h.send(m, {
    type: 'whois',
    name: rec.name,
    fingerprint: rec.fingerprint,
    online: on !== undefined,
    rooms: on ? [...on.rooms].sort() : [],
  });
}

// ─── argument validation ────────────────────────────────────────────────────────────────────

/** The request's room (see parseRoomArg), or undefined after an error event to `m`. */
function roomArg(h: CommandHost, m: MemberImpl, req: Fields, t: ClientRequest['t']): string | undefined {
  const r = parseRoomArg(req, t);
  if (!r.ok) return void h.error(m, r.code, r.message, t);
  return r.value;
}

/** The request's message body (see parseBodyArg), or undefined after an error event to `m`. */
function bodyArg(h: CommandHost, m: MemberImpl, req: Fields, t: ClientRequest['t']): MessageBody | undefined {
  const r = parseBodyArg(req, t, h.options.maxMessageLength);
  if (!r.ok) return void h.error(m, r.code, r.message, t);
  return r.value;
}

function byName(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  return x < y ? -1 : x > y ? 1 : 0;
}
