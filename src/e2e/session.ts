/**
 * E2ESession: the transport-free end-to-end core of one client on one server (docs/E2E.md
 * §Session). The terminal client, the browser, the tests and the benchmark drive it the same
 * way: feed it the server's events (members, bundles, e2e payloads) and the user's sends; each
 * call returns Effects — requests to send to the server, in order (docs/PROTOCOL.md version 2:
 * bundle_put, bundle_get, e2e_room, e2e_to), received messages to show, and notices (first-seen
 * and changed keys). It never touches a socket, a file or a clock it was not given.
 */
import { bytesToBase64, type RsaPrivateKey } from '../rsa/index.js';
import { makeBundle, type OwnBundle } from './bundle.js';
import { encodeMessage } from './content.js';
import type { E2ECrypto } from './crypto.js';
import { PeerDirectory, type BundleEntry, type Notice } from './directory.js';
import { e2eError, RECEIVE_FAILURE_TEXT, type E2EErrorCode } from './errors.js';
import { RoomSession } from './group.js';
import { FINGERPRINT_TEXT_RE } from './identity.js';
import type { DirectEvent, ReceiverContext, RoomEvent } from './inbound.js';
import { resolveLimits, type E2ELimits } from './limits.js';
import { sealDirect, sealDistribution, sealRoomMessage, type SenderContext } from './outbound.js';
import { PeerPins, type PeerStatus } from './peer-pins.js';
import { safetyNumber } from './safety-number.js';
import { OutboundQueues, type Queued } from './queues.js';
import { mergeEffects, noEffects, type E2ERequest, type Effects, type SendEffects } from './effects.js';
import { Inbox } from './inbox.js';

export type { E2ERequest, Effects, SendEffects } from './effects.js';

/** Options of a session. */
export interface E2ESessionOptions {
  crypto: E2ECrypto;
  /** Our RSA identity key (2048–4096 bits, e = 65537). */
  identity: RsaPrivateKey;
  /** Our name on this server. */
  name: string;
  /** The pins of this server (default: in memory only). */
  pins?: PeerPins;
  limits?: Partial<E2ELimits>;
  now?: () => number;
  /** A bundle made beforehand (tests, vectors); default: a fresh one for this session. */
  bundle?: OwnBundle;
}

const none = noEffects;
const merge = mergeEffects;

/** The end-to-end state of one client session. */
export class E2ESession {
  readonly name: string;
  readonly own: OwnBundle;
  readonly pins: PeerPins;
  readonly limits: E2ELimits;
  private readonly crypto: E2ECrypto;
  private readonly now: () => number;
  private readonly directory: PeerDirectory;
  private readonly rooms = new Map<string, RoomSession>();
  private readonly inbox: Inbox;
  private readonly queues: OutboundQueues;

  /** Makes the session (and, unless given, a fresh bundle: one RSA signature). Throws E2EError 'e2e_invalid_argument' for a bad identity, name or limit. */
  constructor(opts: E2ESessionOptions) {
    if (typeof opts.name !== 'string' || opts.name === '') throw e2eError('e2e_invalid_argument', 'a session needs our name');
    this.crypto = opts.crypto;
    this.name = opts.name;
    this.now = opts.now ?? Date.now;
    this.limits = resolveLimits(opts.limits);
    this.pins = opts.pins ?? new PeerPins(undefined, this.now);
    this.own = opts.bundle ?? makeBundle(opts.crypto, opts.identity, { now: this.now() });
    this.directory = new PeerDirectory(this.crypto, this.name, this.own, this.pins, this.limits, this.now);
    this.queues = new OutboundQueues(this.limits.maxQueuedSends);
    this.inbox = new Inbox(() => this.rctx, this.directory, this.limits, (names) => this.fetch(names, true));
  }

  /** Our identity fingerprint ("SHA256:…"). */
  get fingerprint(): string {
    return this.own.identity.fingerprint;
  }

