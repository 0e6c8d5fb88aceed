/**
 * The chat hub: members, rooms, the routing of end-to-end encrypted messages, the bundle
 * directory, name ownership and limits — and nothing of sockets or cryptography. It never holds
 * a message's text: room and direct messages are opaque payloads (e2e-commands.ts) that it
 * relays without reading. A transport (the WebSocket server, a test double, later a fan-out
 * between nodes) authenticates a peer, then calls
 *
 *   const r = hub.connect({ name, fingerprint, publicKey, room?, source? }, sink);   // sink: the peer's bounded outbound queue
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
 * Each key (fingerprint) has three token buckets (room and direct messages, key distributions,
 * and every other request), shared by its connections and kept across a reconnect until they
 * have refilled, so reconnecting does not reset them. A refused request costs O(1) work, and
 * only an accepted message costs O(members of its room), so a flooder cannot delay anyone else.
 * A member refused too often within a window is disconnected.
 *
 * The hub keeps no history: a message goes to the room's members at that moment, the sender
 * included (its confirmation), and to nobody else. Every `join` notice and `who` answer carries
 * the members' key fingerprints, so that every client sees every member the server adds.
 */
import { BundleDirectory } from './bundles.js';
import { commandTable, REMOVED_REQUESTS, type Command, type CommandHost, type RequestKind } from './commands.js';
import type { ChatErrorCode, ClientRequest, PublicLimits, ServerEvent } from './events.js';
import { DEFAULT_ROOM, REF_RE } from './events.js';
import { MemberImpl, type ConnectIdentity, type ConnectResult, type Member, type MemberSink } from './member.js';
import { HubCluster, type ClusterHubHost, type ClusterPort } from './hub-cluster.js';
import { admitName, admitNameAsync, type NameAdmission, type NameClaim } from './name-claim.js';
import { nameKey, type AsyncNameRegistry, type NameRegistry } from './names.js';
import { resolveOptions, type ChatOptions } from './options.js';
import { RateState, RateStates } from './rate-state.js';
import { RoomTable, type Room } from './rooms.js';
import { SourceBudgets } from './source-budget.js';
import { field, isObject, parseIdentity, quote, type Fields } from './validate.js';

/** Re-exported so that importers of './hub.js' keep working; the types live in member.ts. */
export type { ConnectIdentity, ConnectResult, Member, MemberSink } from './member.js';

/** An identity as parseIdentity checked it. */
type Identity = { name: string; fingerprint: string; publicKey: string; room: string; source: string };

/** What the bus reports to the hub (ClusterHandler of src/cluster/bus.ts has this shape). */
export interface HubClusterHandler {
  entry(from: string, entry: Record<string, unknown>, own: boolean): void;
  nodeLost(node: string): void;
  resync(reason: 'gap' | 'rejoined'): void;
}

