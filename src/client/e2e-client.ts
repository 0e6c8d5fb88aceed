/**
 * The end-to-end layer of a Parley client (docs/E2E.md §Session), between a ChatConnection and a
 * front end — the same for the terminal (src/cli/chat.ts) and the browser (src/web/app.ts). It
 * knows no socket, file or DOM:
 *
 *   - one E2ESession per connection: a new one on every `ready` (start() → bundle_put);
 *   - it feeds the session the server's join / leave / who / bundles (gathered until
 *     more=false) / e2e_room / e2e_to events, asks `who` after each of our own joins (not shown),
 *     and sends the session's requests through the connection (which paces messages and key
 *     distributions to the server's budgets);
 *   - send(): a `say` / `dm` (PlainMessageRequest) is encrypted into e2e_room / e2e_to; anything
 *     else goes to the connection as it is. A `say` waits until its room's member list is known;
 *     what waits counts in `pending`;
 *   - it emits `event`: the server's events as they are (minus e2e_room, e2e_to, bundles and its
 *     own `who`; `whois` gains `verified`), the decrypted `message` / `direct` events with
 *     `verified`, `code` and `fingerprint`, notices (E2ENoticeEvent), and errors — a server error
 *     about an e2e_room / e2e_to that carried a say / dm names that command.
 *
 * Our own messages: the server echoes every e2e_room (and e2e_to dm) to its sender; the layer
 * remembers the payloads it made and shows the echo — once, when it arrives — as the message
 * sent, verified under our own key. An echo in our name that matches no payload we made is shown
 * as a failure (code e2e_not_ours). After a dropped connection, messages not yet sent are
 * encrypted again by the next session (their payloads belonged to the old one).
 */
import type { ChatEvent, OutgoingRequest, PlainMessageRequest } from '../chat/events.js';
import { E2ESession, PeerPins, MemoryPinStore, formatSafetyNumber, isE2EError, type E2ECrypto, type E2ELimits, type Effects, type PeerStatus, type PinStore, type BundleEntry } from '../e2e/index.js';
import type { RsaPrivateKey } from '../rsa/key.js';
import type { ChatConnection, ConnectionStatus } from './connection.js';
import { Emitter } from './emitter.js';
import { Outbox, type Origin } from './e2e-outbox.js';
import { notOursEvent, ownEvent, receivedEvent, type E2EErrorEvent, type E2ENoticeEvent } from './e2e-events.js';

export { NOT_OURS, type E2EErrorEvent, type E2ENoticeEvent } from './e2e-events.js';

/** Everything the layer emits as `event`. */
export type E2EClientEvent = ChatEvent | E2ENoticeEvent | E2EErrorEvent;

/** The part of ChatConnection the layer uses (a test may pass a fake). */
export type E2ETransport = Pick<ChatConnection, 'send' | 'on' | 'queued' | 'takeQueued'>;

/** Options of E2EClient; every limit named, with a default. */
export interface E2EClientOptions {
  connection: E2ETransport;
  /** nodeE2ECrypto (src/e2e/crypto-node.js) or webE2ECrypto (src/e2e/crypto-web.js). */
  crypto: E2ECrypto;
  /** Our RSA identity key (the one the connection signs in with). */
  identity: RsaPrivateKey;
  /** The peer pins of this server (a file in the home folder, IndexedDB in the browser); default: memory only. */
  pins?: PinStore;
  limits?: Partial<E2ELimits>;
  /** Messages waiting for peers' keys go out (without the keys still missing) after this long (default 5000 ms). */
  bundleWaitMs?: number;
  /** Most messages held while not connected or before a room's member list is known (default 1000); beyond, a send is refused. */
  maxHeld?: number;
  /** Payloads remembered for matching their echo and the server's errors (default 1000). */
  maxRemembered?: number;
  /**
   * A user the server lists without keys is asked for again this many times (default 5),
   * bundleRetryMs apart (default 300 ms), while messages for them wait: a member who just
   * joined publishes its keys right after the server announced the join.
   */
  bundleRetries?: number;
  bundleRetryMs?: number;
}

const isMessage = (r: OutgoingRequest): r is Extract<OutgoingRequest, { t: 'e2e_room' | 'e2e_to' }> => r.t === 'e2e_room' || r.t === 'e2e_to';
const lower = (s: string) => s.toLowerCase();

