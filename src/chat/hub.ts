/**
 * The chat hub: members, rooms, messages, direct messages, name ownership and limits — and
 * nothing of sockets or cryptography. A transport (the WebSocket server, a test double, later a
 * fan-out between nodes) authenticates a peer, then calls
 *
 *   const r = hub.connect({ name, fingerprint, room? }, sink);   // sink: the peer's bounded outbound queue
 *   hub.handle(r.member, request);                                // for every request frame (any JSON value)
 *   hub.disconnect(r.member, 'quit');                             // when the connection ends
 *
 * Contract with the sink:
 * - `deliver(event)` queues one event and returns false when the member's queue is full. The hub
 *   then disconnects that member (`close('slow_consumer', …)`); nobody else waits for it.
 *   A sink that throws is treated the same way (with `internal_error`).
 * - `close(code, message)` is called once, when the hub ends the member (slow consumer, flooding,
 *   replaced by a newer connection, shutdown) — possibly in the middle of another member's
 *   request or even during `connect`. It must not call back into the hub, except `disconnect`,
 *   which is then a no-op. The hub does not call `close` when the transport itself calls `disconnect`.
 *
 * Everything a client sends is untrusted: `handle` validates the request's shape, types,
 * lengths and names itself and answers a bad one with an `error` event; it never throws.
 * Each key (fingerprint) has two token buckets (say/dm, and every other request), shared by its
 * connections and kept across a reconnect until they have refilled, so reconnecting does not
 * reset them. A refused request costs O(1) work, and only an accepted message costs
 * O(members of its room), so a flooder cannot delay anyone else. A member refused too often
 * within a window is disconnected.
 *
 * The hub keeps no history: a message goes to the room's members at that moment, the sender
 * included (its confirmation), and to nobody else.
 */
import type { ChatErrorCode, ClientRequest, MessageBody, PublicLimits, ServerEvent } from './events.js';
import { DEFAULT_ROOM, NAME_RE, REF_RE } from './events.js';
import { FINGERPRINT_RE, nameKey, type NameRecord, type NameRegistry } from './names.js';
import { resolveOptions, type ChatOptions } from './options.js';
import { FloodCounter, TokenBucket } from './ratelimit.js';
import { canonicalRoom, RoomTable, type Room } from './rooms.js';

/** The transport's end of one member: its bounded outbound queue. */
export interface MemberSink {
  /** Queue `event` for the member; false when the queue is full (the hub then disconnects it). */
  deliver(event: ServerEvent): boolean;
  /** The hub ends this member: send `code`/`message` if possible, then close the connection. */
  close(code: ChatErrorCode, message: string): void;
}

/** A connected member, as the transport sees it. Only the hub creates members. */
export interface Member {
  /** Unique per hub. */
  readonly id: number;
  /** The registered spelling of the name (case-insensitively equal to what the client asked for). */
  readonly name: string;
  readonly fingerprint: string;
  /** The rooms the member is in (canonical, lower-case names). */
  readonly rooms: ReadonlySet<string>;
  /** False once the member has been disconnected (by the hub or by the transport). */
  readonly connected: boolean;
  /** Hub clock time of `connect`. */
  readonly connectedAt: number;
}

/** Who is connecting: the name the client asked for, its verified key's fingerprint, and an optional first room. */
export interface ConnectIdentity {
  name: string;
  fingerprint: string;
  /** The first room to join instead of DEFAULT_ROOM. */
  room?: string;
}

export type ConnectResult = { ok: true; member: Member } | { ok: false; code: ChatErrorCode; message: string };

/** Counters since the hub started, and the current sizes. */
export interface HubStats {
  connections: number;
  rooms: number;
  /** Accepted room messages. */
  messages: number;
  /** Accepted direct messages. */
  directs: number;
  /** Events handed to sinks successfully. */
  delivered: number;
  /** Requests refused by a rate limit. */
  rateLimited: number;
  /** Members disconnected because their queue was full. */
  slowConsumers: number;
  /** Members disconnected for flooding. */
  floodDisconnects: number;
  /** Connections replaced by a newer one with the same name and key. */
  replaced: number;
  /** Error events sent. */
  errors: number;
}

