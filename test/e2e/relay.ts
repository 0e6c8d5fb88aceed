/**
 * A transport-free stand-in for the server side of protocol version 2 (docs/PROTOCOL.md §Application messages), to
 * drive E2ESessions against each other in tests and the benchmark: it stores bundles, answers
 * bundle_get with a `bundles` event, fans e2e_room out to the room's other members, delivers
 * e2e_to, and tells members about joins and leaves with fingerprints. It relays opaque payloads
 * and never reads them. A `tamper` hook sees every delivery and may change, drop, duplicate or
 * redirect it: the malicious server of the tests.
 */
import { bytesToBase64, exportPublicKeyDer, type RsaPrivateKey } from '../../src/rsa/index.js';
import { nodeE2ECrypto } from '../../src/e2e/crypto-node.js';
import { E2ESession, type Effects, type E2ERequest, type E2ESessionOptions } from '../../src/e2e/session.js';
import type { Notice, BundleEntry } from '../../src/e2e/directory.js';
import type { DirectEvent, Received, RoomEvent } from '../../src/e2e/inbound.js';
import type { OwnBundle } from '../../src/e2e/bundle.js';

/** A delivery the relay is about to make. */
export type Delivery =
  | { to: string; type: 'e2e_room'; ev: RoomEvent }
  | { to: string; type: 'e2e_to'; ev: DirectEvent }
  | { to: string; type: 'bundles'; entries: BundleEntry[] };

/** One simulated client. */
export interface Client {
  name: string;
  session: E2ESession;
  key: RsaPrivateKey;
  /** SPKI DER of the identity, base64 (the `key` field of `bundles`). */
  spki: string;
  received: Received[];
  notices: Notice[];
  /** Every request the client sent (unless the relay keeps no log). */
  sent: E2ERequest[];
}

export class Relay {
  readonly clients = new Map<string, Client>();
  /** The server's bundle per name, with the identity it was published under. */
  readonly published = new Map<string, { spki: string; fingerprint: string; bundle: string }>();
  readonly rooms = new Map<string, Set<string>>();
  /** Every delivery made (after tampering), in order. */
  readonly log: Delivery[] = [];
  tamper: ((d: Delivery) => Delivery[] | null) | null = null;
  private nextId = 1;
  clock = 1_700_000_000_000;
  private readonly queue: { from: string; effects: Effects }[] = [];
  private draining = false;

  now = (): number => this.clock;

  /** `keepLog: false` keeps no delivery log (the benchmark's 200 clients would fill memory with it). */
  constructor(private readonly opts: { keepLog?: boolean } = {}) {}

  /** A new client `name` with identity `key`; it publishes its bundle at once. */
  add(name: string, key: RsaPrivateKey, opts: Partial<E2ESessionOptions> & { bundle?: OwnBundle } = {}): Client {
    const session = new E2ESession({ crypto: nodeE2ECrypto, identity: key, name, now: this.now, ...opts });
    const c: Client = { name, session, key, spki: bytesToBase64(exportPublicKeyDer(key.publicKey, 'spki')), received: [], notices: [], sent: [] };
    this.clients.set(name, c);
    this.run(name, session.start());
    return c;
  }

  /** Replaces `name`'s session by a new one (a restart: fresh bundle, no state), optionally under another key. */
  restart(name: string, key?: RsaPrivateKey, opts: Partial<E2ESessionOptions> = {}): Client {
    const old = this.clients.get(name)!;
    const rooms = [...this.rooms].filter(([, m]) => m.has(name)).map(([r]) => r);
    for (const r of rooms) this.leave(name, r);
    const c = this.add(name, key ?? old.key, opts);
    for (const r of rooms) this.join(name, r);
    return c;
  }

  client(name: string): Client {
    const c = this.clients.get(name);
    if (!c) throw new Error(`no client ${name}`);
    return c;
  }

  fingerprint(name: string): string {
    return this.client(name).session.fingerprint;
  }

  /** `name` joins `room`: it gets the member list, the others a join event. */
  join(name: string, room: string): void {
    const members = this.rooms.get(room) ?? new Set<string>();
    this.rooms.set(room, members);
    members.add(name);
    const list: Record<string, string> = {};
    for (const m of members) list[m] = this.fingerprint(m);
    this.run(name, this.client(name).session.roomMembers(room, list));
    for (const m of members) if (m !== name) this.run(m, this.client(m).session.memberJoined(room, name, this.fingerprint(name)));
  }