/** The E2E layer of one client on one server (see the file comment). */
export class E2EClient extends Emitter<{ event: E2EClientEvent }> {
  /** The session of the current connection (undefined between connections). */
  session: E2ESession | undefined;
  readonly pins: PeerPins;
  private readonly conn: E2ETransport;
  private readonly bundleWaitMs: number;
  private readonly maxHeld: number;
  /** Most names in one bundle_get (the server's limit, from `ready`). */
  private maxBundleGet = 256;
  /** The name the server signed us in with (from `ready`). */
  private me = '';
  /** say / dm not yet encrypted: no session, or the room's members not known yet. */
  private held: PlainMessageRequest[] = [];
  /** Rooms we are in, and those whose member list arrived. */
  private readonly myRooms = new Set<string>();
  private readonly knownRooms = new Set<string>();
  /** Rooms the user asked to join, not joined yet: a say there waits for the join. */
  private readonly joining = new Set<string>();
  /** Rooms whose `who` we asked for ourselves, oldest first (their answers are not shown). */
  private internalWho: string[] = [];
  /** What we sent and what it stood for (messages waiting in the session, payloads, refs). */
  private readonly outbox: Outbox;
  /** Per room, the members last reported withheld (see noteWithheld). */
  private readonly withheldShown = new Map<string, string>();
  private gathering: BundleEntry[] = [];
  /** Names the server last answered as unknown (not registered): a DM to one fails with no_such_user, as in protocol 1. */
  private readonly unknownNames = new Set<string>();
  /** Names answered without keys, and how often they were asked again. */
  private readonly retried = new Map<string, number>();
  private waitTimer: ReturnType<typeof setTimeout> | undefined;
  /** Requests the front end gave us as they are (counted in `pending` while queued). */
  private readonly userRequests = new WeakSet<OutgoingRequest>();

  constructor(private readonly opts: E2EClientOptions) {
    super();
    this.conn = opts.connection;
    this.pins = new PeerPins(opts.pins ?? new MemoryPinStore());
    this.bundleWaitMs = opts.bundleWaitMs ?? 5000;
    this.maxHeld = opts.maxHeld ?? 1000;
    this.outbox = new Outbox(opts.maxRemembered ?? 1000);
    this.conn.on('event', (ev) => this.onEvent(ev));
    this.conn.on('status', (s: ConnectionStatus) => {
      if (s.state === 'reconnecting' || s.state === 'closed') this.dropSession();
    });
  }

  /** Our identity fingerprint on this server, once connected. */
  get fingerprint(): string | undefined {
    return this.session?.fingerprint;
  }

  /** What the user asked for that has not gone out yet (held, waiting for keys, or in the connection's queue). */
  get pending(): number {
    let n = this.held.length + this.outbox.waiting;
    for (const r of this.conn.queued) if (this.userRequests.has(r) || (isMessage(r) && this.outbox.isMessage(r.ref))) n++;
    return n;
  }

  /** Sends `req`: a say / dm end-to-end encrypted (see the file comment), anything else as it is. Never throws. */
  send(req: OutgoingRequest): void {
    if (req.t !== 'say' && req.t !== 'dm') {
      if (req.t === 'join') this.joining.add(lower(req.room));
      this.userRequests.add(req);
      this.conn.send(req);
      return;
    }
    if (!this.session || (req.t === 'say' && !this.knownRooms.has(lower(req.room)))) {
      if (req.t === 'say' && this.session && !this.myRooms.has(lower(req.room)) && !this.joining.has(lower(req.room))) return this.refuse(req, 'not_in_room', `you are not in #${req.room}`);
      if (this.held.length >= this.maxHeld) return this.refuse(req, 'rate_limited', 'too many messages wait for the connection: try again later');
      this.held.push(req);
      return;
    }
    this.encrypt(req);
  }

  /** The pin state of `name` (PeerStatus, plus the key of its current bundle). Never throws. */
  peerStatus(name: string): PeerStatus & { bundleFingerprint: string | null } {
    return this.session ? this.session.peerStatus(name) : { ...this.pins.status(name), bundleFingerprint: null };
  }

  /**
   * The safety number with `name` for the key it presents now: 60 digits, the same digits in
   * 12 groups of 5, and the key's fingerprint (give it to markVerified after comparing). Throws
   * E2EError 'e2e_no_bundle' when no keys of `name` are known yet (they are then asked for:
   * try again in a moment), 'e2e_invalid_argument' when not connected.
   */
  safetyNumber(name: string): { digits: string; groups: string; fingerprint: string } {
    const s = this.requireSession();
    try {
      const r = s.safetyNumber(name);
      return { ...r, groups: formatSafetyNumber(r.digits) };
    } catch (e) {
      if (isE2EError(e, 'e2e_no_bundle')) this.getBundles([name]);
      throw e;
    }
  }