/** Counters since the hub started, and the current sizes. */
export interface HubStats {
  /** This hub's own members (not the other nodes' in a cluster). */
  connections: number;
  /** In a cluster: members of the other nodes, as this node sees them. */
  remoteMembers: number;
  rooms: number;
  /** Accepted room messages (e2e_room). */
  messages: number;
  /** Accepted direct messages (e2e_to of kind dm). */
  directs: number;
  /** Accepted key distributions (e2e_to of kind keys). */
  keys: number;
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

/** A member the hub has ended, whose leave notices (and sink close) are still to be sent. */
interface PendingDrop {
  member: MemberImpl;
  rooms: string[];
  /** Leave reason shown to the rooms. */
  reason: string;
  /** Set when the hub ended the member (the sink is closed); unset when the transport did. */
  close?: { code: ChatErrorCode; message: string };
}

/** The sink of another node's member: never called (its events go through its own node). */
const MIRROR_SINK: MemberSink = { deliver: () => true, close: () => {} };

function randomHex(bytes: number): string {
  const b = new Uint8Array(bytes);
  globalThis.crypto.getRandomValues(b);
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

/** The chat hub described above: one per server, independent of any transport. */
export class ChatHub {
  readonly options: Readonly<ChatOptions>;
  private readonly names: NameRegistry | AsyncNameRegistry;
  /** In a cluster: the link to the other nodes (hub-cluster.ts). */
  private readonly cluster: HubCluster | undefined;
  /** Own members (online also holds the other nodes' mirrors). */
  private localCount = 0;
  /** The rate state every mirror points to: never drawn from (a mirror's requests reach its own node). */
  private mirrorRate: RateState | undefined;
  private readonly clock: () => number;
  /** Connected members by nameKey. */
  private readonly online = new Map<string, MemberImpl>();
  private readonly rooms = new RoomTable<MemberImpl>();
  /** Identity keys and bundles by nameKey (bundles.ts). */
  private readonly bundles: BundleDirectory;
  private readonly commands: ReadonlyMap<string, Command>;
  private readonly pending: PendingDrop[] = [];
  /** Rate state by fingerprint: of connected keys, and of recently disconnected ones (see RateState). */
  private readonly rates: RateStates;
  /** New names per source (ConnectIdentity.source). */
  private readonly newNames: SourceBudgets;
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
    keys: 0,
    delivered: 0,
    rateLimited: 0,
    slowConsumers: 0,
    floodDisconnects: 0,
    replaced: 0,
    errors: 0,
  };

  /**
   * Throws ChatOptionsError for invalid options. `clock` gives ms (default Date.now) for ts and
   * rate limits. `cluster`: the bus to the other nodes of a cluster (then use admit(), not
   * connect(), with an async registry, and hand clusterHandler() to the bus).
   */
  constructor(opts: Partial<ChatOptions>, names: NameRegistry | AsyncNameRegistry, clock: () => number = Date.now, cluster?: ClusterPort) {
    this.options = resolveOptions(opts);
    this.names = names;
    this.clock = clock;
    this.rates = new RateStates(this.options, () => this.clock());
    this.newNames = new SourceBudgets(this.options.newNamesPerSourcePerHour, this.options.newNamesPerSourceBurst);
    this.bundles = new BundleDirectory(this.options.maxOfflineBundles);
    const host: CommandHost = {
      options: this.options,
      names,
      rooms: this.rooms,
      bundles: this.bundles,
      now: () => this.clock(),
      online: (key) => this.online.get(key),
      nextId: () => this.nextId(),
      send: (m, event) => this.send(m, event),
      broadcast: (room, event) => this.broadcast(room, event),
      error: (m, code, message, command) => this.error(m, code, message, command),
      canCreateRoom: (room) => this.canCreateRoom(room),
      enterRoom: (m, room) => this.enterRoom(m, room),
      count: (what) => void this.counters[what]++,
      defer: (m, p, ok, fail) => this.defer(m, p, ok, fail),
      left: (m, room) => this.cluster?.leave(m, room),
      echo: (m, event) => this.send(m, this.currentRef !== undefined ? Object.freeze({ ...event, ref: this.currentRef }) : event),
      relay: (room, ev, sender) => {
        this.broadcast(room, ev, sender);
        this.cluster?.room(room.name, ev, sender, this.currentRef);
      },
      bundlePublished: (m, bundle) => this.cluster?.bundle(m, bundle),
    };
    this.commands = commandTable(host);
    this.cluster = cluster ? new HubCluster(cluster, this.clusterHost()) : undefined;
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
      keysPerSecond: o.keysPerSecond,
      keysBurst: o.keysBurst,
      maxPayloadBytes: o.maxPayloadBytes,
      maxKeysPayloadBytes: o.maxKeysPayloadBytes,
      maxBundleBytes: o.maxBundleBytes,
      maxBundleGet: o.maxBundleGet,
    };
  }

  // ─── connections ────────────────────────────────────────────────────────────────────────────

  /**
   * Admits an authenticated peer: checks the name's syntax, the connection limit and the name's
   * ownership (NameRegistry.claim: the first key to use a name owns it; a look-alike of another
   * key's name is `name_taken`; a new name beyond maxNamesPerKey, the source's budget of new
   * names or maxRegisteredNames is `name_limit`, with `retryAfterMs` for the budget), replaces an older
   * connection of the same name and key, sends `ready`, and joins `id.room` or DEFAULT_ROOM
   * (with a join notice to that room, the member included). When the requested room cannot be
   * created (maxRooms), the member joins DEFAULT_ROOM and gets a `room_limit` error.
   * If the sink refuses `ready` or the join notice, the hub has already closed it and the result
   * is `ok: false` with that code (`slow_consumer`).
   */
  connect(id: ConnectIdentity, sink: MemberSink): ConnectResult {
    try {
      const pre = this.precheck(id, sink);
      if (!pre.ok) return pre;
      let claim: NameAdmission;
      try {
        claim = admitName(this.names as NameRegistry, this.newNames, this.options, pre.claim, this.clock());
      } catch {
        return { ok: false, code: 'internal_error', message: 'the name registry is unavailable' };
      }
      return this.finish(pre.ident, claim, sink);
    } catch {
      return { ok: false, code: 'internal_error', message: 'internal error while connecting' };
    } finally {
      this.drain();
    }
  }