  private get sctx(): SenderContext {
    return { crypto: this.crypto, selfName: this.name, own: this.own, limits: this.limits, now: this.now };
  }

  private get rctx(): ReceiverContext {
    return { crypto: this.crypto, selfName: this.name, limits: this.limits, pins: this.pins, directory: this.directory, rooms: this.rooms };
  }

  /** The first request of a session: publish our bundle. */
  start(): Effects {
    return { ...none(), send: [{ t: 'bundle_put', bundle: bytesToBase64(this.own.bytes) }] };
  }

  private fetch(names: Iterable<string>, force = false): E2ERequest[] {
    const n = this.directory.toRequest(names, force);
    return n.length ? [{ t: 'bundle_get', names: n }] : [];
  }

  private pinNotice(name: string, fingerprint: string): Notice[] {
    const c = this.pins.check(name, fingerprint);
    if (c.status === 'new') return [{ type: 'peer_new', name, fingerprint }];
    return c.status === 'changed' && c.event ? [c.event] : [];
  }

  private room(room: string): RoomSession {
    const r = this.rooms.get(room);
    if (!r) throw e2eError('e2e_not_member', `you are not in ${room}`);
    return r;
  }

  /**
   * We joined `room` (or learnt its member list: a `who` answer): members are name → fingerprint
   * as the server announced them (we may be among them). Pins every new key, fetches the bundles
   * we lack. Members announced with a malformed fingerprint are left out. Never throws.
   */
  roomMembers(room: string, members: Record<string, string> | Iterable<[string, string]>): Effects {
    let r = this.rooms.get(room);
    if (!r) this.rooms.set(room, (r = new RoomSession(this.crypto, room, this.limits)));
    const all = Symbol.iterator in Object(members) ? [...(members as Iterable<[string, string]>)] : Object.entries(members as Record<string, string>);
    // a member whose announced fingerprint is not one is not a member we share keys with
    const list = all.filter(([n, fp]) => typeof n === 'string' && n !== this.name && typeof fp === 'string' && FINGERPRINT_TEXT_RE.test(fp));
    const out = none();
    for (const [n, fp] of list) out.notices.push(...this.pinNotice(n, fp));
    const { joined } = r.setMembers(list);
    for (const n of joined) this.directory.invalidate(n);
    out.send.push(...this.fetch(list.map(([n]) => n)));
    return out;
  }

  /** `name` joined `room` with `fingerprint` (the server's join event). Pins, refetches its bundle. Throws 'e2e_not_member' when we are not in `room`. */
  memberJoined(room: string, name: string, fingerprint: string): Effects {
    if (name === this.name || typeof fingerprint !== 'string' || !FINGERPRINT_TEXT_RE.test(fingerprint)) return none();
    const r = this.room(room);
    const out = { ...none(), notices: this.pinNotice(name, fingerprint) };
    r.join(name, fingerprint);
    r.forgetHolder(name); // a (re)joining member has none of our keys
    this.directory.invalidate(name);
    out.send.push(...this.fetch([name]));
    return out;
  }

  /** `name` left or was removed from `room`: its keys go, ours rotate on our next send there. */
  memberLeft(room: string, name: string): Effects {
    this.rooms.get(room)?.leave(name);
    return none();
  }

  /** We left `room`: every key of it is erased. */
  leftRoom(room: string): void {
    this.rooms.get(room)?.destroy();
    this.rooms.delete(room);
    this.queues.dropRoom(room);
  }

  /** The server's `bundles` event: certify and pin each, then retry what waited for them. Never throws. */
  bundles(entries: BundleEntry[]): Effects {
    const out = none();
    const names: string[] = [];
    for (const e of Array.isArray(entries) ? entries : []) {
      const { notices, changed } = this.directory.accept(e);
      out.notices.push(...notices);
      if (changed) for (const r of this.rooms.values()) r.forgetHolder(e.name);
      names.push(e.name);
    }
    for (const n of names) merge(out, this.inbox.drain(n));
    merge(out, this.flushReady(false));
    return out;
  }