  /** `name` leaves `room` (or is removed). */
  leave(name: string, room: string): void {
    const members = this.rooms.get(room);
    if (!members?.delete(name)) return;
    this.client(name).session.leftRoom(room);
    for (const m of members) this.run(m, this.client(m).session.memberLeft(room, name));
  }

  /** `name` says `text` in `room`. */
  say(name: string, room: string, text: string, action = false): ReturnType<E2ESession['sendRoom']> {
    const r = this.client(name).session.sendRoom(room, text, { action });
    this.run(name, r);
    return r;
  }

  /** `from` sends a direct message to `to`. */
  dm(from: string, to: string, text: string): ReturnType<E2ESession['sendDirect']> {
    const r = this.client(from).session.sendDirect(to, text);
    this.run(from, r);
    return r;
  }

  /** Feeds a client's effects through the relay until nothing is left to deliver. */
  run(from: string, effects: Effects): void {
    this.queue.push({ from, effects });
    if (this.draining) return;
    this.draining = true;
    try {
      while (this.queue.length) {
        const { from: f, effects: e } = this.queue.shift()!;
        const c = this.clients.get(f);
        if (c) {
          c.received.push(...e.received);
          c.notices.push(...e.notices);
          if (this.opts.keepLog !== false) c.sent.push(...e.send);
        }
        for (const req of e.send) this.request(f, req);
      }
    } finally {
      this.draining = false;
    }
  }

  private request(from: string, req: E2ERequest): void {
    this.clock += 1;
    const ts = this.clock;
    switch (req.t) {
      case 'bundle_put': {
        const c = this.client(from);
        this.published.set(from, { spki: c.spki, fingerprint: c.session.fingerprint, bundle: req.bundle });
        return;
      }
      case 'bundle_get': {
        const entries = req.names.map((n) => {
          const p = this.published.get(n);
          return p ? { name: n, key: p.spki, fingerprint: p.fingerprint, bundle: p.bundle } : { name: n, key: '', fingerprint: '', bundle: null };
        });
        this.deliver({ to: from, type: 'bundles', entries });
        return;
      }
      case 'e2e_room': {
        for (const m of this.rooms.get(req.room) ?? []) {
          if (m === from) continue;
          this.deliver({ to: m, type: 'e2e_room', ev: { id: String(this.nextId++), from, fromFingerprint: this.fingerprint(from), room: req.room, ts, payload: req.payload } });
        }
        return;
      }
      case 'e2e_to':
        this.deliver({ to: req.to, type: 'e2e_to', ev: { id: String(this.nextId++), from, fromFingerprint: this.fingerprint(from), to: req.to, kind: req.kind, ts, payload: req.payload } });
        return;
    }
  }

  /** Delivers `d` (through the tamper hook) to its client. */
  deliver(d: Delivery): void {
    const out = this.tamper ? this.tamper(d) : [d];
    for (const x of out ?? []) {
      if (this.opts.keepLog !== false) this.log.push(x);
      const c = this.clients.get(x.to);
      if (!c) continue;
      const s = c.session;
      this.run(x.to, x.type === 'bundles' ? s.bundles(x.entries) : x.type === 'e2e_room' ? s.receiveRoom(x.ev) : s.receiveDirect(x.ev));
    }
  }

  /** Deliveries made to `to` of `type`. */
  deliveries<T extends Delivery['type']>(to: string, type: T): Extract<Delivery, { type: T }>[] {
    return this.log.filter((d): d is Extract<Delivery, { type: T }> => d.to === to && d.type === type);
  }

  /** Room messages `name` received (opened or not), from index `since`. */
  roomMessages(name: string, since = 0): Received[] {
    return this.client(name).received.slice(since).filter((r) => r.kind === 'room');
  }

  /** Direct messages `name` received. */
  directMessages(name: string): Received[] {
    return this.client(name).received.filter((r) => r.kind === 'dm');
  }
}

/** A relay with `names` (each with the key at its index in `keys`) all in `room`, with `limits` for every session. */
export function relayWorld(keys: readonly RsaPrivateKey[], names: string[], room = 'lobby', limits = {}): Relay {
  const relay = new Relay();
  names.forEach((n, i) => relay.add(n, keys[i]!, { limits }));
  for (const n of names) relay.join(n, room);
  return relay;
}