  /**
   * connect() for any registry, synchronous or not (PostgreSQL in a cluster): the same checks and
   * outcome, after the registry's answer. A registry that fails or cannot be reached is
   * `registry_unavailable` (retryable). The checks are made again after the registry answered,
   * as members may have come and gone meanwhile. Never rejects.
   */
  async admit(id: ConnectIdentity, sink: MemberSink): Promise<ConnectResult> {
    try {
      const pre = this.precheck(id, sink);
      if (!pre.ok) return pre;
      let claim: NameAdmission;
      try {
        claim = await admitNameAsync(this.names as AsyncNameRegistry, this.newNames, this.options, pre.claim, this.clock());
      } catch {
        return { ok: false, code: 'registry_unavailable', message: 'the name registry cannot be reached just now; try again in a few seconds' };
      }
      const again = this.precheck(id, sink);
      if (!again.ok) return again;
      return this.finish(again.ident, claim, sink);
    } catch {
      return { ok: false, code: 'internal_error', message: 'internal error while connecting' };
    } finally {
      this.drain();
    }
  }

  /** The checks before the registry: shape, a connected name held by another key, a full server. */
  private precheck(id: ConnectIdentity, sink: MemberSink): { ok: true; ident: Identity; claim: NameClaim } | { ok: false; code: ChatErrorCode; message: string } {
    const fail = (code: ChatErrorCode, message: string) => ({ ok: false as const, code, message });
    if (this.shuttingDown) return fail('shutting_down', 'the server is shutting down');
    if (!isObject(id)) return fail('protocol_error', 'missing identity');
    if (!isObject(sink) || typeof sink.deliver !== 'function' || typeof sink.close !== 'function') {
      return fail('internal_error', 'invalid sink');
    }
    const ident = parseIdentity(id);
    if (!ident.ok) return fail(ident.code, ident.message);
    const { name, fingerprint, source } = ident.value;
    const existing = this.online.get(nameKey(name));
    // Cheap refusals before the registry is touched: a connected name held by another key, a full server.
    if (existing && existing.fingerprint !== fingerprint) return fail('name_taken', `the name ${existing.name} belongs to another key`);
    if (!(existing && existing.node === undefined) && this.localCount >= this.options.maxConnections) {
      return fail('server_full', `the server is full (${this.options.maxConnections} connections); try again later`);
    }
    return { ok: true, ident: ident.value, claim: { name, fingerprint, source } };
  }

  /** Admits the member the registry accepted: replaces an older session of the name, sends `ready`, joins the first room. */
  private finish(ident: Identity, claim: NameAdmission, sink: MemberSink): ConnectResult {
    if (!claim.ok) return claim;
    const { fingerprint, publicKey } = ident;
    let firstRoom = ident.room;
    const key = nameKey(ident.name);
    const existing = this.online.get(key);
    if (existing) {
      // A reconnect racing its old connection (same name, same key): the new one takes over. A
      // mirror (the old session on another node) is replaced here at once; its node ends it
      // when it reads this session's `up`.
      this.counters.replaced++;
      if (existing.node === undefined) this.drop(existing, 'replaced', 'you signed in again from another connection', 'reconnected');
      else this.remove(existing, 'reconnected', undefined);
      this.drain(); // the old connection's leave notices before the new one's join
    }

    const o = this.options;
    const now = this.clock();
    const m = new MemberImpl(this.nextMemberId++, claim.record.name, key, fingerprint, now, sink, this.rates.acquire(fingerprint, now));
    if (this.cluster) m.sid = this.cluster.sidOf(m.id);
    this.online.set(key, m);
    this.localCount++;
    this.bundles.connected(key, m.name, fingerprint, publicKey);
    this.cluster?.up(m, publicKey);

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
    if (!m.connected) return { ok: false, code: m.endedBy?.code ?? 'internal_error', message: m.endedBy?.message ?? 'disconnected' };
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
    const members = [...this.online.values()].filter((m) => m.node === undefined);
    // the other nodes' members see this node's leave (their clients reconnect elsewhere)
    for (const m of members) this.cluster?.down(m, 'server shutting down');
    this.localCount = 0;
    this.online.clear();
    this.rooms.clear();
    this.pending.length = 0;
    this.rates.clear();
    this.newNames.clear();
    this.bundles.clear();
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
    return { connections: this.localCount, remoteMembers: this.online.size - this.localCount, rooms: this.rooms.size, ...this.counters };
  }