  // ------------------------------------------------------------------ sending

  /** True when our chain may go to `name`: its bundle is under the announced, accepted, unblocked identity. */
  private canShareWith(name: string, announced: string | undefined): boolean {
    const b = this.directory.bundleOf(name);
    if (!b || announced === undefined || b.identity.fingerprint !== announced) return false;
    return this.pins.isAccepted(name, announced) && !this.pins.status(name).blocked;
  }

  /** Members lacking our chain whose bundle is still being fetched. */
  private waitingFor(r: RoomSession): string[] {
    return r.lacking().filter((n) => !this.pins.status(n).blocked && (this.directory.isRequested(n) || (!this.directory.bundleOf(n) && !this.directory.isAbsent(n))));
  }

  /**
   * Encrypts `text` for `room`. Distributes our chain first to members who lack it (starting a
   * new chain when one left); members with a changed key or no bundle are `withheld`. When
   * bundles of new members are still being fetched, the message waits (queued: true) and goes
   * out with the answer (from bundles()) or flushQueued(). Throws E2EError 'e2e_not_member',
   * 'e2e_too_large', 'e2e_invalid_argument' (empty text).
   */
  sendRoom(room: string, text: string, opts: { action?: boolean } = {}): SendEffects {
    const r = this.room(room);
    encodeMessage(this.crypto, text, opts.action === true, this.limits.maxTextBytes); // validate before any state moves
    const item: Queued = { text, action: opts.action === true };
    const waiting = this.waitingFor(r);
    if ((waiting.length > 0 || this.queues.hasRoom(room)) && this.queues.pushRoom(room, item)) {
      return { ...none(), send: this.fetch(waiting), withheld: [], queued: true };
    }
    return { ...this.buildRoom(r, item), queued: false };
  }

  private buildRoom(r: RoomSession, item: Queued): SendEffects {
    const chain = r.sendingChain();
    const out: SendEffects = { ...none(), withheld: [], queued: false };
    for (const n of r.lacking()) {
      const sc = this.canShareWith(n, r.fingerprintOf(n)) ? this.tryChannel(n) : null;
      if (!sc) {
        out.withheld.push(n);
        continue;
      }
      out.send.push({ t: 'e2e_to', to: n, kind: 'keys', payload: sealDistribution(this.sctx, r.room, n, sc, chain) });
      r.markHolder(n);
    }
    out.send.push({ t: 'e2e_room', room: r.room, payload: sealRoomMessage(this.sctx, r.room, chain, item.text, item.action) });
    return out;
  }

  private tryChannel(name: string) {
    try {
      return this.directory.sendChannel(name)?.channel ?? null;
    } catch {
      return null; // an unusable prekey
    }
  }

  /**
   * Encrypts a direct message to `to`. Waits (queued: true) while `to`'s bundle is fetched (none
   * yet, or older than bundleMaxAgeMs). Throws E2EError 'e2e_key_changed' / 'e2e_verify_required'
   * while `to`'s changed key is not accepted, 'e2e_too_large', 'e2e_invalid_argument'.
   */
  sendDirect(to: string, text: string, opts: { action?: boolean } = {}): SendEffects {
    if (to === this.name) throw e2eError('e2e_invalid_argument', 'a direct message to yourself');
    encodeMessage(this.crypto, text, opts.action === true, this.limits.maxTextBytes);
    this.checkUnblocked(to);
    const item: Queued = { text, action: opts.action === true };
    const stale = !this.directory.bundleOf(to) || this.directory.ageOf(to) > this.limits.bundleMaxAgeMs || this.directory.isRequested(to);
    if ((stale || this.queues.hasDirect(to)) && this.queues.pushDirect(to, item)) {
      return { ...none(), send: this.fetch([to], true), withheld: [], queued: true };
    }
    return { ...this.buildDirect(to, item), withheld: [], queued: false };
  }