  /** Accepts `name`'s changed key (/trust NAME); returns the fingerprint now pinned. Throws as PeerPins.trust. */
  trust(name: string): string {
    return this.pins.trust(name);
  }

  /** Marks `fingerprint` (from safetyNumber) of `name` verified. Throws as PeerPins.markVerified. */
  markVerified(name: string, fingerprint: string): void {
    this.pins.markVerified(name, fingerprint);
  }

  /** Stops the layer's timer (the connection closes on its own). */
  close(): void {
    if (this.waitTimer) clearTimeout(this.waitTimer);
    this.waitTimer = undefined;
  }

  private requireSession(): E2ESession {
    if (!this.session) throw Object.assign(new Error('not connected yet'), { code: 'e2e_invalid_argument' });
    return this.session;
  }

  private refuse(req: PlainMessageRequest, code: string, message: string, hint?: string): void {
    this.emit('event', { type: 'error', code, message, command: req.t, ...(hint !== undefined && { hint }) });
  }

  private encrypt(req: PlainMessageRequest): void {
    const s = this.session!;
    const o: Origin = { req, text: req.body.text, action: req.body.action === true, ...(req.t === 'say' ? { room: lower(req.room) } : { to: req.to }) };
    try {
      const r = req.t === 'say' ? s.sendRoom(o.room!, o.text, { action: o.action }) : s.sendDirect(req.to, o.text, { action: o.action });
      if (r.queued) {
        this.outbox.queue(o);
        this.armWait();
      }
      this.apply(r, r.queued ? undefined : o);
      this.noteWithheld(o.room, r.withheld);
    } catch (e) {
      const code = isE2EError(e) ? e.code : 'e2e_invalid_argument';
      const who = req.t === 'dm' ? req.to : 'NAME';
      const hint =
        code === 'e2e_key_changed'
          ? `/verify ${who} to compare keys, then /trust ${who}`
          : code === 'e2e_verify_required'
            ? `/verify ${who}, compare the number with ${who}, then /verify ${who} yes`
            : undefined;
      this.refuse(req, code, (e as Error).message, hint);
    }
  }

  /** Sends the effects' requests (matching each message to what the user typed), shows what they carry. */
  private apply(fx: Effects, immediate?: Origin): void {
    for (const req of fx.send) {
      if (req.t === 'e2e_room' || (req.t === 'e2e_to' && req.kind === 'dm')) {
        const o = immediate ?? this.outbox.shift(req.t === 'e2e_room' ? { room: req.room } : { to: req.to });
        if (o) {
          this.conn.send({ ...req, ref: this.outbox.message(req.payload, o) });
          continue;
        }
      }
      if (req.t === 'e2e_to' && req.kind === 'keys') {
        this.conn.send({ ...req, ref: this.outbox.keys(req.to) });
        continue;
      }
      if (req.t === 'bundle_get') {
        // the server takes at most maxBundleGet names per request (its `ready` says how many)
        for (let i = 0; i < req.names.length; i += this.maxBundleGet) this.getBundles(req.names.slice(i, i + this.maxBundleGet));
        continue;
      }
      this.conn.send(req);
    }
    for (const r of fx.received) {
      const ev = receivedEvent(r, this.me);
      if (ev) this.emit('event', ev);
    }
    for (const n of fx.notices) {
      if (n.type === 'e2e_not_sent') {
        const o = this.outbox.shift({ to: n.to });
        if (this.unknownNames.has(lower(n.to))) this.emit('event', { type: 'error', code: 'no_such_user', message: `${n.to} is not online`, command: o?.req.t ?? 'dm' });
        else this.emit('event', { type: 'error', code: n.code, message: `your message to ${n.to} was not sent: ${n.message}`, command: o?.req.t ?? 'dm' });
      } else if (n.type === 'peer_key_changed') this.emit('event', { ...n, wasVerified: this.pins.status(n.name).verified });
      else this.emit('event', n);
    }
  }

  /** Sends a bundle_get with a ref of ours, so that one the server refuses for its rate is asked again. */
  private getBundles(names: string[]): void {
    this.conn.send({ t: 'bundle_get', names, ref: this.outbox.bundles(names) });
  }