/** Which token bucket a request draws from: say/dm, or everything else. */
type RequestKind = 'message' | 'command';

class MemberImpl implements Member {
  readonly rooms = new Set<string>();
  connected = true;
  /** Why the hub ended this member, when it did. */
  endedBy: { code: ChatErrorCode; message: string } | undefined;
  constructor(
    readonly id: number,
    readonly name: string,
    /** nameKey(name) */
    readonly key: string,
    readonly fingerprint: string,
    readonly connectedAt: number,
    readonly sink: MemberSink,
    readonly rate: RateState,
  ) {}
}

/**
 * The rate-limit state of one key (fingerprint), shared by its connections and kept for a while
 * after the last one ends, so that reconnecting (or using another name with the same key) does
 * not refill the buckets or reset the flood count. It is forgotten once it would be the same as
 * a fresh one (buckets full again, flood window over), so forgetting loses nothing.
 */
class RateState {
  /** Connected members using this state. */
  users = 0;
  /** When the last user left (hub clock). */
  idleSince = 0;
  readonly messages: TokenBucket;
  readonly commands: TokenBucket;
  readonly flood: FloodCounter;
  constructor(o: Readonly<ChatOptions>, now: number) {
    this.messages = new TokenBucket(o.messagesPerSecond, o.burst, now);
    this.commands = new TokenBucket(o.commandsPerSecond, o.commandBurst, now);
    this.flood = new FloodCounter(o.floodDisconnectAfter, o.floodWindowMs);
  }
}

/** A member the hub has ended, whose leave notices (and sink close) are still to be sent. */
interface PendingDrop {
  member: MemberImpl;
  rooms: string[];
  /** Leave reason shown to the rooms. */
  reason: string;
  /** Set when the hub ended the member (the sink is closed); unset when the transport did. */
  close?: { code: ChatErrorCode; message: string };
}

type Fields = Record<string, unknown>;
type Handler = (m: MemberImpl, req: Fields, t: ClientRequest['t']) => void;

const SHA256_HEX_RE = /^[0-9a-f]{64}$/;
/** C0 controls except tab and newline, DEL, C1 controls (CSI 0x9b …): terminal escape injection. */
const CONTROL_RE = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/;
/** A lone UTF-16 surrogate: not text; its UTF-8 (and so its hash) would be ill-defined. */
const LONE_SURROGATE_RE = /\p{Cs}/u;
const NAME_RULE = 'names are 1–32 characters of A–Z a–z 0–9 _ . -';
const ROOM_RULE = 'room names are 1–32 characters of A–Z a–z 0–9 _ . -';