  /** In a cluster: the cluster link's counters. */
  clusterStats(): HubCluster['stats'] | undefined {
    return this.cluster?.stats;
  }

  /**
   * In a cluster: what the bus reports to (ClusterBus.start(handler)). Each call applies the
   * other nodes' entries to this hub; none throws.
   */
  clusterHandler(): HubClusterHandler {
    const cluster = this.cluster;
    if (!cluster) throw new TypeError('this hub was made without a cluster');
    const mirrors = () => [...this.online.values()].filter((m) => m.node !== undefined);
    const guard = (what: string, fn: () => void) => {
      try {
        fn();
      } catch (e) {
        this.clusterLog(`cluster: internal error applying ${what}: ${(e as Error).message}`);
      } finally {
        this.drain();
      }
    };
    return {
      entry: (from, entry, own) => guard('an entry', () => cluster.entry(from, entry, own)),
      nodeLost: (node) => guard('a lost node', () => cluster.nodeLost(node, mirrors())),
      resync: (reason) => guard('a resync', () => cluster.resync(reason, mirrors())),
    };
  }

  /** In a cluster, once the bus has started: asks the other nodes for their members. */
  clusterStarted(): void {
    this.cluster?.hello();
  }

  /** Where the cluster link's log lines go (the server sets it). */
  clusterLog: (message: string) => void = () => {};

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
    const kind: RequestKind = cmd ? (cmd.bucketOf?.(req as Fields) ?? cmd.kind) : 'command';
    const taken = (kind === 'message' ? m.rate.messages : kind === 'keys' ? m.rate.keys : m.rate.commands).take(now);
    if (!taken.ok) {
      const o = this.options;
      this.counters.rateLimited++;
      if (m.rate.flood.record(now)) {
        this.counters.floodDisconnects++;
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
          ? [o.messagesPerSecond, o.burst, 'messages']
          : kind === 'keys'
            ? [o.keysPerSecond, o.keysBurst, 'key distributions']
            : [o.commandsPerSecond, o.commandBurst, 'requests'];
      this.error(m, 'rate_limited', `too many ${what} (at most ${rate}/s, bursts of ${burst}); retry in ${taken.retryAfterMs} ms`, known, taken.retryAfterMs);
      return;
    }
    if (!isObject(req)) return this.error(m, 'protocol_error', `a request must be a JSON object, not ${quote(req)}`);
    if (typeof t !== 'string') return this.error(m, 'protocol_error', 'a request must have a string field "t"');
    if (!cmd || !known) {
      const replaced = REMOVED_REQUESTS.get(t);
      return this.error(m, 'unknown_command', replaced !== undefined ? `${t} is not part of this protocol: ${replaced}` : `unknown command ${quote(t)}`);
    }
    cmd.run(m, req, known);
  }

  // ─── internals ──────────────────────────────────────────────────────────────────────────────

  /**
   * A command's continuation after an asynchronous registry answer: runs `ok(value)` (or `fail()`)
   * for `m` if it is still connected, with the request's `ref` for its errors, then sends pending
   * notices. Never rejects.
   */
  private defer<T>(m: MemberImpl, p: T | Promise<T>, ok: (v: T) => void, fail: () => void): void {
    if (!(p instanceof Promise)) {
      ok(p);
      return;
    }
    const ref = this.currentRef;
    const resume = (fn: () => void) => {
      if (!this.own(m)) return;
      this.currentRef = ref;
      try {
        fn();
      } catch {
        if (m.connected) this.error(m, 'internal_error', 'internal error');
      } finally {
        this.currentRef = undefined;
        this.drain();
      }
    };
    p.then(
      (v) => resume(() => ok(v)),
      () => resume(fail),
    );
  }