  /** Says which members of `room` a message's key was withheld from — once for each change of that list. */
  private noteWithheld(room: string | undefined, names: string[]): void {
    if (room === undefined) return;
    const key = [...names].sort().join(',');
    if ((this.withheldShown.get(room) ?? '') === key) return;
    this.withheldShown.set(room, key);
    if (names.length) this.emit('event', { type: 'e2e_withheld', room, names });
  }

  private armWait(): void {
    if (this.waitTimer) return;
    this.waitTimer = setTimeout(() => {
      this.waitTimer = undefined;
      if (this.session) this.apply(this.session.flushQueued());
      if (this.outbox.waiting) this.armWait();
    }, this.bundleWaitMs);
  }

  /** The connection dropped: what was not sent is encrypted again by the next session. */
  private dropSession(): void {
    if (!this.session) return;
    const again: PlainMessageRequest[] = [];
    for (const r of this.conn.takeQueued((r) => isMessage(r) || r.t === 'bundle_put' || r.t === 'bundle_get' || (r.t === 'who' && !this.userRequests.has(r)))) {
      const o = isMessage(r) ? this.outbox.originOf(r.ref) : undefined;
      if (o) again.push(o.req);
    }
    again.push(...this.outbox.takeWaiting().map((o) => o.req));
    this.held = [...again, ...this.held];
    this.session = undefined;
    this.myRooms.clear();
    this.knownRooms.clear();
    this.internalWho = [];
    this.gathering = [];
  }

  private onEvent(ev: ChatEvent): void {
    switch (ev.type) {
      case 'ready': {
        this.dropSession();
        this.me = ev.name;
        this.maxBundleGet = Math.max(1, ev.limits.maxBundleGet ?? 256);
        this.session = new E2ESession({ crypto: this.opts.crypto, identity: this.opts.identity, name: ev.name, pins: this.pins, ...(this.opts.limits && { limits: this.opts.limits }) });
        this.emit('event', ev);
        this.apply(this.session.start());
        this.flushHeld();
        return;
      }
      case 'join':
        if (lower(ev.name) === lower(this.me)) {
          const room = lower(ev.room);
          this.myRooms.add(room);
          this.joining.delete(room);
          this.knownRooms.delete(room);
          this.session?.roomMembers(room, {});
          this.internalWho.push(room);
          this.conn.send({ t: 'who', room });
        } else if (this.session && this.myRooms.has(lower(ev.room))) {
          this.emit('event', ev); // the join first, then what it brings (a first-seen or changed key)
          this.apply(this.session.memberJoined(lower(ev.room), ev.name, ev.fingerprint));
          return;
        }
        break;
      case 'leave':
        if (lower(ev.name) === lower(this.me)) {
          const room = lower(ev.room);
          this.myRooms.delete(room);
          this.knownRooms.delete(room);
          this.session?.leftRoom(room);
        } else this.session?.memberLeft(lower(ev.room), ev.name);
        break;
      case 'who': {
        const room = lower(ev.room);
        if (this.session && this.myRooms.has(room)) this.apply(this.session.roomMembers(room, ev.fingerprints));
        const i = this.internalWho.indexOf(room);
        if (i < 0) {
          // set here, always: which members this user verified (a `verified` the server put in never counts)
          this.emit('event', { ...ev, verified: ev.members.filter((n) => this.isVerified(n, Object.hasOwn(ev.fingerprints, n) ? ev.fingerprints[n] : undefined)) });
          return;
        }
        this.internalWho.splice(i, 1);
        this.knownRooms.add(room);
        this.flushHeld();
        return; // our own question: not shown
      }
      case 'whois':
        // set here, always: a `verified` the server put in the event never counts
        this.emit('event', { ...ev, verified: this.isVerified(ev.name, ev.fingerprint) });
        return;
      case 'bundles':
        for (const n of ev.unknown) this.unknownNames.add(lower(n));
        for (const b of ev.bundles) this.unknownNames.delete(lower(b.name));
        this.gathering.push(...ev.bundles, ...ev.unknown.map((name) => ({ name, key: '', fingerprint: '', bundle: null })));
        if (ev.more) return;
        if (this.session) this.apply(this.session.bundles(this.retryMissing(this.gathering.splice(0))));
        this.gathering = [];
        return;
      case 'e2e_room':
      case 'e2e_to':
        return this.onPayload(ev);
      case 'error':
        if (this.onError(ev)) return;
        break;
      case 'message':
      case 'direct':
        return; // never from the wire (event-check refuses them); only the layer makes them
    }
    this.emit('event', ev);
  }