  private checkUnblocked(to: string): void {
    const st = this.pins.status(to);
    if (st.blocked) throw e2eError(st.verified ? 'e2e_verify_required' : 'e2e_key_changed', RECEIVE_FAILURE_TEXT[st.verified ? 'e2e_verify_required' : 'e2e_key_changed']);
  }

  private buildDirect(to: string, item: Queued): Effects {
    const b = this.directory.bundleOf(to);
    const sc = b && this.pins.isAccepted(to, b.identity.fingerprint) ? this.tryChannel(to) : null;
    if (!sc) throw e2eError(b ? 'e2e_key_changed' : 'e2e_no_bundle', b ? RECEIVE_FAILURE_TEXT.e2e_key_changed : `no keys for ${to}: they may be offline or use an old client`);
    return { ...none(), send: [{ t: 'e2e_to', to, kind: 'dm', payload: sealDirect(this.sctx, to, sc, item.text, item.action) }] };
  }

  /** Sends what waits for bundles: all of it when `force` (flushQueued), else what no longer waits. */
  private flushReady(force: boolean): Effects {
    const out = none();
    for (const room of this.queues.rooms()) {
      const r = this.rooms.get(room);
      if (!r) continue;
      if (!force && this.waitingFor(r).length > 0) continue;
      for (const item of this.queues.takeRoom(room)) merge(out, this.buildRoom(r, item));
    }
    for (const to of this.queues.directs()) {
      if (!force && this.directory.isRequested(to)) continue;
      for (const item of this.queues.takeDirect(to)) {
        try {
          this.checkUnblocked(to);
          merge(out, this.buildDirect(to, item));
        } catch (e) {
          const code: E2EErrorCode = (e as { code?: E2EErrorCode }).code ?? 'e2e_no_bundle';
          out.notices.push({ type: 'e2e_not_sent', to, code, message: RECEIVE_FAILURE_TEXT[code] });
        }
      }
    }
    return out;
  }

  /** Sends every queued message now, without the bundles still awaited (their members are withheld; direct messages without keys fail as notices). */
  flushQueued(): Effects {
    return this.flushReady(true);
  }

  // ------------------------------------------------------------------ receiving

  /** The server's e2e_room event. Never throws. */
  receiveRoom(ev: RoomEvent): Effects {
    return this.inbox.room(ev);
  }

  /** The server's e2e_to event (a direct message or a key distribution). Never throws. */
  receiveDirect(ev: DirectEvent): Effects {
    return this.inbox.direct(ev);
  }

  // ------------------------------------------------------------------ verification

  /** What we know of `name`'s key: pin state and the key of its current bundle. Never throws. */
  peerStatus(name: string): PeerStatus & { bundleFingerprint: string | null } {
    return { ...this.pins.status(name), bundleFingerprint: this.directory.bundleOf(name)?.identity.fingerprint ?? null };
  }

  /**
   * The safety number with `name` (`/verify NAME`) for the key its current bundle presents, and
   * that key's fingerprint (pass it to markVerified after comparing). Throws 'e2e_no_bundle'.
   */
  safetyNumber(name: string): { digits: string; fingerprint: string } {
    const b = this.directory.bundleOf(name);
    if (!b) throw e2eError('e2e_no_bundle', `no keys for ${name} yet: try again in a moment`);
    const digits = safetyNumber(this.crypto, { name: this.name, spki: this.own.identity.spki }, { name, spki: b.identity.spki });
    return { digits, fingerprint: b.identity.fingerprint };
  }

  /** Accepts `name`'s changed key (`/trust NAME`); returns the newly pinned fingerprint. Throws as PeerPins.trust. */
  trust(name: string): string {
    return this.pins.trust(name);
  }

  /** Marks `fingerprint` of `name` verified (after the safety numbers matched). Throws as PeerPins.markVerified. */
  markVerified(name: string, fingerprint: string): void {
    this.pins.markVerified(name, fingerprint);
  }
}