  /** What the cluster link (hub-cluster.ts) may do to this hub. */
  private clusterHost(): ClusterHubHost {
    return {
      online: (key) => this.online.get(key),
      locals: () => [...this.online.values()].filter((m) => m.node === undefined),
      roomMembers: (room) => this.rooms.get(room)?.members,
      bundleOf: (m) => this.bundles.entry(m.key)?.bundle ?? null,
      publicKeyOf: (m) => this.bundles.entry(m.key)?.publicKey ?? '',
      addMirror: (a) => {
        const now = this.clock();
        const m = new MemberImpl(this.nextMemberId++, a.name, nameKey(a.name), a.fp, now, MIRROR_SINK, (this.mirrorRate ??= new RateState(this.options, now)));
        m.node = a.node;
        m.sid = a.sid;
        this.online.set(m.key, m);
        this.bundles.connected(m.key, m.name, a.fp, a.pk);
        return m;
      },
      enterRoom: (m, room) => this.enterRoom(m, room),
      leaveRoom: (m, room) => {
        const r = this.rooms.get(room);
        if (!r) return;
        this.rooms.remove(r, m);
        m.rooms.delete(room);
        this.broadcast(r, { type: 'leave', room, name: m.name, members: r.size, ts: this.clock() });
      },
      setBundle: (m, bundle) => void this.bundles.put(m.key, m.fingerprint, bundle),
      removeMirror: (m, reason) => this.remove(m, reason, undefined),
      dropLocal: (m, code, message, reason) => {
        this.counters.replaced++;
        this.drop(m, code, message, reason);
      },
      deliverRoom: (room, ev) => {
        const r = this.rooms.get(room);
        if (r) this.broadcast(r, ev);
      },
      deliver: (m, ev) => this.send(m, ev),
      drain: () => this.drain(),
      log: (message) => this.clusterLog(message),
    };
  }

  /** The hub's own, still connected member behind `member`, or undefined. */
  private own(member: Member): MemberImpl | undefined {
    return member instanceof MemberImpl && member.connected && this.online.get(member.key) === member ? member : undefined;
  }

  private canCreateRoom(room: string): boolean {
    return room === DEFAULT_ROOM || this.rooms.size < this.options.maxRooms;
  }

  private enterRoom(m: MemberImpl, room: string): void {
    const r = this.rooms.getOrCreate(room);
    this.rooms.add(r, m);
    m.rooms.add(room);
    if (m.node === undefined) this.cluster?.join(m, room);
    this.broadcast(r, { type: 'join', room, name: m.name, members: r.size, ts: this.clock(), fingerprint: m.fingerprint });
  }

  private nextId(): string {
    return `${this.idPrefix}-${(++this.seq).toString(36)}`;
  }

  /**
   * One event to every member of `room` (O(members)); the same frozen object to each sink. With
   * `sender` (a relayed message) and a valid `ref` on its request, the sender's own copy carries
   * that ref (docs/PROTOCOL.md §Routing): one more encoding, after the fan-out.
   */
  private broadcast(room: Room<MemberImpl>, event: ServerEvent, sender?: MemberImpl): void {
    const ev = Object.freeze(event);
    const ref = sender !== undefined ? this.currentRef : undefined;
    // the other nodes' members (mirrors) get it from their own node
    for (const m of room.members) if (m.node === undefined && (ref === undefined || m !== sender)) this.send(m, ev);
    if (ref !== undefined && room.members.has(sender!) && sender!.node === undefined) this.send(sender!, Object.freeze({ ...event, ref }));
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
    if (m.node !== undefined) return this.cluster?.to(m, event, this.currentRef); // another node's member: its node delivers it
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
    if (this.online.get(m.key) === m) {
      this.online.delete(m.key);
      this.bundles.disconnected(m.key, m.fingerprint);
    }
    if (m.node === undefined) {
      this.localCount--;
      this.rates.release(m.fingerprint, m.rate);
      this.cluster?.down(m, reason);
    }
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