  private onPayload(ev: Extract<ChatEvent, { type: 'e2e_room' | 'e2e_to' }>): void {
    const s = this.session;
    if (!s) return;
    const mine = lower(ev.from) === lower(this.me);
    if (mine && (ev.type === 'e2e_room' || ev.kind === 'dm')) {
      const o = this.outbox.echo(ev.payload);
      if (o) {
        this.emit('event', ownEvent(o, ev, s.fingerprint));
        return;
      }
      this.emit('event', notOursEvent(ev.type === 'e2e_room' ? { ...ev, room: ev.room } : { ...ev, to: ev.to }));
      return;
    }
    this.apply(ev.type === 'e2e_room' ? s.receiveRoom(ev) : s.receiveDirect(ev));
  }

  /** True when the error was handled here (not shown as it is). */
  private onError(ev: Extract<ChatEvent, { type: 'error' }>): boolean {
    const t = this.outbox.refused(ev.ref);
    if (t?.kind === 'message') {
      this.emit('event', { ...ev, command: t.origin.req.t });
      return true;
    }
    if (t?.kind === 'keys') {
      // a key distribution of ours the server refused (the recipient left, or its limit): say so; the recipient cannot read our messages there until it gets our keys again
      this.emit('event', { type: 'error', code: ev.code, message: `your keys could not be given to ${t.to}: ${ev.message}` });
      return true;
    }
    if (t?.kind === 'bundles') {
      const names = t.names;
      if (ev.code !== 'rate_limited') return false; // shown: something the user may need to know
      // the commands budget ran out: ask again when allowed, while the messages for these names wait
      const session = this.session;
      setTimeout(() => {
        if (this.session === session) this.getBundles(names);
      }, Math.max(200, ev.retryAfterMs ?? 1000));
      return true;
    }
    if (ev.command === 'join' && this.joining.size) {
      // a join was refused: what waits for a room we are not in will not go
      this.joining.clear();
      for (const req of this.held.filter((r) => r.t === 'say' && !this.myRooms.has(lower(r.room)))) this.refuse(req, 'not_in_room', `not sent: you are not in #${req.t === 'say' ? req.room : ''}`);
      this.held = this.held.filter((r) => r.t !== 'say' || this.myRooms.has(lower(r.room)));
      return false;
    }
    if (ev.command === 'who' && this.internalWho.length) {
      // our own `who` was refused (its rate): ask again when allowed
      const room = this.internalWho[0]!;
      setTimeout(() => {
        if (this.myRooms.has(room) && this.internalWho.includes(room)) this.conn.send({ t: 'who', room });
      }, Math.max(200, ev.retryAfterMs ?? 1000));
      return true;
    }
    return false;
  }

  /**
   * Of a complete `bundles` answer, the entries to give the session now: a registered user
   * without keys yet (bundle null) is asked for again, up to bundleRetries times, and left out
   * meanwhile, so that the session keeps waiting for them (see E2EClientOptions).
   */
  private retryMissing(entries: BundleEntry[]): BundleEntry[] {
    const max = this.opts.bundleRetries ?? 5;
    const later: string[] = [];
    const now = entries.filter((e) => {
      if (e.bundle !== null || e.key === '') {
        this.retried.delete(e.name);
        return true;
      }
      const n = this.retried.get(e.name) ?? 0;
      if (n >= max) {
        this.retried.delete(e.name);
        return true;
      }
      this.retried.set(e.name, n + 1);
      later.push(e.name);
      return false;
    });
    if (later.length) {
      const session = this.session;
      setTimeout(() => {
        if (this.session === session) this.getBundles(later);
      }, this.opts.bundleRetryMs ?? 300);
    }
    return now;
  }

  /** True when the user verified `fingerprint` as `name`'s key (and no other key waits). */
  private isVerified(name: string, fingerprint: string | undefined): boolean {
    if (typeof fingerprint !== 'string') return false;
    const st = this.pins.status(name);
    return st.verified && st.pinned === fingerprint && !st.blocked;
  }

  /** Encrypts what was held and can go now. */
  private flushHeld(): void {
    if (!this.session) return;
    const keep: PlainMessageRequest[] = [];
    for (const req of this.held.splice(0)) {
      if (req.t === 'say' && !this.knownRooms.has(lower(req.room))) keep.push(req);
      else this.encrypt(req);
    }
    this.held = keep;
  }
}