function isObject(v: unknown): v is Fields {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** An own property only: never `toString`, `__proto__` or anything inherited. */
function field(obj: Fields, key: string): unknown {
  return Object.hasOwn(obj, key) ? obj[key] : undefined;
}

/** Characters JSON.stringify leaves alone that a terminal would act on: DEL, C1 controls, bidi controls. */
const UNSAFE_IN_QUOTE_RE = /[\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** For messages that quote client input: at most 32 characters, JSON-quoted, every control character escaped. */
function quote(v: unknown): string {
  if (typeof v !== 'string') return v === null ? 'null' : Array.isArray(v) ? 'an array' : `a ${typeof v}`;
  return JSON.stringify(v.length > 32 ? v.slice(0, 32) + '…' : v).replace(
    UNSAFE_IN_QUOTE_RE,
    (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'),
  );
}

/** Code points in `s`, counting no further than `limit + 1`. */
function codePointsUpTo(s: string, limit: number): number {
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

function randomHex(bytes: number): string {
  const b = new Uint8Array(bytes);
  globalThis.crypto.getRandomValues(b);
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

export class ChatHub {
  readonly options: Readonly<ChatOptions>;
  private readonly names: NameRegistry;
  private readonly clock: () => number;
  /** Connected members by nameKey. */
  private readonly online = new Map<string, MemberImpl>();
  private readonly rooms = new RoomTable<MemberImpl>();
  private readonly commands: ReadonlyMap<string, { kind: RequestKind; run: Handler }>;
  private readonly pending: PendingDrop[] = [];
  /** Rate state by fingerprint: of connected keys, and of recently disconnected ones (see RateState). */
  private readonly rateStates = new Map<string, RateState>();
  /** Recently disconnected keys' states, oldest first (Map order), until they are as good as fresh. */
  private readonly idleRates = new Map<string, RateState>();
  /** How long an idle rate state matters: until both buckets are full again and the flood window is over. */
  private readonly rateRetainMs: number;
  private draining = false;
  private shuttingDown = false;
  private nextMemberId = 1;
  private seq = 0;
  /** Message ids: a random per-hub prefix and a counter, unique across restarts in practice. */
  private readonly idPrefix = randomHex(6);
  /** The valid `ref` of the request being handled, echoed in an error about it. */
  private currentRef: string | undefined;
  private readonly counters = {
    messages: 0,
    directs: 0,
    delivered: 0,
    rateLimited: 0,
    slowConsumers: 0,
    floodDisconnects: 0,
    replaced: 0,
    errors: 0,
  };

  /** Throws ChatOptionsError for invalid options. `clock` gives ms (default Date.now) for ts and rate limits. */
  constructor(opts: Partial<ChatOptions>, names: NameRegistry, clock: () => number = Date.now) {
    this.options = resolveOptions(opts);
    this.names = names;
    this.clock = clock;
    const o = this.options;
    this.rateRetainMs = Math.max(
      Math.ceil((o.burst * 1000) / o.messagesPerSecond),
      Math.ceil((o.commandBurst * 1000) / o.commandsPerSecond),
      o.floodWindowMs,
    );
    const table: [ClientRequest['t'], RequestKind, Handler][] = [
      ['say', 'message', (m, r, t) => this.say(m, r, t)],
      ['dm', 'message', (m, r, t) => this.dm(m, r, t)],
      ['join', 'command', (m, r, t) => this.join(m, r, t)],
      ['leave', 'command', (m, r, t) => this.leave(m, r, t)],
      ['rooms', 'command', (m) => this.send(m, { type: 'rooms', rooms: this.rooms.list() })],
      ['who', 'command', (m, r, t) => this.who(m, r, t)],
      ['whois', 'command', (m, r, t) => this.whois(m, r, t)],
      ['ping', 'command', (m) => this.send(m, { type: 'pong' })],
    ];
    this.commands = new Map(table.map(([t, kind, run]) => [t, { kind, run }]));
  }

  /** The limits each member is told in `ready`. */
  limits(): PublicLimits {
    const o = this.options;
    return {
      maxMessageLength: o.maxMessageLength,
      messagesPerSecond: o.messagesPerSecond,
      burst: o.burst,
      commandsPerSecond: o.commandsPerSecond,
      commandBurst: o.commandBurst,
      maxRoomsPerUser: o.maxRoomsPerUser,
    };
  }

  // ─── connections ────────────────────────────────────────────────────────────────────────────

  /**
   * Admits an authenticated peer: checks the name's syntax, the connection limit and the name's
   * ownership (NameRegistry.claim: the first key to use a name owns it), replaces an older
   * connection of the same name and key, sends `ready`, and joins `id.room` or DEFAULT_ROOM
   * (with a join notice to that room, the member included). When the requested room cannot be
   * created (maxRooms), the member joins DEFAULT_ROOM and gets a `room_limit` error.
   * If the sink refuses `ready` or the join notice, the hub has already closed it and the result
   * is `ok: false` with that code (`slow_consumer`).
   */
  connect(id: ConnectIdentity, sink: MemberSink): ConnectResult {
    try {
      return this.admit(id, sink);
    } catch {
      return { ok: false, code: 'internal_error', message: 'internal error while connecting' };
    } finally {
      this.drain();
    }
  }

  private admit(id: ConnectIdentity, sink: MemberSink): ConnectResult {
    const fail = (code: ChatErrorCode, message: string): ConnectResult => ({ ok: false, code, message });
    if (this.shuttingDown) return fail('shutting_down', 'the server is shutting down');
    if (!isObject(id)) return fail('protocol_error', 'missing identity');
    if (!isObject(sink) || typeof sink.deliver !== 'function' || typeof sink.close !== 'function') {
      return fail('internal_error', 'invalid sink');
    }
    const name = field(id, 'name');
    const fingerprint = field(id, 'fingerprint');
    const roomArg = field(id, 'room');
    if (typeof name !== 'string' || !NAME_RE.test(name)) return fail('invalid_name', `invalid name ${quote(name)}: ${NAME_RULE}`);
    if (typeof fingerprint !== 'string' || !FINGERPRINT_RE.test(fingerprint)) return fail('protocol_error', 'invalid key fingerprint');
    let firstRoom = DEFAULT_ROOM;
    if (roomArg !== undefined) {
      const r = canonicalRoom(roomArg);
      if (r === undefined) return fail('invalid_room', `invalid room ${quote(roomArg)}: ${ROOM_RULE}`);
      firstRoom = r;
    }

    const key = nameKey(name);
    const existing = this.online.get(key);
    // Cheap refusals before the registry is touched: a connected name held by another key, a full server.
    if (existing && existing.fingerprint !== fingerprint) return fail('name_taken', `the name ${existing.name} belongs to another key`);
    if (!existing && this.online.size >= this.options.maxConnections) {
      return fail('server_full', `the server is full (${this.options.maxConnections} connections); try again later`);
    }
    const now = this.clock();
    let claim;
    try {
      claim = this.names.claim(name, fingerprint, now);
    } catch {
      return fail('internal_error', 'the name registry is unavailable');
    }
    if (!claim.ok) return fail('name_taken', `the name ${claim.record.name} belongs to another key`);

    if (existing) {
      // A reconnect racing its old connection (same name, same key): the new one takes over.
      this.counters.replaced++;
      this.drop(existing, 'replaced', 'you signed in again from another connection', 'reconnected');
      this.drain(); // the old connection's leave notices before the new one's join
    }

    const o = this.options;
    const m = new MemberImpl(
      this.nextMemberId++,
      claim.record.name,
      key,
      fingerprint,
      now,
      sink,
      this.acquireRate(fingerprint, now),
    );
    this.online.set(key, m);

    let roomError: string | undefined;
    if (!this.rooms.get(firstRoom) && !this.canCreateRoom(firstRoom)) {
      roomError = `cannot create room ${firstRoom}: the server has ${o.maxRooms} rooms; you are in ${DEFAULT_ROOM}`;
      firstRoom = DEFAULT_ROOM;
    }
    this.send(m, {
      type: 'ready',
      name: m.name,
      fingerprint,
      serverFingerprint: o.serverFingerprint,
      rooms: [firstRoom],
      limits: this.limits(),
    });
    if (m.connected) this.enterRoom(m, firstRoom);
    if (roomError !== undefined) this.error(m, 'room_limit', roomError, 'join');
    // A sink that could not even take `ready` or its own join notice: already closed by the hub.
    if (!m.connected) return fail(m.endedBy?.code ?? 'internal_error', m.endedBy?.message ?? 'disconnected');
    return { ok: true, member: m };
  }

  /**
   * The transport reports that a member's connection has ended: it leaves its rooms (leave
   * notices with `reason`, default 'quit'). The sink is not closed. A no-op for a member that is
   * already gone.
   */
  disconnect(member: Member, reason = 'quit'): void {
    const m = this.own(member);
    if (!m) return;
    const r = typeof reason === 'string' && reason.length > 0 ? reason.slice(0, 100) : 'quit';
    this.remove(m, r, undefined);
    this.drain();
  }

  /** Closes every member with `shutting_down` and refuses new connections. No leave notices are sent. */
  shutdown(message = 'the server is shutting down'): void {
    this.shuttingDown = true;
    const members = [...this.online.values()];
    this.online.clear();
    this.rooms.clear();
    this.pending.length = 0;
    this.rateStates.clear();
    this.idleRates.clear();
    for (const m of members) {
      m.connected = false;
      m.rooms.clear();
      try {
        m.sink.close('shutting_down', message);
      } catch {
        /* a broken sink must not stop the others from closing */
      }
    }
  }

  stats(): HubStats {
    return { connections: this.online.size, rooms: this.rooms.size, ...this.counters };
  }

  /** The connected member with this name (any case), if any. */
  member(name: string): Member | undefined {
    return typeof name === 'string' ? this.online.get(nameKey(name)) : undefined;
  }

  // ─── requests ───────────────────────────────────────────────────────────────────────────────

  /**
   * One request from `member`: any value the transport decoded. Never throws; every problem is
   * answered with an `error` event to this member only. Requests of a member that is no longer
   * connected (a late frame) are ignored.
   */
  handle(member: Member, req: unknown): void {
    const m = this.own(member);
    if (!m) return;
    try {
      this.dispatch(m, req);
    } catch {
      if (m.connected) this.error(m, 'internal_error', 'internal error');
    } finally {
      this.drain();
    }
  }

  private dispatch(m: MemberImpl, req: unknown): void {
    const ref = isObject(req) ? field(req, 'ref') : undefined;
    this.currentRef = typeof ref === 'string' && REF_RE.test(ref) ? ref : undefined;
    try {
      this.dispatchRequest(m, req);
    } finally {
      this.currentRef = undefined;
    }
  }

  private dispatchRequest(m: MemberImpl, req: unknown): void {
    const t = isObject(req) ? field(req, 't') : undefined;
    const cmd = typeof t === 'string' ? this.commands.get(t) : undefined;
    const known = cmd ? (t as ClientRequest['t']) : undefined;
    // Rate limit first: O(1), whatever the request is, so refusing a flood costs nothing else.
    const now = this.clock();
    const kind: RequestKind = cmd?.kind ?? 'command';
    const taken = (kind === 'message' ? m.rate.messages : m.rate.commands).take(now);
    if (!taken.ok) {
      this.counters.rateLimited++;
      if (m.rate.flood.record(now)) {
        this.counters.floodDisconnects++;
        const o = this.options;
        this.drop(
          m,
          'rate_limited',
          `disconnected for flooding: more than ${o.floodDisconnectAfter} requests over the rate limit within ${o.floodWindowMs / 1000} s`,
          'flooding',
        );
        return;
      }
      const [rate, burst, what] =
        kind === 'message'
          ? [this.options.messagesPerSecond, this.options.burst, 'messages']
          : [this.options.commandsPerSecond, this.options.commandBurst, 'requests'];
      this.error(m, 'rate_limited', `too many ${what} (at most ${rate}/s, bursts of ${burst}); retry in ${taken.retryAfterMs} ms`, known, taken.retryAfterMs);
      return;
    }
    if (!isObject(req)) return this.error(m, 'protocol_error', `a request must be a JSON object, not ${quote(req)}`);
    if (typeof t !== 'string') return this.error(m, 'protocol_error', 'a request must have a string field "t"');
    if (!cmd || !known) return this.error(m, 'unknown_command', `unknown command ${quote(t)}`);
    cmd.run(m, req, known);
  }

  private say(m: MemberImpl, req: Fields, t: ClientRequest['t']): void {
    const room = this.roomArg(m, req, t);
    if (room === undefined) return;
    if (!m.rooms.has(room)) return this.error(m, 'not_in_room', `you are not in ${room}; /join ${room} first`, t);
    const body = this.bodyArg(m, req, t);
    if (!body) return;
    const r = this.rooms.get(room);
    if (!r) return this.error(m, 'internal_error', 'internal error: room missing', t);
    this.counters.messages++;
    this.broadcast(r, { type: 'message', id: this.nextId(), from: m.name, room, ts: this.clock(), body });
  }

  private dm(m: MemberImpl, req: Fields, t: ClientRequest['t']): void {
    const to = field(req, 'to');
    if (typeof to !== 'string' || !NAME_RE.test(to)) return this.error(m, 'invalid_name', `invalid recipient ${quote(to)}: ${NAME_RULE}`, t);
    const body = this.bodyArg(m, req, t);
    if (!body) return;
    const target = this.online.get(nameKey(to));
    if (!target) return this.error(m, 'no_such_user', `${to} is not online`, t);
    this.counters.directs++;
    const ev = Object.freeze({ type: 'direct', id: this.nextId(), from: m.name, to: target.name, ts: this.clock(), body } as const);
    this.send(target, ev);
    if (target !== m) this.send(m, ev); // the echo: the sender's other views show what it sent
  }

  private join(m: MemberImpl, req: Fields, t: ClientRequest['t']): void {
    const room = this.roomArg(m, req, t);
    if (room === undefined) return;
    if (m.rooms.has(room)) return this.send(m, { type: 'system', message: `you are already in ${room}`, ts: this.clock() });
    const o = this.options;
    if (m.rooms.size >= o.maxRoomsPerUser) {
      return this.error(m, 'room_limit', `you are in ${m.rooms.size} rooms, the most allowed; /leave one first`, t);
    }
    if (!this.rooms.get(room) && !this.canCreateRoom(room)) {
      return this.error(m, 'room_limit', `cannot create room ${room}: the server has ${o.maxRooms} rooms`, t);
    }
    this.enterRoom(m, room);
  }

  private leave(m: MemberImpl, req: Fields, t: ClientRequest['t']): void {
    const room = this.roomArg(m, req, t);
    if (room === undefined) return;
    const r = this.rooms.get(room);
    if (!r || !m.rooms.has(room)) return this.error(m, 'not_in_room', `you are not in ${room}`, t);
    this.rooms.remove(r, m);
    m.rooms.delete(room);
    const ev: ServerEvent = Object.freeze({ type: 'leave', room, name: m.name, members: r.size, ts: this.clock() });
    this.send(m, ev); // the confirmation
    this.broadcast(r, ev);
  }

  /** Members of any room (an empty list for a room that does not exist). Rooms are public: anyone may join. */
  private who(m: MemberImpl, req: Fields, t: ClientRequest['t']): void {
    const room = this.roomArg(m, req, t);
    if (room === undefined) return;
    const r = this.rooms.get(room);
    const members = r ? [...r.members].map((x) => x.name).sort(byName) : [];
    this.send(m, { type: 'who', room, members });
  }

  private whois(m: MemberImpl, req: Fields, t: ClientRequest['t']): void {
    const name = field(req, 'name');
    if (typeof name !== 'string' || !NAME_RE.test(name)) return this.error(m, 'invalid_name', `invalid name ${quote(name)}: ${NAME_RULE}`, t);
    let rec: NameRecord | undefined;
    try {
      rec = this.names.lookup(name);
    } catch {
      return this.error(m, 'internal_error', 'the name registry is unavailable', t);
    }
    if (!rec) return this.error(m, 'no_such_user', `nobody has registered ${name}`, t);
    const on = this.online.get(nameKey(name));
    this.send(m, {
      type: 'whois',
      name: rec.name,
      fingerprint: rec.fingerprint,
      online: on !== undefined,
      rooms: on ? [...on.rooms].sort() : [],
    });
  }

  // ─── argument validation ────────────────────────────────────────────────────────────────────

  private roomArg(m: MemberImpl, req: Fields, t: ClientRequest['t']): string | undefined {
    const raw = field(req, 'room');
    const room = canonicalRoom(raw);
    if (room === undefined) {
      if (raw === undefined) this.error(m, 'bad_command', `${t} needs a room`, t);
      else this.error(m, 'invalid_room', `invalid room ${quote(raw)}: ${ROOM_RULE}`, t);
    }
    return room;
  }

  /**
   * A message body: `text` (non-empty after trimming, at most maxMessageLength code points, no
   * control characters but tab and newline, no lone surrogates), `sha256` (64 lower-case hex
   * digits, as the sender computed it — the hub does not recompute or change it, so the
   * receivers' check is end to end) and an optional boolean `action`. The result holds exactly
   * these fields (unknown ones are dropped; `action` only when true) and is frozen.
   */
  private bodyArg(m: MemberImpl, req: Fields, t: ClientRequest['t']): MessageBody | undefined {
    const body = field(req, 'body');
    if (!isObject(body)) return void this.error(m, 'bad_command', `${t} needs a body object {text, sha256}`, t);
    const text = field(body, 'text');
    const sha256 = field(body, 'sha256');
    const action = field(body, 'action');
    if (typeof text !== 'string') return void this.error(m, 'bad_command', 'body.text must be a string', t);
    if (typeof sha256 !== 'string' || !SHA256_HEX_RE.test(sha256)) {
      return void this.error(m, 'bad_command', 'body.sha256 must be 64 lower-case hex digits (SHA-256 of the UTF-8 text)', t);
    }
    if (action !== undefined && typeof action !== 'boolean') return void this.error(m, 'bad_command', 'body.action must be a boolean', t);
    const max = this.options.maxMessageLength;
    if (text.length > max && (text.length > 2 * max || codePointsUpTo(text, max) > max)) {
      return void this.error(m, 'too_long', `message too long: at most ${max} characters`, t);
    }
    if (text.trim().length === 0) return void this.error(m, 'bad_command', 'empty message', t);
    if (CONTROL_RE.test(text)) return void this.error(m, 'bad_command', 'message contains control characters (only tab and newline are allowed)', t);
    if (LONE_SURROGATE_RE.test(text)) return void this.error(m, 'bad_command', 'message is not valid Unicode text (lone surrogate)', t);
    return Object.freeze(action === true ? { text, sha256, action: true } : { text, sha256 });
  }

  // ─── internals ──────────────────────────────────────────────────────────────────────────────

  /** The hub's own, still connected member behind `member`, or undefined. */
  private own(member: Member): MemberImpl | undefined {
    return member instanceof MemberImpl && member.connected && this.online.get(member.key) === member ? member : undefined;
  }

  /** The key's rate state: its live one, its recent one, or a fresh one. Forgets idle states that no longer matter. */
  private acquireRate(fingerprint: string, now: number): RateState {
    for (const [fpr, st] of this.idleRates) {
      // oldest first; also bounded in number, so a swarm of one-off keys cannot grow it without limit
      if (now - st.idleSince < this.rateRetainMs && this.idleRates.size <= 4 * this.options.maxConnections) break;
      this.idleRates.delete(fpr);
      this.rateStates.delete(fpr);
    }
    let st = this.rateStates.get(fingerprint);
    if (!st) {
      st = new RateState(this.options, now);
      this.rateStates.set(fingerprint, st);
    }
    this.idleRates.delete(fingerprint);
    st.users++;
    return st;
  }

  private releaseRate(m: MemberImpl): void {
    const st = m.rate;
    if (--st.users > 0) return;
    st.idleSince = this.clock();
    this.idleRates.delete(m.fingerprint);
    this.idleRates.set(m.fingerprint, st);
  }

  private canCreateRoom(room: string): boolean {
    return room === DEFAULT_ROOM || this.rooms.size < this.options.maxRooms;
  }

  private enterRoom(m: MemberImpl, room: string): void {
    const r = this.rooms.getOrCreate(room);
    this.rooms.add(r, m);
    m.rooms.add(room);
    this.broadcast(r, { type: 'join', room, name: m.name, members: r.size, ts: this.clock() });
  }

  private nextId(): string {
    return `${this.idPrefix}-${(++this.seq).toString(36)}`;
  }

  /** One event to every member of `room` (O(members)); the same frozen object to each sink. */
  private broadcast(room: Room<MemberImpl>, event: ServerEvent): void {
    const ev = Object.freeze(event);
    for (const m of room.members) this.send(m, ev);
  }

  private error(m: MemberImpl, code: ChatErrorCode, message: string, command?: ClientRequest['t'], retryAfterMs?: number): void {
    this.counters.errors++;
    const ev: ServerEvent = { type: 'error', code, message };
    if (command !== undefined) ev.command = command;
    if (retryAfterMs !== undefined) ev.retryAfterMs = retryAfterMs;
    if (this.currentRef !== undefined) ev.ref = this.currentRef;
    this.send(m, ev);
  }

  private send(m: MemberImpl, event: ServerEvent): void {
    if (!m.connected) return;
    let ok: boolean;
    try {
      ok = m.sink.deliver(event) !== false;
    } catch {
      this.drop(m, 'internal_error', 'internal error while sending to you', 'connection error');
      return;
    }
    if (ok) {
      this.counters.delivered++;
      return;
    }
    this.counters.slowConsumers++;
    this.drop(
      m,
      'slow_consumer',
      'disconnected: your client fell behind (its queue of events waiting to be sent is full)',
      'slow consumer',
    );
  }

  /** The hub ends `m`: it leaves everything now; its sink is closed and leave notices go out in drain(). */
  private drop(m: MemberImpl, code: ChatErrorCode, message: string, reason: string): void {
    this.remove(m, reason, { code, message });
  }

  private remove(m: MemberImpl, reason: string, close: PendingDrop['close']): void {
    if (!m.connected) return;
    m.connected = false;
    m.endedBy = close;
    if (this.online.get(m.key) === m) this.online.delete(m.key);
    this.releaseRate(m);
    const rooms = [...m.rooms];
    for (const name of rooms) {
      const r = this.rooms.get(name);
      if (r) this.rooms.remove(r, m); // safe during a broadcast over r: Set iteration tolerates deletion
    }
    m.rooms.clear();
    this.pending.push(close ? { member: m, rooms, reason, close } : { member: m, rooms, reason });
  }

  /**
   * Sends the notices of members ended during the current call, after that call's own events,
   * so that no broadcast is re-entered. Leave notices may end further (slow) members; they are
   * queued and handled in the same loop. Each member is ended once, so this terminates.
   */
  private drain(): void {
    if (this.draining) return;
    this.draining = true;
    try {
      for (let i = 0; i < this.pending.length; i++) {
        const d = this.pending[i]!;
        if (d.close) {
          try {
            d.member.sink.close(d.close.code, d.close.message);
          } catch {
            /* the transport's problem; the member is gone from the hub either way */
          }
        }
        for (const name of d.rooms) {
          const r = this.rooms.get(name);
          if (r) this.broadcast(r, { type: 'leave', room: name, name: d.member.name, members: r.size, ts: this.clock(), reason: d.reason });
        }
      }
    } finally {
      this.pending.length = 0;
      this.draining = false;
    }
  }
}

function byName(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  return x < y ? -1 : x > y ? 1 : 0;
}
